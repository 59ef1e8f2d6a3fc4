//! `GET /oauth/authorize`: checks the request, then redirects with a code (auto-approve) or shows
//! a consent page whose "Allow" link (`/oauth/authorize/approve?request=<id>`) redirects.
//!
//! Errors are an HTML page with Zoom's numeric code (4709 redirect mismatch ...), never a
//! redirect to an unregistered URI.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::TimeDelta;

use crate::ids;
use crate::state::{AuthCode, PendingAuth, Shared};

/// How long an authorization code lives (FACTS §1: 5 minutes).
const CODE_TTL: TimeDelta = TimeDelta::minutes(5);

/// An HTML error page with Zoom's numeric error code.
fn error_page(code: u32, message: &str) -> Response {
    let page = format!(
        "<!doctype html><html><head><title>Error - Zoom</title></head><body>\
         <h1>{}</h1><p>Error code: {code}</p></body></html>",
        escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(page)).into_response()
}

/// Minimal HTML escaping for text placed in pages.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The authorize endpoint.
pub(super) async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let client_id = q.get("client_id").map(String::as_str).unwrap_or("");
    let Some(app) = shared.client(client_id) else {
        return error_page(4702, "Invalid client_id.");
    };
    let redirect_uri = q.get("redirect_uri").map(String::as_str).unwrap_or("");
    if !app.redirect_uris.iter().any(|u| u == redirect_uri) {
        tracing::debug!(client_id, "authorize refused: redirect URI mismatch");
        return error_page(4709, "Invalid redirect: the redirect URI does not match the app.");
    }
    if q.get("response_type").map(String::as_str) != Some("code") {
        return error_page(4700, "Unsupported response type.");
    }
    let challenge = match (q.get("code_challenge"), q.get("code_challenge_method")) {
        (None, _) => None,
        (Some(c), None) => Some((c.clone(), "plain".to_owned())),
        (Some(c), Some(m)) if m == "S256" || m == "plain" => Some((c.clone(), m.clone())),
        (Some(_), Some(_)) => return error_page(4700, "Invalid code_challenge_method."),
    };

    let pending = PendingAuth {
        client_id: app.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        state: q.get("state").cloned(),
        challenge,
    };
    if shared.auto_approve() {
        return complete(&shared, pending);
    }

    let request = ids::alnum(24);
    shared.store().pending.insert(request.clone(), pending);
    consent_page(&request, &app.client_id, &app.scopes)
}

fn consent_page(request: &str, client_id: &str, scopes: &[String]) -> Response {
    let scopes: String = scopes.iter().map(|s| format!("<li>{}</li>", escape(s))).collect();
    let page = format!(
        "<!doctype html><html><head><title>Authorize App - Zoom</title></head><body>\
         <h1>{client} would like to access your Zoom account</h1>\
         <p>This app will be able to:</p><ul>{scopes}</ul>\
         <a id=\"allow\" href=\"/oauth/authorize/approve?request={request}\">Allow</a> \
         <a id=\"deny\" href=\"/oauth/authorize/deny?request={request}\">Decline</a>\
         </body></html>",
        client = escape(client_id),
    );
    Html(page).into_response()
}

/// Issues a code and redirects to the app.
fn complete(shared: &Shared, pending: PendingAuth) -> Response {
    let code = ids::alnum(32);
    let record = AuthCode {
        client_id: pending.client_id,
        redirect_uri: pending.redirect_uri.clone(),
        challenge: pending.challenge,
        expires_at: shared.clock.now_utc() + CODE_TTL,
    };
    shared.store().codes.insert(code.clone(), record);
    redirect(&pending.redirect_uri, &[("code", &code)], pending.state.as_deref())
}

fn redirect(to: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let Ok(mut url) = url::Url::parse(to) else {
        return error_page(4709, "Invalid redirect: the redirect URI is not a URL.");
    };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    let mut response = Redirect::to(url.as_str()).into_response();
    *response.status_mut() = StatusCode::FOUND;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

/// The consent page's "Allow".
pub(super) async fn approve(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let pending = q.get("request").and_then(|r| shared.store().pending.remove(r));
    match pending {
        Some(pending) => complete(&shared, pending),
        None => error_page(4700, "This authorization request is unknown or already used."),
    }
}

/// The consent page's "Decline": back to the app with `error=access_denied`.
pub(super) async fn deny(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let pending = q.get("request").and_then(|r| shared.store().pending.remove(r));
    match pending {
        Some(p) => redirect(&p.redirect_uri, &[("error", "access_denied")], p.state.as_deref()),
        None => error_page(4700, "This authorization request is unknown or already used."),
    }
}
