//! Serde models of Zoom's users and meetings, as the REST API v2 sends them.
//!
//! Fields Zoom documents as optional, or omits for some users (e.g. `id` of a `pending` user),
//! are `Option`s; unknown fields are kept in `extra` so nothing Zoom sends is lost.

use std::collections::BTreeMap;

use nango_oauth::ListPage;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A Zoom user (`GET /users/{userId}`, an item of `GET /users`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// The user's id (22 characters); absent for pending users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Email address.
    pub email: String,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// 1 Basic, 2 Licensed, 3 On-prem, 4 Unassigned, 99 None.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<i64>,
    /// `active`, `inactive` or `pending`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// IANA time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Personal meeting id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pmi: Option<i64>,
    /// Account id (on `GET /users/{userId}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Creation time, `yyyy-MM-ddTHH:mm:ssZ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Every other field Zoom sent.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A page of `GET /users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPage {
    /// Users of this page.
    #[serde(default)]
    pub users: Vec<User>,
    /// Cursor of the next page; empty on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    /// Matching users across all pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_records: Option<u64>,
    /// Page size used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
}

impl ListPage for UserPage {
    type Item = User;

    fn into_items(self) -> Vec<User> {
        self.users
    }
}

/// A meeting (`GET /meetings/{meetingId}`, the 201 of `POST /users/{userId}/meetings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    /// Meeting id: an int64 of more than 10 digits.
    pub id: i64,
    /// Unique id of this instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Host user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_id: Option<String>,
    /// Topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// 1 instant, 2 scheduled, 3 recurring without fixed time, 8 recurring with fixed time.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub meeting_type: Option<i64>,
    /// Start time, `yyyy-MM-ddTHH:mm:ssZ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// Duration in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    /// IANA time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Agenda.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agenda: Option<String>,
    /// Join URL for participants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    /// `waiting` or `started` (on `GET /meetings/{meetingId}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Every other field Zoom sent (start_url, password, settings, ...).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A page of `GET /users/{userId}/meetings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingPage {
    /// Meetings of this page.
    #[serde(default)]
    pub meetings: Vec<Meeting>,
    /// Cursor of the next page; empty on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    /// Matching meetings across all pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_records: Option<u64>,
}

impl ListPage for MeetingPage {
    type Item = Meeting;

    fn into_items(self) -> Vec<Meeting> {
        self.meetings
    }
}

/// The body of `POST /users/{userId}/meetings` and of `PATCH /meetings/{meetingId}`. Unset
/// fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MeetingRequest {
    /// Topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Meeting type (2: scheduled).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub meeting_type: Option<i64>,
    /// Start time, `yyyy-MM-ddTHH:mm:ssZ` (UTC) or local with `timezone`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// Duration in minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<i64>,
    /// IANA time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Agenda.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agenda: Option<String>,
    /// Passcode (at most 10 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Further fields (settings, recurrence, ...), sent as they are.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_bodies_round_trip_with_unknown_fields_kept() {
        let body = serde_json::json!({"id": 85746065432i64, "uuid": "aDYlohsHRtCd4ii1uC2+hA==",
            "topic": "Standup", "type": 2, "start_time": "2026-12-24T10:00:00Z", "duration": 30,
            "start_url": "https://zoom.us/s/1", "settings": {"host_video": true}});
        let meeting: Meeting = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(meeting.id, 85_746_065_432);
        assert_eq!(meeting.meeting_type, Some(2));
        assert_eq!(meeting.extra["settings"]["host_video"], true);
        assert_eq!(serde_json::to_value(&meeting).unwrap(), body);
    }

    #[test]
    fn pending_users_have_no_id() {
        let user: User = serde_json::from_value(
            serde_json::json!({"email": "p@example.com", "status": "pending"}),
        )
        .unwrap();
        assert_eq!(user.id, None);
    }

    #[test]
    fn requests_send_only_what_is_set() {
        let request = MeetingRequest { topic: Some("x".into()), ..MeetingRequest::default() };
        assert_eq!(serde_json::to_value(&request).unwrap(), serde_json::json!({"topic": "x"}));
    }
}
