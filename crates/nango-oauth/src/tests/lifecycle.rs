//! Refresh: single flight, rotation, invalid_grant, transient failures, client credentials.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nango_config::Integration;
use nango_config::blueprint::AuthMode;
use nango_http::HttpClient;
use secrecy::{ExposeSecret, SecretString};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::client::OAuthClient;
use crate::flow::exchange::Transport;
use crate::store::{
    Connection, ConnectionRef, ConnectionStatus, MemoryStore, SqliteStore, TokenStore,
};
use crate::test_support::{DirectTransport, integration, manual_http, polling_http, t0};
use crate::token::TokenSet;

pub(crate) fn form(request: &Request) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(&request.body).unwrap()
}

pub(crate) fn field(request: &Request, name: &str) -> Option<String> {
    form(request).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// A token endpoint that rotates refresh tokens like Zoom: each refresh returns a new pair and
/// kills the old refresh token at once.
#[derive(Debug)]
pub(crate) struct RotatingServer {
    pub(crate) current: Mutex<String>,
    pub(crate) refreshes: AtomicUsize,
    pub(crate) delay_first: Option<Duration>,
    pub(crate) api_url: String,
}

impl RotatingServer {
    pub(crate) fn new(first_refresh_token: &str) -> Arc<Self> {
        Arc::new(Self {
            current: Mutex::new(first_refresh_token.into()),
            refreshes: AtomicUsize::new(0),
            delay_first: None,
            api_url: "https://api.zoom.us".into(),
        })
    }
}

impl Respond for RotatingServer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        assert_eq!(field(request, "grant_type").as_deref(), Some("refresh_token"));
        let sent = field(request, "refresh_token").unwrap();
        let mut current = self.current.lock().unwrap();
        if sent != *current {
            return ResponseTemplate::new(400).set_body_json(
                serde_json::json!({"reason": "Invalid Token!", "error": "invalid_grant"}),
            );
        }
        let n = self.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
        *current = format!("refresh-{n}");
        let body = serde_json::json!({
            "access_token": format!("access-{n}"),
            "token_type": "bearer",
            "refresh_token": *current,
            "expires_in": 3599,
            "scope": "user:read",
            "api_url": self.api_url,
        });
        let response = ResponseTemplate::new(200).set_body_json(body);
        match (n, self.delay_first) {
            (1, Some(delay)) => response.set_delay(delay),
            _ => response,
        }
    }
}

/// A shared [`RotatingServer`] as a wiremock responder.
#[derive(Debug)]
pub(crate) struct Shared(pub(crate) Arc<RotatingServer>);

impl Respond for Shared {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.respond(request)
    }
}

pub(crate) fn user_integration(server: &MockServer) -> Arc<Integration> {
    let mut i =
        integration(AuthMode::Oauth2AuthorizationCode, &format!("{}/oauth/token", server.uri()));
    i.name = "zoom".into();
    Arc::new(i)
}

pub(crate) fn stored(
    integration: &str,
    access: &str,
    refresh: Option<&str>,
    lifetime: u64,
    age: u64,
) -> Connection {
    let obtained_at = t0() - Duration::from_secs(age);
    Connection {
        integration: integration.into(),
        connection_id: "me".into(),
        tokens: TokenSet {
            access_token: SecretString::from(access),
            refresh_token: refresh.map(SecretString::from),
            token_type: "bearer".into(),
            expires_at: Some(obtained_at + Duration::from_secs(lifetime)),
            obtained_at,
            scopes: vec![],
            extra: Default::default(),
        },
        status: ConnectionStatus::Active,
        created_at: obtained_at,
        updated_at: obtained_at,
    }
}

fn me() -> ConnectionRef<'static> {
    ConnectionRef { integration: "zoom", connection_id: "me" }
}

pub(crate) fn client(
    integration: Arc<Integration>,
    http: HttpClient,
    store: Arc<dyn TokenStore>,
    transport: Arc<dyn Transport>,
) -> OAuthClient {
    OAuthClient::with_transport(integration, http, store, transport)
}

