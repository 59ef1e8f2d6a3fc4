//! Zoom's OAuth host (`https://zoom.us/oauth/*`): authorize, token, revoke.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::state::Shared;

mod authorize;
mod issue;
mod params;
mod revoke;
mod token;

/// The `/oauth/*` routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/oauth/authorize", get(authorize::authorize))
        .route("/oauth/authorize/approve", get(authorize::approve))
        .route("/oauth/authorize/deny", get(authorize::deny))
        .route("/oauth/token", post(token::token))
        .route("/oauth/revoke", post(revoke::revoke))
}
