//! The authorization-code flow end to end over loopback: authorize, callback, exchange, store.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use nango_config::Integration;
use nango_config::blueprint::AuthMode;
use nango_http::{Clock, HttpClient, SystemClock};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::browser::{Browser, HttpBrowser, PrintBrowser};
use crate::error::Error;
use crate::store::{ConnectionStatus, MemoryStore, TokenStore};
use crate::test_support::{DirectTransport, integration, manual_http};
use crate::tests::lifecycle::{client, field};

const CODE: &str = "canary-code-0b7e";

/// What the fake authorize endpoint does with the request.
#[derive(Debug, Clone, Copy)]
enum Approve {
    Allow,
    WrongState,
    NoState,
    Deny,
}

#[derive(Debug)]
struct AuthorizeEndpoint {
    approve: Approve,
    seen: Arc<Mutex<Option<Url>>>,
}

impl Respond for AuthorizeEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        *self.seen.lock().unwrap() = Some(request.url.clone());
        let q = |name: &str| {
            request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
        };
        let mut back = Url::parse(&q("redirect_uri").unwrap()).unwrap();
        {
            let mut pairs = back.query_pairs_mut();
            match self.approve {
                Approve::Allow => {
                    pairs.append_pair("code", CODE).append_pair("state", &q("state").unwrap())
                }
                Approve::WrongState => {
                    pairs.append_pair("code", CODE).append_pair("state", "forged")
                }
                Approve::NoState => pairs.append_pair("code", CODE),
                Approve::Deny => pairs
                    .append_pair("error", "access_denied")
                    .append_pair("state", &q("state").unwrap()),
            };
        }
        ResponseTemplate::new(302).insert_header("location", back.as_str())
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Fixture {
    server: MockServer,
    seen: Arc<Mutex<Option<Url>>>,
    integration: Arc<Integration>,
}

async fn fixture(approve: Approve, token_answer: ResponseTemplate) -> Fixture {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(None));
    Mock::given(method("GET"))
        .and(path("/oauth/authorize"))
        .respond_with(AuthorizeEndpoint { approve, seen: seen.clone() })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_answer)
        .mount(&server)
        .await;
    let mut i =
        integration(AuthMode::Oauth2AuthorizationCode, &format!("{}/oauth/token", server.uri()));
    i.name = "zoom".into();
    i.blueprint.auth.authorization_url = Some(format!("{}/oauth/authorize", server.uri()));
    i.redirect_uri = Some(format!("http://127.0.0.1:{}/callback", free_port()));
    Fixture { server, seen, integration: Arc::new(i) }
}

fn real_http() -> HttpClient {
    let clock: Arc<dyn Clock> = SystemClock::shared();
    HttpClient::builder().clock(clock).build().unwrap()
}

fn zoom_tokens() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "access_token": "access-1", "token_type": "bearer", "refresh_token": "refresh-1",
        "expires_in": 3599, "scope": "user:read meeting:read", "api_url": "https://eu01api.zoom.us"
    }))
}

async fn token_requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .collect()
}

#[tokio::test]
async fn connect_with_pkce_stores_the_connection() {
    let f = fixture(Approve::Allow, zoom_tokens()).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let oauth = client(f.integration.clone(), real_http(), store.clone(), DirectTransport::new());

    let browser = HttpBrowser::new().unwrap();
    let connection = oauth.connect("me", &browser, Duration::from_secs(20)).await.unwrap();
    assert_eq!(connection.tokens.access_token.expose_secret(), "access-1");
    assert_eq!(connection.tokens.scopes, ["user:read", "meeting:read"]);
    assert_eq!(connection.tokens.extra_str("api_url"), Some("https://eu01api.zoom.us"));
    assert_eq!(connection.status, ConnectionStatus::Active);
    assert!(oauth.connection("me").await.is_ok());

    let authorize = f.seen.lock().unwrap().clone().unwrap();
    let q =
        |name: &str| authorize.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
    let exchanges = token_requests(&f.server).await;
    assert_eq!(exchanges.len(), 1);
    let exchange = &exchanges[0];
    assert_eq!(field(exchange, "grant_type").as_deref(), Some("authorization_code"));
    assert_eq!(field(exchange, "code").as_deref(), Some(CODE));
    assert_eq!(field(exchange, "redirect_uri"), f.integration.redirect_uri);
    let verifier = field(exchange, "code_verifier").unwrap();
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier));
    assert_eq!(q("code_challenge"), Some(challenge));
    assert_eq!(q("code_challenge_method").as_deref(), Some("S256"));
    assert!(exchange.headers.get("authorization").unwrap().to_str().unwrap().starts_with("Basic "));
}

