//! The admin HTTP API under `/_sandbox/`, for the CLI and for non-Rust users.
//! The routes are documented in the crate docs ("Admin HTTP API").

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::clock::zoom_time;
use crate::config::ClientApp;
use crate::control::SandboxControl;
use crate::faults::FaultRule;
use crate::state::Shared;

/// The `/_sandbox/*` routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sandbox/clock/advance", post(advance))
        .route("/_sandbox/faults", post(fault))
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/auto-approve", post(auto_approve))
        .route("/_sandbox/clients", post(add_client))
        .route("/_sandbox/daily-usage", post(daily_usage))
}

fn control(shared: Arc<Shared>) -> SandboxControl {
    SandboxControl { shared }
}

#[derive(Deserialize)]
struct Advance {
    seconds: u64,
}

async fn advance(State(shared): State<Arc<Shared>>, Json(body): Json<Advance>) -> Response {
    control(shared.clone()).advance_clock(Duration::from_secs(body.seconds));
    Json(json!({ "now": zoom_time(shared.clock.now_utc()) })).into_response()
}

async fn fault(State(shared): State<Arc<Shared>>, Json(rule): Json<FaultRule>) -> Response {
    control(shared).inject_fault(rule);
    (StatusCode::CREATED, Json(json!({ "status": "armed" }))).into_response()
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.stats()).into_response()
}

#[derive(Deserialize)]
struct AutoApprove {
    enabled: bool,
}

async fn auto_approve(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<AutoApprove>,
) -> Response {
    control(shared).set_auto_approve(body.enabled);
    Json(json!({ "enabled": body.enabled })).into_response()
}

async fn add_client(State(shared): State<Arc<Shared>>, Json(app): Json<ClientApp>) -> Response {
    control(shared).add_client(app);
    (StatusCode::CREATED, Json(json!({ "status": "registered" }))).into_response()
}

#[derive(Deserialize)]
struct DailyUsage {
    account_id: String,
    category: String,
    used: u64,
}

async fn daily_usage(State(shared): State<Arc<Shared>>, Json(body): Json<DailyUsage>) -> Response {
    if control(shared).set_daily_usage(&body.account_id, &body.category, body.used) {
        Json(json!({ "status": "set" })).into_response()
    } else {
        let message = "no daily quota for this category on this plan";
        (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
    }
}
