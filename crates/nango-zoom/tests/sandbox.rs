//! nango-zoom against the real sandbox over loopback: code 124 refresh-and-replay, pagination
//! over thousands of users, the daily and per-second limits, regional `api_url`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::TryStreamExt;
use nango_config::Config;
use nango_http::{HttpClient, RateLimitScope, SystemClock};
use nango_oauth::{HttpBrowser, MemoryStore, OAuthClient, Session, clients};
use nango_zoom::{Zoom, ZoomPolicy};
use zoom_sandbox::{ClientApp, Plan, RunningSandbox, Sandbox, SandboxConfig};

struct Setup {
    sandbox: RunningSandbox,
    zoom: Zoom,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A sandbox, an integration extending zoom:v0 pointed at it, and a connected session.
/// `quotas` false builds an API client that only reacts to the server's signals.
async fn setup(config: SandboxConfig, plan: &str, quotas: bool, api_url: Option<String>) -> Setup {
    let redirect_uri = format!("http://127.0.0.1:{}/callback", free_port());
    let app = ClientApp { redirect_uris: vec![redirect_uri.clone()], ..ClientApp::demo() };
    let sandbox_config =
        SandboxConfig { auto_approve: true, clients: vec![app.clone()], api_url, ..config };
    let sandbox = Sandbox::start(sandbox_config).await.expect("sandbox starts");
    let base = sandbox.base_url();
    let yaml = format!(
        "integrations:
  zoom:
    extends_blueprint: zoom:v0
    oauth_client_id: {}
    oauth_client_secret: {}
    redirect_uri: {redirect_uri}
    rate_limit_plan: {plan}
    overrides:
      auth: {{ authorization_url: {base}/oauth/authorize, token_url: {base}/oauth/token }}
      api: {{ base_url: {base}/v2 }}
",
        app.client_id, app.client_secret
    );
    let config = Config::parse(&yaml, "test.yaml", &|_| None).expect("valid config");
    let integration = Arc::new(config.integration("zoom").unwrap().clone());
    let clock = SystemClock::shared();
    let api = if quotas {
        clients::api_client(&integration, Arc::new(ZoomPolicy), clock.clone()).unwrap()
    } else {
        HttpClient::builder().policy(Arc::new(ZoomPolicy)).build().unwrap()
    };
    let token_http = clients::token_client(&integration, clock).unwrap();
    let oauth = OAuthClient::new(integration, token_http, Arc::new(MemoryStore::new()));
    let browser = HttpBrowser::new().unwrap();
    oauth.connect("test", &browser, Duration::from_secs(20)).await.expect("connects");
    let zoom = Zoom::new(Session::new(oauth, api, "test"));
    Setup { sandbox, zoom }
}

#[tokio::test(flavor = "multi_thread")]
async fn code_124_refreshes_once_and_replays() {
    let s = setup(SandboxConfig::default(), "pro", true, None).await;
    let control = s.sandbox.control();
    s.zoom.me().await.expect("first call");
    control.advance_clock(Duration::from_secs(2 * 3600));
    let me = s.zoom.me().await.expect("refreshed and replayed");
    assert!(!me.email.is_empty());
    assert_eq!(control.stats().refreshes, 1);
    s.zoom.me().await.expect("the new token works");
    assert_eq!(control.stats().refreshes, 1, "no refresh while the new token is valid");
}

#[tokio::test(flavor = "multi_thread")]
async fn users_stream_over_thousands_returns_each_once() {
    let config = SandboxConfig { seed_users: 3_000, ..SandboxConfig::default() };
    let s = setup(config, "pro", true, None).await;
    let users: Vec<_> = s.zoom.users(None).try_collect().await.expect("all pages");
    let page = s.zoom.session().request_json::<serde_json::Value>(
        http::Method::GET,
        "/users?page_size=1",
        None,
    );
    let total = page.await.unwrap()["total_records"].as_u64().unwrap() as usize;
    let ids: std::collections::BTreeSet<_> = users.iter().map(|u| u.id.clone()).collect();
    assert!(total > 2_000, "{total}");
    assert_eq!(users.len(), total);
    assert_eq!(ids.len(), total, "each user exactly once");
    let all: Vec<_> = s.zoom.users(Some("pending")).try_collect().await.unwrap();
    assert!(all.iter().all(|u| u.status.as_deref() == Some("pending")));
}

#[tokio::test(flavor = "multi_thread")]
async fn daily_limit_is_final_and_later_calls_fail_locally() {
    let config = SandboxConfig { plan: Plan::Free, ..SandboxConfig::default() };
    let s = setup(config, "free", true, None).await;
    let control = s.sandbox.control();
    assert!(control.set_daily_usage(&ClientApp::demo().account_id, "Light", 6_000));
    let err = s.zoom.me().await.expect_err("daily limit");
    let http = err.http().expect("an HTTP error");
    assert_eq!(
        http.kind(),
        &nango_http::HttpErrorKind::RateLimited { scope: RateLimitScope::Daily }
    );
    assert_eq!(http.attempts(), 1, "a daily 429 is never retried");
    let reset = http.retry_after().expect("reset time");
    let secs = reset.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    assert_eq!(secs % 86_400, 0, "resets at 00:00 UTC");
    let sent = control.stats().requests;
    let again = s.zoom.me().await.expect_err("still limited");
    assert!(again.http().is_some_and(|e| e.is_rate_limited()));
    assert_eq!(control.stats().requests, sent, "the second call failed locally, unsent");
}

#[tokio::test(flavor = "multi_thread")]
async fn per_second_limit_is_retried_with_backoff() {
    let config = SandboxConfig { plan: Plan::Free, ..SandboxConfig::default() };
    let s = setup(config, "free", false, None).await;
    let control = s.sandbox.control();
    let calls = (0..8).map(|_| s.zoom.me());
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|r| r.is_err()));
    assert!(control.stats().rate_limited > 0, "the burst met the per-second limit");
}