async fn mount(server: &MockServer, responder: impl Respond + 'static) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(responder)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_fresh_token_is_used_without_any_request() {
    let server = MockServer::start().await;
    let rotating = RotatingServer::new("refresh-0");
    mount(&server, Shared(rotating.clone())).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&stored("zoom", "access-0", Some("refresh-0"), 3599, 10)).await.unwrap();
    let (http, _clock) = manual_http();
    let oauth = client(user_integration(&server), http, store, DirectTransport::new());

    let token = oauth.access_token("me").await.unwrap();
    assert_eq!(token.secret().expose_secret(), "access-0");
    assert_eq!(rotating.refreshes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_thousand_concurrent_calls_on_an_expired_token_refresh_once() {
    let server = MockServer::start().await;
    let rotating = RotatingServer::new("refresh-0");
    mount(&server, Shared(rotating.clone())).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&stored("zoom", "access-0", Some("refresh-0"), 3599, 4000)).await.unwrap();
    let (http, _clock) = manual_http();
    let oauth = client(user_integration(&server), http, store.clone(), DirectTransport::new());

    let calls = (0..1000).map(|_| {
        let oauth = oauth.clone();
        tokio::spawn(async move { oauth.access_token("me").await })
    });
    let tokens = futures::future::join_all(calls).await;

    for token in tokens {
        assert_eq!(token.unwrap().unwrap().secret().expose_secret(), "access-1");
    }
    assert_eq!(rotating.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let saved = store.get(me()).await.unwrap().unwrap();
    assert_eq!(saved.tokens.refresh_token.unwrap().expose_secret(), "refresh-1");
    assert_eq!(saved.tokens.expires_at, Some(t0() + Duration::from_secs(3599)));
}

#[tokio::test]
async fn proactive_refresh_starts_at_the_margin_capped_by_half_the_lifetime() {
    let server = MockServer::start().await;
    let rotating = RotatingServer::new("refresh-0");
    mount(&server, Shared(rotating.clone())).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    // A 60 s token received now: the 5 min margin is capped at 30 s.
    store.put(&stored("zoom", "access-0", Some("refresh-0"), 60, 0)).await.unwrap();
    let (http, clock) = manual_http();
    let oauth = client(user_integration(&server), http, store, DirectTransport::new());

    clock.advance(Duration::from_secs(29));
    assert_eq!(oauth.access_token("me").await.unwrap().secret().expose_secret(), "access-0");
    clock.advance(Duration::from_secs(1));
    assert_eq!(oauth.access_token("me").await.unwrap().secret().expose_secret(), "access-1");
    assert_eq!(rotating.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_refresh_answer_without_refresh_token_keeps_the_old_one() {
    let server = MockServer::start().await;
    mount(
        &server,
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "access-1", "expires_in": "3600"
        })),
    )
    .await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&stored("zoom", "access-0", Some("refresh-0"), 3599, 4000)).await.unwrap();
    let (http, _clock) = manual_http();
    let oauth = client(user_integration(&server), http, store.clone(), DirectTransport::new());

    assert_eq!(oauth.access_token("me").await.unwrap().secret().expose_secret(), "access-1");
    let saved = store.get(me()).await.unwrap().unwrap();
    assert_eq!(saved.tokens.refresh_token.unwrap().expose_secret(), "refresh-0");
}

#[tokio::test]
async fn invalid_grant_marks_the_connection_keeps_it_and_is_never_retried() {
    let server = MockServer::start().await;
    let rotating = RotatingServer::new("refresh-elsewhere");
    mount(&server, Shared(rotating.clone())).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&stored("zoom", "access-0", Some("refresh-0"), 3599, 4000)).await.unwrap();
    let (http, clock) = manual_http();
    let oauth = client(user_integration(&server), http, store.clone(), DirectTransport::new());

    let e = oauth.access_token("me").await.unwrap_err();
    assert!(e.needs_reauth());
    insta::assert_snapshot!(e.to_string());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(clock.sleeps().is_empty(), "no backoff, no retry");

    let kept = store.get(me()).await.unwrap().unwrap();
    assert_eq!(
        kept.status,
        ConnectionStatus::NeedsReauth { reason: "invalid_grant: Invalid Token!".into() }
    );
    assert_eq!(kept.tokens.refresh_token.unwrap().expose_secret(), "refresh-0");

    // Later calls fail at once without asking the provider again.
    assert!(oauth.access_token("me").await.unwrap_err().needs_reauth());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// Another process wins the refresh while ours is in flight: the server rotates and stores the
/// new pair, so ours gets `invalid_grant`, re-reads the store and uses the winner's token.
#[derive(Debug)]
struct RaceLost {
    store: Arc<dyn TokenStore>,
}

