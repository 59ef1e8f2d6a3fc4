//! Meetings: create and list under a user, get, update and delete by id.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::api_error;
use super::error::{meeting_not_found, not_a_json_object, user_not_found, validation_failed};
use super::guard::{Caller, NoRateLimitType};
use super::pagination::{PageRequest, paginate};
use crate::meeting::Meeting;
use crate::state::{Account, Shared, Store, account_in};

/// Meeting create and update requests one host user may make a day (FACTS §4).
const WRITES_PER_USER_PER_DAY: u32 = 100;

fn json_object(body: &Bytes) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(not_a_json_object()),
    }
}

/// Counts one create or update against the host's daily cap; the 429 when it is spent.
fn count_write(account: &mut Account, host_id: &str, now: DateTime<Utc>) -> Result<(), Response> {
    let today = now.date_naive();
    let entry = account.writes.entry(host_id.to_owned()).or_insert((today, 0));
    if entry.0 != today {
        *entry = (today, 0);
    }
    if entry.1 >= WRITES_PER_USER_PER_DAY {
        let message = format!(
            "You have exceeded the daily rate limit ({WRITES_PER_USER_PER_DAY}) of Meeting \
             Create/Update API requests permitted for this particular user. You may resume these \
             requests at GMT 00:00:00."
        );
        let mut response = api_error(StatusCode::TOO_MANY_REQUESTS, 429, message);
        response.extensions_mut().insert(NoRateLimitType);
        return Err(response);
    }
    entry.1 += 1;
    Ok(())
}

/// `POST /v2/users/{userId}/meetings` → 201.
pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_object(&body) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let now = shared.clock.now_utc();
    let mut store = shared.store();
    let account = store.account(&caller.account_id, shared.settings.seed_users);
    let Some(host) = account.user(&user_id).cloned() else {
        return user_not_found(&user_id);
    };
    if let Err(refused) = count_write(account, &host.id, now) {
        return refused;
    }

    let meeting = match Meeting::new((&host.id, &host.email), host.timezone, now, &body) {
        Ok(meeting) => meeting,
        Err(errors) => return validation_failed(errors),
    };
    let created = meeting.created_json(&shared.settings.base_url);
    tracing::debug!(meeting_id = meeting.id, "meeting created");
    account.meetings.insert(meeting.id, meeting);
    shared.stats_mut(|s| s.meetings_created += 1);
    (StatusCode::CREATED, Json(created)).into_response()
}

/// `GET /v2/users/{userId}/meetings?type=scheduled|live|upcoming|...`.
pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(user_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let kind = q.get("type").map(String::as_str).unwrap_or("scheduled");
    let request = match PageRequest::read(&q) {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    let now = shared.clock.now_utc();
    let mut guard = shared.store();
    let Store { accounts, pages, .. } = &mut *guard;
    let account = account_in(accounts, &caller.account_id, shared.settings.seed_users);
    let Some(host) = account.user(&user_id) else {
        return user_not_found(&user_id);
    };

    let keep: fn(&Meeting, DateTime<Utc>) -> bool = match kind {
        "scheduled" => |_, _| true,
        "live" => |_, _| false,
        "upcoming" | "upcoming_meetings" => |m, now| !m.is_past(now),
        "previous_meetings" => |m, now| m.is_past(now),
        _ => return api_error(StatusCode::BAD_REQUEST, 300, "Invalid field: type."),
    };
    let selected: Vec<&Meeting> =
        account.meetings.values().filter(|m| m.host_id == host.id && keep(m, now)).collect();
    let keys: Vec<i64> = selected.iter().map(|m| m.id).collect();

    let query = format!("meetings|{}|{kind}", host.id);
    match paginate(pages, &query, &keys, &request, now) {
        Ok(page) => {
            let base = &shared.settings.base_url;
            let items = selected[page.range.clone()].iter().map(|m| m.list_json(base)).collect();
            Json(page.body("meetings", items)).into_response()
        }
        Err(refused) => refused,
    }
}

/// `GET /v2/meetings/{meetingId}`.
pub(super) async fn get_one(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(meeting_id): Path<String>,
) -> Response {
    let now = shared.clock.now_utc();
    let mut store = shared.store();
    let account = store.account(&caller.account_id, shared.settings.seed_users);
    match meeting_id.parse::<i64>().ok().and_then(|id| account.meetings.get(&id)) {
        Some(meeting) => Json(meeting.get_json(&shared.settings.base_url, now)).into_response(),
        None => meeting_not_found(&meeting_id),
    }
}

/// `PATCH /v2/meetings/{meetingId}` → 204.
pub(super) async fn update(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(meeting_id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_object(&body) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let now = shared.clock.now_utc();
    let mut store = shared.store();
    let account = store.account(&caller.account_id, shared.settings.seed_users);
    let Some(id) = meeting_id.parse::<i64>().ok().filter(|id| account.meetings.contains_key(id))
    else {
        return meeting_not_found(&meeting_id);
    };
    let host_id = account.meetings[&id].host_id.clone();
    if let Err(refused) = count_write(account, &host_id, now) {
        return refused;
    }
    let Some(meeting) = account.meetings.get_mut(&id) else {
        return meeting_not_found(&meeting_id);
    };
    match meeting.apply(&body) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(errors) => validation_failed(errors),
    }
}

/// `DELETE /v2/meetings/{meetingId}` → 204.
pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(meeting_id): Path<String>,
) -> Response {
    let mut store = shared.store();
    let account = store.account(&caller.account_id, shared.settings.seed_users);
    match meeting_id.parse::<i64>().ok().and_then(|id| account.meetings.remove(&id)) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => meeting_not_found(&meeting_id),
    }
}
