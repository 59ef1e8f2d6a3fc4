//! The session: signing, regional base URL, refresh once and replay once on rejection.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use http::{HeaderMap, Method};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::session::Session;
use crate::store::{MemoryStore, TokenStore};
use crate::test_support::{DirectTransport, manual_http};
use crate::tests::lifecycle::{RotatingServer, Shared, client, stored, user_integration};
use crate::token::AccessToken;

async fn session(server: &MockServer, access: &str) -> (Session, Arc<RotatingServer>) {
    let rotating = Arc::new(RotatingServer {
        api_url: server.uri(),
        ..Arc::into_inner(RotatingServer::new("refresh-0")).unwrap()
    });
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(Shared(rotating.clone()))
        .mount(server)
        .await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let mut connection = stored("zoom", access, Some("refresh-0"), 3599, 10);
    connection.tokens.extra.insert("api_url".into(), server.uri().into());
    store.put(&connection).await.unwrap();

    let mut integration = (*user_integration(server)).clone();
    integration.blueprint.api.base_url = "https://api.zoom.us/v2".into();
    integration.blueprint.api.base_url_from_token_field = Some("api_url".into());
    integration.blueprint.api.default_headers.insert("x-client".into(), "nango".into());
    let (http, _clock) = manual_http();
    let oauth = client(Arc::new(integration), http.clone(), store, DirectTransport::new());
    (Session::with_transport(oauth, http, DirectTransport::new(), "me"), rotating)
}

#[tokio::test]
async fn requests_are_signed_and_sent_to_the_regional_host() {
    let server = MockServer::start().await;
    let (session, rotating) = session(&server, "access-0").await;
    Mock::given(method("POST"))
        .and(path("/v2/users/me/meetings"))
        .and(header("authorization", "Bearer access-0"))
        .and(header("x-client", "nango"))
        .and(body_json(serde_json::json!({"topic": "t"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": 7})))
        .mount(&server)
        .await;

    let body = Some(serde_json::json!({"topic": "t"}));
    let created: serde_json::Value =
        session.request_json(Method::POST, "/users/me/meetings?x=1", body).await.unwrap();
    assert_eq!(created["id"], 7);
    assert_eq!(rotating.refreshes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_once_and_the_request_replayed_once() {
    let server = MockServer::start().await;
    let (session, rotating) = session(&server, "access-0").await;
    let expired = serde_json::json!({"code": 124, "message": "Access token is expired."});
    Mock::given(path("/v2/users/me"))
        .and(header("authorization", "Bearer access-0"))
        .respond_with(ResponseTemplate::new(401).set_body_json(expired))
        .mount(&server)
        .await;
    Mock::given(path("/v2/users/me"))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "u1"})))
        .mount(&server)
        .await;

    let response = session.request(Method::GET, "users/me", None, HeaderMap::new()).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(rotating.refreshes.load(Ordering::SeqCst), 1);
    let api_calls = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v2/users/me")
        .count();
    assert_eq!(api_calls, 2);
}

#[tokio::test]
async fn a_token_rejected_again_after_refresh_is_not_retried_in_a_loop() {
    let server = MockServer::start().await;
    let (session, rotating) = session(&server, "access-0").await;
    Mock::given(path("/v2/users/me"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({"code": 124})))
        .mount(&server)
        .await;

    let e = session.request(Method::GET, "/users/me", None, HeaderMap::new()).await.unwrap_err();
    assert!(e.http().is_some_and(|h| h.is_auth_rejected()), "{e}");
    assert_eq!(rotating.refreshes.load(Ordering::SeqCst), 1);
    let api_calls = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v2/users/me")
        .count();
    assert_eq!(api_calls, 2);
}

#[tokio::test]
async fn the_base_url_is_kept_without_a_usable_regional_field() {
    let server = MockServer::start().await;
    let (session, _) = session(&server, "access-0").await;
    let regional = session.oauth().access_token("me").await.unwrap();
    let url = session.url_for("/users/me?a=b", &regional).unwrap();
    assert_eq!(url.as_str(), format!("{}/v2/users/me?a=b", server.uri()));

    for api_url in [None, Some("not a url"), Some("ftp://files.example")] {
        let mut tokens = stored("zoom", "x", None, 10, 0).tokens;
        if let Some(api_url) = api_url {
            tokens.extra.insert("api_url".into(), api_url.into());
        }
        let token = AccessToken::from_tokens(&tokens);
        let url = session.url_for("users", &token).unwrap();
        assert_eq!(url.as_str(), "https://api.zoom.us/v2/users", "{api_url:?}");
    }
}
