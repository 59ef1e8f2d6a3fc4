//! Shared helpers of the integration tests.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use nango_config::Integration;
use nango_config::blueprint::Blueprint;
use nango_http::{Clock, HttpClient, ManualClock};
use nango_oauth::{Connection, ConnectionStatus, TokenSet};
use secrecy::SecretString;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

pub fn manual_http() -> (HttpClient, ManualClock) {
    let clock = ManualClock::new(t0());
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    (HttpClient::builder().clock(shared).build().unwrap(), clock)
}

pub fn zoom(server: &MockServer, mode: &str) -> Arc<Integration> {
    zoom_for_uri(&server.uri(), mode)
}

/// The Zoom blueprint with every endpoint on `uri`.
pub fn zoom_for_uri(uri: &str, mode: &str) -> Arc<Integration> {
    let mut auth = serde_json::json!({
        "mode": mode,
        "authorization_url": format!("{uri}/oauth/authorize"),
        "token_url": format!("{uri}/oauth/token"),
        "revoke_url": format!("{uri}/oauth/revoke"),
        "scopes_on_authorize": false,
    });
    if mode == "oauth2_client_credentials" {
        auth["grant_type"] = "account_credentials".into();
        auth["requires_account_id"] = true.into();
        auth["pkce"] = "none".into();
    }
    let blueprint: Blueprint = serde_json::from_value(serde_json::json!({
        "name": "zoom", "version": "v0", "display_name": "Zoom",
        "auth": auth,
        "api": {
            "base_url": "https://api.zoom.us/v2",
            "base_url_from_token_field": "api_url",
            "default_headers": { "Accept": "application/json" },
        },
    }))
    .unwrap();
    Arc::new(Integration {
        name: "zoom".into(),
        blueprint_ref: "zoom:v0".into(),
        blueprint,
        oauth_client_id: "client-id".into(),
        oauth_client_secret: Some(SecretString::from("client-secret")),
        oauth_scopes: vec![],
        redirect_uri: None,
        account_id: Some("acct-1".into()),
        rate_limit_plan: None,
    })
}

pub fn expired_connection(api_url: &str) -> Connection {
    let obtained_at = t0() - Duration::from_secs(4000);
    let mut tokens = TokenSet {
        access_token: SecretString::from("access-0"),
        refresh_token: Some(SecretString::from("refresh-0")),
        token_type: "bearer".into(),
        expires_at: Some(obtained_at + Duration::from_secs(3599)),
        obtained_at,
        scopes: vec![],
        extra: Default::default(),
    };
    tokens.extra.insert("api_url".into(), api_url.into());
    Connection {
        integration: "zoom".into(),
        connection_id: "me".into(),
        tokens,
        status: ConnectionStatus::Active,
        created_at: obtained_at,
        updated_at: obtained_at,
    }
}

pub fn form_field(request: &Request, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&request.body).unwrap();
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Answers refreshes of `refresh-0` with the fixture's tokens, counting them.
pub async fn mount_refresh(server: &MockServer, api_url: String) -> Arc<AtomicUsize> {
    mount_slow_refresh(server, api_url, Duration::from_millis(50)).await
}

/// [`mount_refresh`] answering after `delay`.
pub async fn mount_slow_refresh(
    server: &MockServer,
    api_url: String,
    delay: Duration,
) -> Arc<AtomicUsize> {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(move |request: &Request| {
            assert_eq!(form_field(request, "grant_type").as_deref(), Some("refresh_token"));
            if form_field(request, "refresh_token").as_deref() != Some("refresh-0") {
                return ResponseTemplate::new(400)
                    .set_body_json(fixture("zoom_invalid_grant.json"));
            }
            counter.fetch_add(1, Ordering::SeqCst);
            let mut body = fixture("zoom_user_token.json");
            body["api_url"] = api_url.clone().into();
            ResponseTemplate::new(200).set_body_json(body).set_delay(delay)
        })
        .mount(server)
        .await;
    count
}
