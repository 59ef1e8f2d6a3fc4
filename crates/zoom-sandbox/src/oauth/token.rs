//! `POST /oauth/token`: the `authorization_code`, `refresh_token`, `account_credentials` and
//! `client_credentials` grants.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::issue::issue;
use super::params::{self, oauth_error, unsupported_grant};
use crate::config::ClientApp;
use crate::state::{Grant, Shared};

/// The token endpoint.
pub(super) async fn token(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (params, app) = match params::authenticated(&shared, &headers, query.as_deref(), &body) {
        Ok(found) => found,
        Err(refused) => return refused,
    };

    let grant = params.get("grant_type").map(String::as_str).unwrap_or("");
    tracing::debug!(client_id = %app.client_id, grant, "token request");
    match grant {
        "authorization_code" => authorization_code(&shared, &app, &params),
        "refresh_token" => refresh_token(&shared, &app, &params),
        "account_credentials" => account_credentials(&shared, &app, &params),
        "client_credentials" => {
            let mut store = shared.store();
            Json(issue(&shared, &mut store, &app, Grant::Chatbot)).into_response()
        }
        _ => unsupported_grant(),
    }
}

fn invalid_code() -> Response {
    oauth_error("Invalid authorization code", "invalid_grant")
}

fn authorization_code(
    shared: &Shared,
    app: &ClientApp,
    params: &HashMap<String, String>,
) -> Response {
    let now = shared.clock.now_utc();
    let mut store = shared.store();

    // Single use: the code is gone whatever the outcome of this exchange.
    let Some(code) = params.get("code").and_then(|c| store.codes.remove(c)) else {
        return invalid_code();
    };
    if code.client_id != app.client_id || code.expires_at <= now {
        return invalid_code();
    }
    if params.get("redirect_uri") != Some(&code.redirect_uri) {
        return oauth_error("Redirect URI mismatch.", "invalid_request");
    }
    if let Some((challenge, method)) = &code.challenge {
        let verifier = params.get("code_verifier").map(String::as_str).unwrap_or("");
        if !pkce_matches(challenge, method, verifier) {
            return oauth_error("Invalid code_verifier", "invalid_grant");
        }
    }

    Json(issue(shared, &mut store, app, Grant::User)).into_response()
}

/// RFC 7636: `S256` compares base64url-nopad(SHA-256(verifier)); `plain` compares as is.
fn pkce_matches(challenge: &str, method: &str, verifier: &str) -> bool {
    if verifier.is_empty() {
        return false;
    }
    match method {
        "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge,
        _ => verifier == challenge,
    }
}

fn refresh_token(shared: &Shared, app: &ClientApp, params: &HashMap<String, String>) -> Response {
    let now = shared.clock.now_utc();
    let mut store = shared.store();
    let given = params.get("refresh_token").map(String::as_str).unwrap_or("");

    let alive = store
        .refresh
        .get(given)
        .is_some_and(|r| r.client_id == app.client_id && r.expires_at > now);
    if !alive {
        tracing::debug!(client_id = %app.client_id, "refresh refused: unknown, rotated or expired");
        return oauth_error("Invalid Token!", "invalid_grant");
    }

    // Rotation: the old refresh token dies at once; its access token lives until it expires.
    store.refresh.remove(given);
    let body = issue(shared, &mut store, app, Grant::User);
    shared.stats_mut(|s| s.refreshes += 1);
    Json(body).into_response()
}

fn account_credentials(
    shared: &Shared,
    app: &ClientApp,
    params: &HashMap<String, String>,
) -> Response {
    if params.get("account_id") != Some(&app.account_id) {
        return oauth_error("Invalid account_id", "invalid_request");
    }
    let mut store = shared.store();
    if shared.settings.single_active_s2s_token {
        for token in store.access.values_mut() {
            if token.client_id == app.client_id && token.grant == Grant::Account {
                token.revoked = true;
            }
        }
    }
    Json(issue(shared, &mut store, app, Grant::Account)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(challenge, "S256", verifier));
        assert!(!pkce_matches(challenge, "S256", "wrong"));
        assert!(pkce_matches("same", "plain", "same"));
        assert!(!pkce_matches("same", "plain", ""));
    }
}
