//! The parameters and client authentication of `/oauth/token` and `/oauth/revoke`.

use std::collections::HashMap;

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::config::ClientApp;
use crate::state::Shared;

/// Zoom's OAuth error body, fields in Zoom's order.
#[derive(serde::Serialize)]
struct OAuthError<'a> {
    reason: &'a str,
    error: &'a str,
}

/// Zoom's OAuth error: HTTP 400 `{"reason": "...", "error": "..."}`.
pub(super) fn oauth_error(reason: &str, error: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(OAuthError { reason, error })).into_response()
}

/// `{"reason":"Unsupported grant type","error":"unsupported_grant_type"}`.
pub(super) fn unsupported_grant() -> Response {
    oauth_error("Unsupported grant type", "unsupported_grant_type")
}

/// The parameters of the query string and of a form body (the body wins).
///
/// A JSON body is refused as Zoom refuses it: 400 unsupported grant type.
pub(super) fn read(
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> Result<HashMap<String, String>, Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.contains("json") {
        return Err(unsupported_grant());
    }

    let mut params: HashMap<String, String> =
        serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    if !body.is_empty() {
        let form: HashMap<String, String> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        params.extend(form);
    }
    Ok(params)
}

/// The parameters of a token or revoke request and the app that authenticated it.
pub(super) fn authenticated(
    shared: &Shared,
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> Result<(HashMap<String, String>, ClientApp), Response> {
    let params = read(headers, query, body)?;
    let app = client(shared, headers, &params)?;
    Ok((params, app))
}

/// The app authenticated by HTTP Basic, or by `client_id` + `client_secret` parameters.
pub(super) fn client(
    shared: &Shared,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<ClientApp, Response> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
        .and_then(|b64| STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| pair.split_once(':').map(|(i, s)| (i.to_owned(), s.to_owned())));
    let given = basic
        .or_else(|| Some((params.get("client_id")?.clone(), params.get("client_secret")?.clone())));

    let app = given.and_then(|(id, secret)| {
        shared.client(&id).filter(|app| same(app.client_secret.as_bytes(), secret.as_bytes()))
    });
    app.ok_or_else(|| {
        tracing::debug!("client authentication failed");
        oauth_error("Invalid client_id or client_secret", "invalid_client")
    })
}

/// Compares without an early exit, as a real server compares secrets.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn body_wins_over_query_and_json_is_refused() {
        let mut headers = HeaderMap::new();
        let params = read(&headers, Some("a=1&b=2"), b"b=3").unwrap();
        assert_eq!(params["a"], "1");
        assert_eq!(params["b"], "3");
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let refused = read(&headers, None, b"{}").unwrap_err();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn same_compares_whole_secrets() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secre"));
    }
}