impl Respond for RaceLost {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let winner = stored("zoom", "access-winner", Some("refresh-winner"), 3599, 0);
        futures::executor::block_on(self.store.put(&winner)).unwrap();
        ResponseTemplate::new(400).set_body_json(serde_json::json!({"error": "invalid_grant"}))
    }
}

#[tokio::test]
async fn invalid_grant_after_another_process_won_uses_the_stored_token() {
    let server = MockServer::start().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    mount(&server, RaceLost { store: store.clone() }).await;
    store.put(&stored("zoom", "access-0", Some("refresh-0"), 3599, 4000)).await.unwrap();
    let (http, _clock) = manual_http();
    let oauth = client(user_integration(&server), http, store.clone(), DirectTransport::new());

    let token = oauth.access_token("me").await.unwrap();
    assert_eq!(token.secret().expose_secret(), "access-winner");
    assert_eq!(store.get(me()).await.unwrap().unwrap().status, ConnectionStatus::Active);
}

#[tokio::test]
async fn transient_token_endpoint_failures_are_retried_with_backoff() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    let rotating = RotatingServer::new("refresh-0");
    mount(&server, Shared(rotating.clone())).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&stored("zoom", "access-0", Some("refresh-0"), 3599, 4000)).await.unwrap();
    let (http, clock) = manual_http();
    let oauth = client(user_integration(&server), http, store, DirectTransport::new());

    assert_eq!(oauth.access_token("me").await.unwrap().secret().expose_secret(), "access-1");
    assert_eq!(clock.sleeps(), [Duration::from_millis(500), Duration::from_secs(1)]);
}

#[tokio::test]
async fn a_lost_refresh_answer_after_rotation_ends_in_a_clear_reauth_error() {
    let server = MockServer::start().await;
    let rotating = Arc::new(RotatingServer {
        current: Mutex::new("refresh-0".into()),
        refreshes: AtomicUsize::new(0),
        delay_first: Some(Duration::from_secs(5)),
        api_url: "https://api.zoom.us".into(),
    });
    mount(&server, Shared(rotating.clone())).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&stored("zoom", "access-0", Some("refresh-0"), 3599, 4000)).await.unwrap();
    let (http, _clock) = manual_http();
    let transport = DirectTransport::with_timeout(Duration::from_millis(300));
    let oauth = client(user_integration(&server), http, store.clone(), transport);

    let e = oauth.access_token("me").await.unwrap_err();
    assert!(e.needs_reauth(), "{e}");
    assert_eq!(rotating.refreshes.load(Ordering::SeqCst), 1, "the server rotated once");
    let kept = store.get(me()).await.unwrap().unwrap();
    assert!(matches!(kept.status, ConnectionStatus::NeedsReauth { .. }));
}

