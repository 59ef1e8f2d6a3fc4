//! `POST /oauth/revoke`: revokes an access token and its refresh token (or a refresh token and
//! its access token).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::params::{self, oauth_error};
use crate::state::Shared;

/// The revoke endpoint: `{"status":"success"}`.
///
/// A token that is unknown, or not the app's, is also answered with success, as RFC 7009 asks.
pub(super) async fn revoke(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (params, app) = match params::authenticated(&shared, &headers, query.as_deref(), &body) {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let Some(token) = params.get("token") else {
        return oauth_error("Token is empty", "invalid_request");
    };

    let mut store = shared.store();
    let from_refresh =
        store.refresh.get(token).filter(|r| r.client_id == app.client_id).map(|r| r.access.clone());
    let own_refresh = from_refresh.is_some();
    let access = from_refresh.unwrap_or_else(|| token.clone());
    let refresh = match store.access.get_mut(&access) {
        Some(record) if record.client_id == app.client_id => {
            record.revoked = true;
            record.refresh.clone()
        }
        _ => None,
    };
    if own_refresh {
        store.refresh.remove(token);
    }
    if let Some(refresh) = refresh {
        store.refresh.remove(&refresh);
    }
    tracing::debug!(client_id = %app.client_id, "token revoked");

    Json(json!({ "status": "success" })).into_response()
}