#[tokio::test(flavor = "multi_thread")]
async fn proactive_throttle_avoids_per_second_429s() {
    let config = SandboxConfig { plan: Plan::Free, ..SandboxConfig::default() };
    let s = setup(config, "free", true, None).await;
    let control = s.sandbox.control();
    let calls = (0..12).map(|_| s.zoom.me());
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(control.stats().rate_limited, 0, "the throttle kept to 4/s");
}

#[tokio::test(flavor = "multi_thread")]
async fn regional_api_url_from_the_token_is_used() {
    let regional = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("GET"))
        .and(wiremock::matchers::path("/v2/users/me"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"id": "eu-user-000000000000", "email": "eu@example.com"}),
        ))
        .expect(1)
        .mount(&regional)
        .await;
    let s = setup(SandboxConfig::default(), "pro", true, Some(regional.uri())).await;
    let me = s.zoom.me().await.expect("served by the regional host");
    assert_eq!(me.email, "eu@example.com");
}

#[tokio::test(flavor = "multi_thread")]
async fn meetings_crud_through_typed_helpers() {
    let s = setup(SandboxConfig::default(), "pro", true, None).await;
    let request = nango_zoom::models::MeetingRequest {
        topic: Some("Typed".into()),
        meeting_type: Some(2),
        start_time: Some("2026-12-24T10:00:00Z".into()),
        duration: Some(30),
        ..Default::default()
    };
    let created = s.zoom.create_meeting("me", &request).await.expect("created");
    assert!(created.id > 10_000_000_000, "int64 meeting id: {}", created.id);
    let update =
        nango_zoom::models::MeetingRequest { topic: Some("Renamed".into()), ..Default::default() };
    s.zoom.update_meeting(created.id, &update).await.expect("updated");
    assert_eq!(s.zoom.meeting(created.id).await.unwrap().topic.as_deref(), Some("Renamed"));
    let listed: Vec<_> = s.zoom.meetings("me").try_collect().await.unwrap();
    assert!(listed.iter().any(|m| m.id == created.id));
    s.zoom.delete_meeting(created.id).await.expect("deleted");
    let gone = s.zoom.meeting(created.id).await.expect_err("404");
    let provider = gone.http().and_then(|e| e.provider_error()).expect("Zoom's error");
    assert_eq!(provider.code.as_deref(), Some("3001"));
    let sent = s.sandbox.control().stats().meetings_created;
    assert_eq!(sent, 1, "no retried POST created a second meeting");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_per_host_meeting_cap_is_final_and_leaves_reads_alone() {
    let config = SandboxConfig { per_second_multiplier: 100, ..SandboxConfig::default() };
    let s = setup(config, "business", false, None).await;
    let request = nango_zoom::models::MeetingRequest {
        topic: Some("cap".into()),
        meeting_type: Some(2),
        ..Default::default()
    };
    for n in 0..100 {
        s.zoom.create_meeting("me", &request).await.unwrap_or_else(|e| panic!("create {n}: {e}"));
    }
    let control = s.sandbox.control();
    let sent = control.stats().requests;
    let err = s.zoom.create_meeting("me", &request).await.expect_err("the 101st create");
    let http = err.http().expect("an HTTP error");
    assert_eq!(
        http.kind(),
        &nango_http::HttpErrorKind::RateLimited { scope: RateLimitScope::DailyPerResource }
    );
    assert_eq!(http.attempts(), 1, "never retried before the reset");
    let reset = http.retry_after().expect("reset time");
    assert_eq!(reset.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() % 86_400, 0);
    assert_eq!(control.stats().requests, sent + 1);
    s.zoom.me().await.expect("reads are unaffected");
    let listed: Vec<_> = s.zoom.meetings("me").try_collect().await.expect("listing still works");
    assert_eq!(listed.len(), 100);
}

#[tokio::test(flavor = "multi_thread")]
async fn paths_that_leave_the_api_base_are_refused_before_sending() {
    let s = setup(SandboxConfig::default(), "pro", true, None).await;
    let sent = s.sandbox.control().stats().requests;
    for path in ["/../oauth/token", "/users/%2e%2e/x", "/users/./me", "/users/%2E%2E/%2e%2e/oauth"]
    {
        let err = s
            .zoom
            .session()
            .request(http::Method::GET, path, None, http::HeaderMap::new())
            .await
            .expect_err(path);
        assert!(err.to_string().contains("leaves the API base path"), "{path}: {err}");
    }
    assert_eq!(s.sandbox.control().stats().requests, sent, "nothing was sent");
}
