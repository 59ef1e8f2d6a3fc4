//! "Any endpoint of the Zoom REST API" made provable: every operation of the catalogue, built
//! through the generic `Session::request`, reaches the sandbox, is counted in its category and
//! succeeds with its documented status.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, Method};
use nango_config::Config;
use nango_http::SystemClock;
use nango_oauth::{MemoryStore, OAuthClient, Session, clients};
use nango_zoom::{Catalog, ZoomPolicy};
use zoom_sandbox::{ClientApp, Plan, Sandbox, SandboxConfig};

fn yaml(blueprint: &str, base: &str, plan: &str, extra: &str) -> String {
    let app = ClientApp::demo();
    format!(
        "integrations:
  zoom:
    extends_blueprint: {blueprint}
    oauth_client_id: {}
    oauth_client_secret: {}
    rate_limit_plan: {plan}
{extra}    overrides:
      auth: {{ token_url: {base}/oauth/token }}
      api: {{ base_url: {base}/v2 }}
",
        app.client_id, app.client_secret
    )
}

/// A Server-to-Server session on a Business+ sandbox whose per-second quotas are raised, so the
/// walk measures routing and categories, not waiting.
async fn s2s_session(config: SandboxConfig) -> (zoom_sandbox::RunningSandbox, Session) {
    let sandbox = Sandbox::start(config).await.expect("sandbox starts");
    let account = format!("    account_id: {}\n", ClientApp::demo().account_id);
    let text = yaml("zoom-server-to-server:v0", &sandbox.base_url(), "business", &account);
    let config = Config::parse(&text, "walk.yaml", &|_| None).expect("valid config");
    let integration = Arc::new(config.integration("zoom").unwrap().clone());
    let clock = SystemClock::shared();
    let api = nango_http::HttpClient::builder().policy(Arc::new(ZoomPolicy)).build().unwrap();
    let token_http = clients::token_client(&integration, clock).unwrap();
    let oauth = OAuthClient::new(integration, token_http, Arc::new(MemoryStore::new()));
    oauth.connect_client_credentials("walk").await.expect("S2S token");
    (sandbox, Session::new(oauth, api, "walk"))
}

/// A concrete path for a template: `{userId}` is `me`, the meeting is a real one, other ids
/// are numbers, other parameters words.
fn fill(template: &str, meeting_id: i64) -> String {
    template
        .split('/')
        .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some("userId") => "me".to_owned(),
            Some("meetingId") => meeting_id.to_string(),
            Some(name) if name.ends_with("Id") || name == "id" => "4242".to_owned(),
            Some(_) => "sample".to_owned(),
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_catalogue_operation_is_reachable_counted_and_succeeds() {
    let config = SandboxConfig {
        plan: Plan::BusinessPlus,
        per_second_multiplier: 100,
        seed_users: 5,
        ..SandboxConfig::default()
    };
    let (sandbox, session) = s2s_session(config).await;
    let control = sandbox.control();
    let created: serde_json::Value = session
        .request_json(
            Method::POST,
            "/users/me/meetings",
            Some(serde_json::json!({"topic": "walk", "type": 2})),
        )
        .await
        .expect("a meeting to walk with");
    let meeting_id = created["id"].as_i64().expect("meeting id");

    let catalog = Catalog::embedded();
    let mut operations: Vec<_> = catalog.operations().iter().collect();
    // Delete the walk's meeting last, after every operation that reads it.
    operations.sort_by_key(|op| op.method == "DELETE" && op.path == "/meetings/{meetingId}");
    let mut failures = Vec::new();
    for op in &operations {
        let path = fill(&op.path, meeting_id);
        let method = Method::from_bytes(op.method.as_bytes()).unwrap();
        let body = matches!(op.method.as_str(), "POST" | "PATCH" | "PUT")
            .then(|| serde_json::json!({"topic": "walk", "type": 2}));
        match session.request(method, &path, body, HeaderMap::new()).await {
            Ok(response) => {
                let expected = op.success_status.unwrap_or(200);
                if response.status.as_u16() != expected {
                    failures
                        .push(format!("{} {path}: {} != {expected}", op.method, response.status));
                }
                let category =
                    response.headers.get("x-ratelimit-category").and_then(|v| v.to_str().ok());
                let want = op.category.as_deref().unwrap_or(nango_zoom::catalog::DEFAULT_CATEGORY);
                if category != Some(want) {
                    failures.push(format!("{} {path}: category {category:?} != {want}", op.method));
                }
            }
            Err(e) => failures.push(format!("{} {path}: {e}", op.method)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        operations.len(),
        failures.join("\n")
    );

    let stats = control.stats();
    for op in &operations {
        let key = format!("{} {}", op.method, op.path);
        assert!(
            stats.requests_by_operation.get(&key).copied().unwrap_or(0) >= 1,
            "{key} was not counted"
        );
    }
    assert!(operations.len() > 300, "the whole catalogue: {}", operations.len());
    assert_eq!(stats.rate_limited, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_to_server_tokens_are_shared_not_fetched_per_request() {
    let config = SandboxConfig { single_active_s2s_token: true, ..SandboxConfig::default() };
    let (sandbox, session) = s2s_session(config).await;
    let control = sandbox.control();
    let calls = (0..20).map(|_| session.request(Method::GET, "/users/me", None, HeaderMap::new()));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|r| r.is_err()));
    assert_eq!(control.stats().tokens_issued, 1, "one token for every request");
    control.advance_clock(Duration::from_secs(2 * 3600));
    session.request(Method::GET, "/users/me", None, HeaderMap::new()).await.expect("renewed");
    assert_eq!(control.stats().tokens_issued, 2, "a new token only after expiry");
}
