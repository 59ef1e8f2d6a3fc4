//! End to end through the real `nango_http::HttpClient`, against wiremock token and API
//! endpoints on 127.0.0.1, with the injected manual clock.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::{HeaderMap, Method};
use nango_http::HttpClient;
use nango_oauth::{
    ConnectionRef, ConnectionStatus, HttpBrowser, Keyring, MemoryStore, OAuthClient, Session,
    SqliteStore, TokenStore,
};
use secrecy::{ExposeSecret, SecretString};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use common::{expired_connection, fixture, form_field, manual_http, mount_refresh, t0, zoom};

#[tokio::test]
async fn concurrent_calls_on_an_expired_token_refresh_once_through_nango_http() {
    let server = MockServer::start().await;
    let refreshes = mount_refresh(&server, server.uri()).await;
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn TokenStore> =
        Arc::new(SqliteStore::open(&dir.path().join("c.db"), Keyring::random()).unwrap());
    store.put(&expired_connection(&server.uri())).await.unwrap();
    let (http, _clock) = manual_http();
    let oauth = OAuthClient::new(zoom(&server, "oauth2_authorization_code"), http, store.clone());

    let calls = (0..150).map(|_| {
        let oauth = oauth.clone();
        tokio::spawn(async move { oauth.access_token("me").await })
    });
    for token in futures::future::join_all(calls).await {
        let token = token.unwrap().unwrap();
        assert_eq!(token.secret().expose_secret(), "eyJzb29tLWFjY2Vzcy0x");
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);

    let key = ConnectionRef { integration: "zoom", connection_id: "me" };
    let saved = store.get(key).await.unwrap().unwrap();
    assert_eq!(saved.tokens.refresh_token.unwrap().expose_secret(), "eyJzb29tLXJlZnJlc2gtMQ");
    assert_eq!(saved.tokens.scopes, ["user:read:user", "meeting:read:list_meetings"]);
    assert_eq!(saved.tokens.expires_at, Some(t0() + Duration::from_secs(3599)));
}

#[tokio::test]
async fn invalid_grant_through_nango_http_needs_reauth_and_is_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(fixture("zoom_invalid_grant.json")))
        .mount(&server)
        .await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&expired_connection(&server.uri())).await.unwrap();
    let (http, _clock) = manual_http();
    let oauth = OAuthClient::new(zoom(&server, "oauth2_authorization_code"), http, store.clone());

    let e = oauth.access_token("me").await.unwrap_err();
    assert!(e.needs_reauth(), "{e}");
    assert_eq!(
        e.to_string(),
        "connection `me` of integration `zoom` needs re-authorisation (invalid_grant: Invalid \
         Token!); run `nango connect zoom --connection me`"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    let kept = oauth.connection("me").await.unwrap();
    assert!(matches!(kept.status, ConnectionStatus::NeedsReauth { .. }));
    assert_eq!(oauth.list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn session_refreshes_once_after_code_124_and_replays_on_the_regional_host() {
    let server = MockServer::start().await;
    let refreshes = mount_refresh(&server, server.uri()).await;
    Mock::given(method("GET"))
        .and(path("/v2/users/me"))
        .and(header("authorization", "Bearer access-fresh"))
        .respond_with(ResponseTemplate::new(401).set_body_json(fixture("zoom_token_expired.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/users/me"))
        .and(header("authorization", "Bearer eyJzb29tLWFjY2Vzcy0x"))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "u1"})))
        .mount(&server)
        .await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let mut connection = expired_connection(&server.uri());
    connection.tokens.access_token = SecretString::from("access-fresh");
    connection.tokens.expires_at = Some(t0() + Duration::from_secs(3000));
    store.put(&connection).await.unwrap();
    let (http, _clock) = manual_http();
    let oauth = OAuthClient::new(zoom(&server, "oauth2_authorization_code"), http.clone(), store);
    let session = Session::new(oauth, http, "me");

    let me: serde_json::Value = session.request_json(Method::GET, "/users/me", None).await.unwrap();
    assert_eq!(me["id"], "u1");
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);

    let again = session.request(Method::GET, "/users/me", None, HeaderMap::new()).await.unwrap();
    assert_eq!(again.status, 200);
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn account_credentials_tokens_are_shared_until_near_expiry() {
    let server = MockServer::start().await;
    let issued = Arc::new(AtomicUsize::new(0));
    let counter = issued.clone();
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(move |request: &Request| {
            assert_eq!(form_field(request, "grant_type").as_deref(), Some("account_credentials"));
            assert_eq!(form_field(request, "account_id").as_deref(), Some("acct-1"));
            counter.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(fixture("zoom_s2s_token.json"))
        })
        .mount(&server)
        .await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let (http, clock) = manual_http();
    let integration = zoom(&server, "oauth2_client_credentials");
    let first = OAuthClient::new(integration.clone(), http.clone(), store.clone());
    let second = OAuthClient::new(integration, http, store);

    first.connect_client_credentials("s2s").await.unwrap();
    for _ in 0..20 {
        second.access_token("s2s").await.unwrap();
        first.access_token("s2s").await.unwrap();
    }
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(3400));
    second.access_token("s2s").await.unwrap();
    first.access_token("s2s").await.unwrap();
    assert_eq!(issued.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn connect_over_loopback_with_the_http_browser() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/oauth/authorize"))
        .respond_with(|request: &Request| {
            let q = |name: &str| {
                request.url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
            };
            let mut back = url::Url::parse(&q("redirect_uri").unwrap()).unwrap();
            back.query_pairs_mut()
                .append_pair("code", "the-code")
                .append_pair("state", &q("state").unwrap());
            ResponseTemplate::new(302).insert_header("location", back.as_str())
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(|request: &Request| {
            assert_eq!(form_field(request, "code").as_deref(), Some("the-code"));
            assert!(form_field(request, "code_verifier").is_some());
            ResponseTemplate::new(200).set_body_json(fixture("zoom_user_token.json"))
        })
        .mount(&server)
        .await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut integration = (*zoom(&server, "oauth2_authorization_code")).clone();
    integration.redirect_uri = Some(format!("http://localhost:{port}/oauth/callback"));
    let http = HttpClient::builder().build().unwrap();
    let oauth = OAuthClient::new(Arc::new(integration), http, Arc::new(MemoryStore::new()));

    let browser = HttpBrowser::new().unwrap();
    let connection = oauth.connect("me", &browser, Duration::from_secs(30)).await.unwrap();
    assert_eq!(connection.tokens.extra_str("api_url"), Some("https://api.zoom.us"));
    assert_eq!(oauth.list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn revoke_tells_the_provider_and_deletes_the_connection() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/revoke"))
        .respond_with(|request: &Request| {
            assert_eq!(form_field(request, "token").as_deref(), Some("access-0"));
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"status": "success"}))
        })
        .expect(1)
        .mount(&server)
        .await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&expired_connection(&server.uri())).await.unwrap();
    let (http, _clock) = manual_http();
    let oauth = OAuthClient::new(zoom(&server, "oauth2_authorization_code"), http, store);

    oauth.revoke("me").await.unwrap();
    assert!(oauth.connection("me").await.unwrap_err().is_not_found());
    assert!(!oauth.delete("me").await.unwrap());
}
