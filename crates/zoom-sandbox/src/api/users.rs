//! `GET /v2/users` and `GET /v2/users/{userId}`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::sync::Arc;

use super::error::user_not_found;
use super::guard::Caller;
use super::pagination::{PageRequest, paginate};
use crate::state::{Shared, Store, account_in};

/// `GET /v2/users/{userId}` (id, email or `me`).
pub(super) async fn get_one(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(user_id): Path<String>,
) -> Response {
    let mut store = shared.store();
    let account = store.account(&caller.account_id, shared.settings.seed_users);
    match account.user(&user_id) {
        Some(user) => Json(user.full_json(&shared.settings.base_url)).into_response(),
        None => user_not_found(&user_id),
    }
}

/// `GET /v2/users?status=active|inactive|pending&role_id=&page_size=&next_page_token=`.
pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let status = q.get("status").map(String::as_str).unwrap_or("active");
    if !matches!(status, "active" | "inactive" | "pending") {
        return super::api_error(StatusCode::BAD_REQUEST, 300, "Invalid field: status.");
    }
    let role_id = q.get("role_id").filter(|r| !r.is_empty());
    let request = match PageRequest::read(&q) {
        Ok(request) => request,
        Err(refused) => return refused,
    };

    let now = shared.clock.now_utc();
    let mut guard = shared.store();
    let Store { accounts, pages, .. } = &mut *guard;
    let users = &account_in(accounts, &caller.account_id, shared.settings.seed_users).users;
    let selected: Vec<_> = users
        .iter()
        .filter(|u| u.status == status && role_id.is_none_or(|r| r == u.role_id))
        .collect();
    let keys: Vec<i64> = selected.iter().map(|u| u.index as i64).collect();

    let query = format!("users|{status}|{}", role_id.map(String::as_str).unwrap_or(""));
    match paginate(pages, &query, &keys, &request, now) {
        Ok(page) => {
            let items = selected[page.range.clone()].iter().map(|u| u.list_json()).collect();
            Json(page.body("users", items)).into_response()
        }
        Err(refused) => refused,
    }
}
