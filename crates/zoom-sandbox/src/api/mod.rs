//! Zoom's API host (`https://api.zoom.us/v2/*`): bearer authentication, rate limits, users and
//! meetings.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::state::Shared;

mod error;
mod guard;
mod meetings;
mod pagination;
mod scopes;
mod users;

pub(crate) use error::api_error;

/// The `/v2/*` routes, behind the bearer-token and rate-limit guard.
pub(crate) fn routes(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/v2/users", get(users::list))
        .route("/v2/users/{user_id}", get(users::get_one))
        .route("/v2/users/{user_id}/meetings", get(meetings::list).post(meetings::create))
        .route(
            "/v2/meetings/{meeting_id}",
            get(meetings::get_one).patch(meetings::update).delete(meetings::delete),
        )
        .route_layer(axum::middleware::from_fn_with_state(shared, guard::guard))
}
