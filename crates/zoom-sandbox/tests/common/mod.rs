//! Helpers shared by the integration tests: start a sandbox, walk the OAuth flows over real
//! HTTP on loopback.
#![allow(dead_code, unreachable_pub)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zoom_sandbox::{ClientApp, RunningSandbox, Sandbox, SandboxConfig};

pub const REDIRECT: &str = "http://127.0.0.1:53682/callback";
pub const ID: &str = "nango-demo-client";
pub const SECRET: &str = "nango-demo-secret";

/// A client that does not follow redirects (the tests read the `Location`).
pub fn http() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

pub async fn start(cfg: SandboxConfig) -> RunningSandbox {
    Sandbox::start(cfg).await.unwrap()
}

pub async fn start_auto() -> RunningSandbox {
    start(SandboxConfig { auto_approve: true, ..Default::default() }).await
}

/// The query pairs of a redirect's `Location`.
pub fn location_params(response: &Response) -> Vec<(String, String)> {
    let location = response.headers()["location"].to_str().unwrap();
    url::Url::parse(location).unwrap().query_pairs().into_owned().collect()
}

pub fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Runs `/oauth/authorize` with auto-approve on and returns the code.
pub async fn code(sandbox: &RunningSandbox, extra: &[(&str, &str)]) -> String {
    let mut query = vec![("response_type", "code"), ("client_id", ID), ("redirect_uri", REDIRECT)];
    query.extend_from_slice(extra);
    let response = http()
        .get(format!("{}/oauth/authorize", sandbox.base_url()))
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    param(&location_params(&response), "code").unwrap()
}

/// POSTs a form to `/oauth/token` with the demo app's Basic auth.
pub async fn token_request(sandbox: &RunningSandbox, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = http()
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .basic_auth(ID, Some(SECRET))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// A user-level token body (authorization code without PKCE).
pub async fn user_tokens(sandbox: &RunningSandbox) -> Value {
    let code = code(sandbox, &[]).await;
    let form = [("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT)];
    let (status, body) = token_request(sandbox, &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// A Server-to-Server access token.
pub async fn s2s_token(sandbox: &RunningSandbox) -> String {
    let form = [("grant_type", "account_credentials"), ("account_id", "demo-account")];
    let (status, body) = token_request(sandbox, &form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// GETs an API path with a bearer token.
pub async fn api_get(sandbox: &RunningSandbox, token: &str, path: &str) -> Response {
    http().get(format!("{}/v2{path}", sandbox.base_url())).bearer_auth(token).send().await.unwrap()
}

/// Replaces the values of the named fields, so random values can be snapshotted.
pub fn redact(mut value: Value, fields: &[&str]) -> Value {
    if let Some(object) = value.as_object_mut() {
        for field in fields {
            if object.contains_key(*field) {
                object.insert((*field).to_owned(), Value::String(format!("[{field}]")));
            }
        }
    }
    value
}

pub fn other_app() -> ClientApp {
    ClientApp {
        client_id: "other-client".into(),
        client_secret: "other-secret".into(),
        redirect_uris: vec!["http://127.0.0.1:9999/cb".into()],
        account_id: "other-account".into(),
        scopes: vec!["user:read".into()],
    }
}
