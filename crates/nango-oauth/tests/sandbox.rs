//! Against the real zoom-sandbox over loopback: a refresh whose answer is dropped after the
//! sandbox rotated, and Server-to-Server tokens shared by two clients of one SQLite store.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use nango_config::{Config, Integration};
use nango_http::{Clock, ManualClock, SystemClock};
use nango_oauth::{
    ConnectionStatus, HttpBrowser, Keyring, OAuthClient, SqliteStore, TokenStore, clients,
};
use secrecy::ExposeSecret;
use zoom_sandbox::{ClientApp, Fault, FaultRule, RunningSandbox, Sandbox, SandboxConfig};

const KEY: [u8; 32] = [9; 32];

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn integration(blueprint: &str, sandbox: &RunningSandbox, extra: &str) -> Arc<Integration> {
    let base = sandbox.base_url();
    let app = ClientApp::demo();
    let yaml = format!(
        "integrations:
  zoom:
    extends_blueprint: {blueprint}
    oauth_client_id: {}
    oauth_client_secret: {}
{extra}    overrides:
      auth: {{ authorization_url: {base}/oauth/authorize, token_url: {base}/oauth/token }}
      api: {{ base_url: {base}/v2 }}
",
        app.client_id, app.client_secret
    );
    let config = Config::parse(&yaml, "sandbox.yaml", &|_| None).unwrap();
    Arc::new(config.integration("zoom").unwrap().clone())
}

/// A client on its own handle of the store at `db`, reading `clock` (as another process would).
fn client(integration: &Arc<Integration>, db: &Path, clock: Arc<dyn Clock>) -> OAuthClient {
    let store: Arc<dyn TokenStore> =
        Arc::new(SqliteStore::open(db, Keyring::new(KEY, None)).unwrap());
    let http = clients::token_client(integration, clock).unwrap();
    OAuthClient::new(integration.clone(), http, store)
}

/// A manual clock at the real time: the sandbox checks expiry on its own clock, and backoff
/// sleeps return at once.
fn manual_now() -> ManualClock {
    ManualClock::new(SystemClock.now_utc())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_answer_dropped_after_rotation_ends_in_reauth_never_a_silent_loss() {
    let redirect_uri = format!("http://127.0.0.1:{}/callback", free_port());
    let app = ClientApp { redirect_uris: vec![redirect_uri.clone()], ..ClientApp::demo() };
    let config = SandboxConfig { auto_approve: true, clients: vec![app], ..Default::default() };
    let sandbox = Sandbox::start(config).await.unwrap();
    let control = sandbox.control();
    let integration =
        integration("zoom:v0", &sandbox, &format!("    redirect_uri: {redirect_uri}\n"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("connections.db");
    client(&integration, &db, SystemClock::shared())
        .connect("me", &HttpBrowser::new().unwrap(), Duration::from_secs(20))
        .await
        .unwrap();

    control.inject_fault(FaultRule {
        method: Some("POST".into()),
        path_prefix: "/oauth/token".into(),
        fault: Fault::DropAfterProcessing,
        times: 1,
    });
    control.advance_clock(Duration::from_secs(2 * 3600));
    let clock = manual_now();
    clock.advance(Duration::from_secs(2 * 3600));
    let oauth = client(&integration, &db, Arc::new(clock));

    let e = oauth.access_token("me").await.unwrap_err();
    assert!(e.needs_reauth(), "{e}");
    assert!(e.to_string().ends_with("run `nango connect zoom --connection me`"), "{e}");
    assert_eq!(control.stats().refreshes, 1, "the sandbox rotated once, on the lost request");
    let kept = oauth.connection("me").await.unwrap();
    assert!(matches!(kept.status, ConnectionStatus::NeedsReauth { .. }), "{:?}", kept.status);

    let sent = control.stats().requests;
    assert!(oauth.access_token("me").await.unwrap_err().needs_reauth());
    assert_eq!(control.stats().requests, sent, "a dead grant is never sent again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_credentials_tokens_are_shared_through_the_store_until_near_expiry() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let control = sandbox.control();
    let account = format!("    account_id: {}\n", ClientApp::demo().account_id);
    let integration = integration("zoom-server-to-server:v0", &sandbox, &account);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("connections.db");
    let clock = manual_now();
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let (a, b) = (client(&integration, &db, shared.clone()), client(&integration, &db, shared));

    let calls = (0..40).map(|i| {
        let oauth = if i % 2 == 0 { a.clone() } else { b.clone() };
        tokio::spawn(async move { oauth.access_token("s2s").await.unwrap() })
    });
    let tokens: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|t| t.unwrap().secret().expose_secret().to_owned())
        .collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one token for every caller");
    assert_eq!(control.stats().tokens_issued, 1, "a new token per request is a bug");

    clock.advance(Duration::from_secs(3599 - 6 * 60));
    b.access_token("s2s").await.unwrap();
    assert_eq!(control.stats().tokens_issued, 1, "still outside the 5-minute margin");

    clock.advance(Duration::from_secs(2 * 60));
    let renewed = a.access_token("s2s").await.unwrap();
    let again = b.access_token("s2s").await.unwrap();
    assert_eq!(control.stats().tokens_issued, 2, "renewed once, within the margin");
    assert_ne!(renewed.secret().expose_secret(), tokens[0]);
    assert_eq!(renewed.secret().expose_secret(), again.secret().expose_secret());
}