#[tokio::test]
async fn a_wrong_or_missing_state_is_rejected_before_any_token_request() {
    for approve in [Approve::WrongState, Approve::NoState] {
        let f = fixture(approve, zoom_tokens()).await;
        let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
        let oauth =
            client(f.integration.clone(), real_http(), store.clone(), DirectTransport::new());
        let browser = HttpBrowser::new().unwrap();
        // The forged callback is refused (the browser sees 400) and never ends in a token
        // request; the flow fails or times out waiting for the real one.
        let e = oauth.connect("me", &browser, Duration::from_secs(2)).await.unwrap_err();
        assert!(!e.to_string().is_empty(), "{approve:?}");
        assert!(token_requests(&f.server).await.is_empty());
        assert!(store.list(None).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_denied_authorisation_is_reported() {
    let f = fixture(Approve::Deny, zoom_tokens()).await;
    let oauth = client(
        f.integration.clone(),
        real_http(),
        Arc::new(MemoryStore::new()),
        DirectTransport::new(),
    );
    let e = oauth
        .connect("me", &HttpBrowser::new().unwrap(), Duration::from_secs(20))
        .await
        .unwrap_err();
    assert_eq!(e.oauth_error(), Some("access_denied"));
    insta::assert_snapshot!(e.to_string());
    assert!(token_requests(&f.server).await.is_empty());
}

#[tokio::test]
async fn a_lost_exchange_answer_is_not_retried() {
    let f = fixture(Approve::Allow, zoom_tokens().set_delay(Duration::from_secs(5))).await;
    let transport = DirectTransport::with_timeout(Duration::from_millis(300));
    let oauth = client(f.integration.clone(), real_http(), Arc::new(MemoryStore::new()), transport);
    let e = oauth
        .connect("me", &HttpBrowser::new().unwrap(), Duration::from_secs(20))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::AuthorizationInterrupted { .. }), "{e}");
    assert!(e.to_string().starts_with("authorisation interrupted, connect again"), "{e}");
    assert_eq!(token_requests(&f.server).await.len(), 1);
}

#[tokio::test]
async fn an_exchange_refused_by_the_provider_is_typed() {
    let refused = ResponseTemplate::new(400).set_body_json(serde_json::json!({
        "reason": format!("Invalid authorization code {CODE}"), "error": "invalid_request"
    }));
    let f = fixture(Approve::Allow, refused).await;
    let oauth = client(
        f.integration.clone(),
        real_http(),
        Arc::new(MemoryStore::new()),
        DirectTransport::new(),
    );
    let e = oauth
        .connect("me", &HttpBrowser::new().unwrap(), Duration::from_secs(20))
        .await
        .unwrap_err();
    assert_eq!(e.oauth_error(), Some("invalid_request"));
    insta::assert_snapshot!(e.to_string());
}

#[tokio::test]
async fn no_callback_in_time_is_a_timeout() {
    let f = fixture(Approve::Allow, zoom_tokens()).await;
    let (http, clock) = manual_http();
    let oauth =
        client(f.integration.clone(), http, Arc::new(MemoryStore::new()), DirectTransport::new());
    let e = oauth.connect("me", &PrintBrowser, Duration::from_secs(300)).await.unwrap_err();
    assert!(matches!(e, Error::CallbackTimeout { .. }), "{e}");
    insta::assert_snapshot!(e.to_string());
    assert_eq!(clock.sleeps(), [Duration::from_secs(300)]);
}

#[tokio::test]
async fn a_redirect_uri_off_loopback_is_refused() {
    let f = fixture(Approve::Allow, zoom_tokens()).await;
    let mut i = (*f.integration).clone();
    i.redirect_uri = Some("https://app.example.com/oauth/callback".into());
    let oauth =
        client(Arc::new(i), real_http(), Arc::new(MemoryStore::new()), DirectTransport::new());
    let e = oauth.connect("me", &PrintBrowser, Duration::from_secs(1)).await.unwrap_err();
    insta::assert_snapshot!(e.to_string());
}

/// A browser that first sends a forged callback (wrong state) to the listener, then opens the
/// real authorize URL.
struct ForgingBrowser(HttpBrowser);

#[async_trait::async_trait]
impl Browser for ForgingBrowser {
    async fn open(&self, url: &url::Url) -> crate::Result<()> {
        let redirect = url
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| v.into_owned())
            .expect("the authorize URL names the redirect URI");
        let forged = format!("{redirect}?code=attacker&state=forged");
        let refused = reqwest::get(&forged).await.expect("the listener answers");
        assert_eq!(refused.status(), 400);
        self.0.open(url).await
    }
}

#[tokio::test]
async fn a_forged_callback_does_not_cancel_a_pending_connect() {
    let f = fixture(Approve::Allow, zoom_tokens()).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let oauth = client(f.integration.clone(), real_http(), store.clone(), DirectTransport::new());
    let browser = ForgingBrowser(HttpBrowser::new().unwrap());
    oauth.connect("me", &browser, Duration::from_secs(20)).await.expect("the real callback wins");
    assert_eq!(token_requests(&f.server).await.len(), 1, "only the real code was exchanged");
}
