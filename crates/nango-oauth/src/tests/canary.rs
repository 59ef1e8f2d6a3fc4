//! A canary secret never appears in Debug, Display or logs, whatever happens.

use std::io::Write;
use std::sync::{Arc, Mutex};

use http::HeaderMap;
use secrecy::SecretString;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::flow::authorize::authorization_request;
use crate::session::Session;
use crate::store::{Keyring, MemoryStore, SqliteStore, TokenStore};
use crate::test_support::{CANARY_SECRET, DirectTransport, manual_http};
use crate::tests::lifecycle::{client, stored, user_integration};

const CANARIES: &[&str] = &[CANARY_SECRET, "canary-access", "canary-refresh", "canary-new"];

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_clean(text: &str) {
    for canary in CANARIES {
        assert!(!text.contains(canary), "`{canary}` leaked in:\n{text}");
    }
}

#[tokio::test]
async fn the_canary_never_appears_in_debug_display_or_logs() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut shown = String::new();

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "canary-new-access", "refresh_token": "canary-new-refresh",
            "expires_in": 3600, "token_type": "bearer"
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": "invalid_grant", "reason": "Invalid Token! canary-new-refresh"
        })))
        .mount(&server)
        .await;
    Mock::given(path("/v1/users/me"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({"code": 124})))
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("c.db"), Keyring::random()).unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(sqlite.clone());
    store.put(&stored("zoom", "canary-access", Some("canary-refresh"), 3600, 4000)).await.unwrap();
    let mut integration = (*user_integration(&server)).clone();
    integration.blueprint.api.base_url = format!("{}/v1", server.uri());
    integration.blueprint.auth.authorization_url = Some("https://idp.test/authorize".into());
    let integration = Arc::new(integration);
    let (http, _clock) = manual_http();
    let oauth = client(integration.clone(), http.clone(), store.clone(), DirectTransport::new());

    // Refresh (succeeds), then a rejection refreshes again and meets invalid_grant.
    let token = oauth.access_token("me").await.unwrap();
    let session = Session::with_transport(oauth.clone(), http, DirectTransport::new(), "me");
    let e =
        session.request(http::Method::GET, "/users/me", None, HeaderMap::new()).await.unwrap_err();
    assert!(e.needs_reauth());

    let connection = oauth.connection("me").await.unwrap();
    let pending = authorization_request(&integration, "http://127.0.0.1:1/cb").unwrap();
    let memory = MemoryStore::new();
    memory.put(&connection).await.unwrap();
    shown.push_str(&format!(
        "{e}\n{e:?}\n{token:?}\n{connection:?}\n{pending:?}\n{oauth:?}\n{session:?}\n{integration:?}\n{sqlite:?}\n{memory:?}\n{:?}",
        SecretString::from("canary-new-x")
    ));

    assert_clean(&shown);
    let verifier = pending.secrets.verifier().expect("a PKCE verifier");
    assert!(!shown.contains(verifier), "the PKCE verifier leaked in:\n{shown}");
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("needs re-authorisation"), "the run was logged:\n{logs}");
    assert_clean(&logs);
}