#[tokio::test]
async fn an_expired_token_without_refresh_token_needs_reauth() {
    let server = MockServer::start().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&stored("zoom", "access-0", None, 3599, 4000)).await.unwrap();
    let (http, _clock) = manual_http();
    let oauth = client(user_integration(&server), http, store, DirectTransport::new());

    let e = oauth.access_token("me").await.unwrap_err();
    assert!(e.needs_reauth());
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn refresh_after_rejection_refreshes_only_the_rejected_token() {
    let server = MockServer::start().await;
    let rotating = RotatingServer::new("refresh-0");
    mount(&server, Shared(rotating.clone())).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&stored("zoom", "access-0", Some("refresh-0"), 3599, 10)).await.unwrap();
    let (http, _clock) = manual_http();
    let oauth = client(user_integration(&server), http, store, DirectTransport::new());

    let rejected = oauth.access_token("me").await.unwrap();
    let (a, b) = tokio::join!(
        oauth.refresh_after_rejection("me", &rejected),
        oauth.refresh_after_rejection("me", &rejected)
    );
    assert_eq!(a.unwrap().secret().expose_secret(), "access-1");
    assert_eq!(b.unwrap().secret().expose_secret(), "access-1");
    assert_eq!(rotating.refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn unknown_connections_say_how_to_connect() {
    let server = MockServer::start().await;
    let (http, _clock) = manual_http();
    let oauth = client(
        user_integration(&server),
        http,
        Arc::new(MemoryStore::new()),
        DirectTransport::new(),
    );
    let e = oauth.access_token("nobody").await.unwrap_err();
    assert!(e.is_not_found());
    insta::assert_snapshot!(e.to_string());
}

fn s2s_integration(server: &MockServer) -> Arc<Integration> {
    let mut i =
        integration(AuthMode::Oauth2ClientCredentials, &format!("{}/oauth/token", server.uri()));
    i.name = "zoom".into();
    i.blueprint.auth.grant_type = Some("account_credentials".into());
    i.blueprint.auth.requires_account_id = true;
    i.account_id = Some("acct-42".into());
    Arc::new(i)
}

#[tokio::test]
async fn client_credentials_tokens_are_cached_until_near_expiry() {
    let server = MockServer::start().await;
    let issued = Arc::new(AtomicUsize::new(0));
    let counter = issued.clone();
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(move |request: &Request| {
            assert_eq!(field(request, "grant_type").as_deref(), Some("account_credentials"));
            assert_eq!(field(request, "account_id").as_deref(), Some("acct-42"));
            assert!(field(request, "client_secret").is_none());
            let auth = request.headers.get("authorization").unwrap().to_str().unwrap();
            assert!(auth.starts_with("Basic "));
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": format!("s2s-{n}"), "token_type": "bearer",
                "expires_in": 3600, "scope": "user:read:admin"
            }))
        })
        .mount(&server)
        .await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let (http, clock) = manual_http();
    let oauth = client(s2s_integration(&server), http, store, DirectTransport::new());

    let connection = oauth.connect_client_credentials("me").await.unwrap();
    assert!(connection.tokens.refresh_token.is_none());
    for _ in 0..50 {
        assert_eq!(oauth.access_token("me").await.unwrap().secret().expose_secret(), "s2s-1");
    }
    assert_eq!(issued.load(Ordering::SeqCst), 1);

    clock.advance(Duration::from_secs(3300));
    let calls = (0..100).map(|_| {
        let oauth = oauth.clone();
        tokio::spawn(async move { oauth.access_token("me").await.unwrap() })
    });
    for token in futures::future::join_all(calls).await {
        assert_eq!(token.unwrap().secret().expose_secret(), "s2s-2");
    }
    assert_eq!(issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_client_credentials_connection_is_created_once_on_first_use() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "s2s-1", "token_type": "bearer", "expires_in": 3600
        })))
        .mount(&server)
        .await;
    let (http, _clock) = manual_http();
    let oauth = client(
        s2s_integration(&server),
        http,
        Arc::new(MemoryStore::new()),
        DirectTransport::new(),
    );

    let calls = (0..100).map(|_| {
        let oauth = oauth.clone();
        tokio::spawn(async move { oauth.access_token("fresh").await.unwrap() })
    });
    for token in futures::future::join_all(calls).await {
        assert_eq!(token.unwrap().secret().expose_secret(), "s2s-1");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(oauth.list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn account_credentials_without_account_id_is_a_config_error() {
    let server = MockServer::start().await;
    let mut i = (*s2s_integration(&server)).clone();
    i.account_id = None;
    let (http, _clock) = manual_http();
    let oauth = client(Arc::new(i), http, Arc::new(MemoryStore::new()), DirectTransport::new());
    let e = oauth.connect_client_credentials("me").await.unwrap_err();
    insta::assert_snapshot!(e.to_string());
}

/// Four clients, each with its own in-process locks and its own SQLite handle on one file (as
/// processes would have), call at once on an expired token: exactly one refresh. The real
/// multi-process case is `tests/processes.rs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_clients_with_their_own_sqlite_handles_refresh_once() {
    let server = MockServer::start().await;
    let rotating = Arc::new(RotatingServer {
        current: Mutex::new("refresh-0".into()),
        refreshes: AtomicUsize::new(0),
        delay_first: Some(Duration::from_millis(300)),
        api_url: "https://api.zoom.us".into(),
    });
    mount(&server, Shared(rotating.clone())).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let key = [9u8; 32];
    let first = SqliteStore::open(&path, crate::store::Keyring::new(key, None)).unwrap();
    first.put(&stored("zoom", "access-0", Some("refresh-0"), 3599, 4000)).await.unwrap();

    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store: Arc<dyn TokenStore> =
            Arc::new(SqliteStore::open(&path, crate::store::Keyring::new(key, None)).unwrap());
        let http = polling_http();
        let oauth = client(user_integration(&server), http, store, DirectTransport::new());
        for _ in 0..25 {
            let oauth = oauth.clone();
            tasks.push(tokio::spawn(async move { oauth.access_token("me").await }));
        }
    }
    for token in futures::future::join_all(tasks).await {
        assert_eq!(token.unwrap().unwrap().secret().expose_secret(), "access-1");
    }
    assert_eq!(rotating.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
