//! Zoom's API host (`https://api.zoom.us/v2/*`): bearer authentication, rate limits, users and
//! meetings modelled by hand, and every other operation of Zoom's catalogue answered from it.

use std::sync::Arc;

use axum::Router;
use axum::routing::{any, get};

use crate::state::Shared;

pub(crate) mod catalogue;
mod error;
mod generic;
mod guard;
mod meetings;
mod pagination;
mod scopes;
mod users;

pub(crate) use error::api_error;

/// The operations with hand-written handlers, as `"METHOD /template"` keys of the catalogue.
const MODELLED: &[&str] = &[
    "GET /users",
    "GET /users/{userId}",
    "GET /users/{userId}/meetings",
    "POST /users/{userId}/meetings",
    "GET /meetings/{meetingId}",
    "PATCH /meetings/{meetingId}",
    "DELETE /meetings/{meetingId}",
];

/// Whether `op` has a hand-written handler below.
fn is_modelled(op: &catalogue::Operation) -> bool {
    MODELLED.contains(&op.key().as_str())
}

/// The `/v2/*` routes, behind the bearer-token and rate-limit guard. The catch-all route lets
/// every other path reach the guard, which authenticates before it answers from the catalogue
/// or with a 404.
pub(crate) fn routes(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/v2/users", get(users::list))
        .route("/v2/users/{user_id}", get(users::get_one))
        .route("/v2/users/{user_id}/meetings", get(meetings::list).post(meetings::create))
        .route(
            "/v2/meetings/{meeting_id}",
            get(meetings::get_one).patch(meetings::update).delete(meetings::delete),
        )
        .route("/v2", any(generic::handler))
        .route("/v2/", any(generic::handler))
        .route("/v2/{*rest}", any(generic::handler))
        .route_layer(axum::middleware::from_fn_with_state(shared, guard::guard))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_modelled_operation_is_in_the_catalogue() {
        for key in MODELLED {
            let found = catalogue::operations().iter().find(|op| op.key() == *key);
            assert!(found.is_some_and(is_modelled), "{key}");
        }
        let modelled = catalogue::operations().iter().filter(|op| is_modelled(op)).count();
        assert_eq!(modelled, MODELLED.len());
    }
}
