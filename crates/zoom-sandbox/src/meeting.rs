//! The meeting resource: its fields, the JSON views Zoom returns, and validation of the bodies
//! of `POST /users/{userId}/meetings` and `PATCH /meetings/{meetingId}`.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use crate::clock::zoom_time;

/// One meeting.
#[derive(Debug, Clone)]
pub(crate) struct Meeting {
    pub(crate) id: i64,
    pub(crate) uuid: String,
    pub(crate) host_id: String,
    pub(crate) host_email: String,
    pub(crate) topic: String,
    pub(crate) meeting_type: i64,
    pub(crate) start_time: DateTime<Utc>,
    pub(crate) duration: i64,
    pub(crate) timezone: String,
    pub(crate) password: String,
    pub(crate) agenda: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) settings: Map<String, Value>,
}

/// A validation failure: `(field, message)` pairs for Zoom's `errors[]`.
pub(crate) type FieldErrors = Vec<(String, String)>;

/// The default meeting settings (a subset of Zoom's).
fn default_settings() -> Map<String, Value> {
    let value = json!({
        "host_video": false,
        "participant_video": false,
        "join_before_host": false,
        "mute_upon_entry": false,
        "waiting_room": true,
        "audio": "voip",
        "auto_recording": "none",
        "approval_type": 2,
        "meeting_authentication": false,
        "use_pmi": false,
    });
    value.as_object().cloned().unwrap_or_default()
}

impl Meeting {
    /// A new meeting hosted by `host`, created `now`, from a validated body.
    pub(crate) fn new(
        host: (&str, &str),
        timezone: &str,
        now: DateTime<Utc>,
        body: &Map<String, Value>,
    ) -> Result<Self, FieldErrors> {
        let mut meeting = Self {
            id: crate::ids::meeting_id(),
            uuid: crate::ids::meeting_uuid(),
            host_id: host.0.to_owned(),
            host_email: host.1.to_owned(),
            topic: "Zoom Meeting".to_owned(),
            meeting_type: 2,
            start_time: now,
            duration: 60,
            timezone: timezone.to_owned(),
            password: crate::ids::alnum(6),
            agenda: String::new(),
            created_at: now,
            settings: default_settings(),
        };
        meeting.apply(body)?;
        Ok(meeting)
    }

    /// Applies the fields of a create or update body; on any invalid field nothing changes.
    pub(crate) fn apply(&mut self, body: &Map<String, Value>) -> Result<(), FieldErrors> {
        let mut next = self.clone();
        let mut errors = FieldErrors::new();
        let mut bad = |field: &str| errors.push((field.to_owned(), "Invalid field.".to_owned()));

        for (field, value) in body {
            match field.as_str() {
                "topic" => match value.as_str() {
                    Some(t) if t.chars().count() <= 200 => next.topic = t.to_owned(),
                    _ => bad("topic"),
                },
                "type" => match value.as_i64() {
                    Some(t @ (1 | 2 | 3 | 8)) => next.meeting_type = t,
                    _ => bad("type"),
                },
                "start_time" => match value.as_str().and_then(parse_start_time) {
                    Some(t) => next.start_time = t,
                    None => bad("start_time"),
                },
                "duration" => match value.as_i64() {
                    Some(d) if (0..=1440).contains(&d) => next.duration = d,
                    _ => bad("duration"),
                },
                "timezone" => match value.as_str() {
                    Some(tz) if !tz.is_empty() => next.timezone = tz.to_owned(),
                    _ => bad("timezone"),
                },
                "password" => match value.as_str() {
                    Some(p) if p.chars().count() <= 10 => next.password = p.to_owned(),
                    _ => bad("password"),
                },
                "agenda" => match value.as_str() {
                    Some(a) if a.chars().count() <= 2000 => next.agenda = a.to_owned(),
                    _ => bad("agenda"),
                },
                "settings" => match value.as_object() {
                    Some(s) => next.settings.extend(s.clone()),
                    None => bad("settings"),
                },
                _ => {}
            }
        }

        if errors.is_empty() {
            *self = next;
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn join_url(&self, base_url: &str) -> String {
        format!("{base_url}/j/{}?pwd={}", self.id, self.encrypted_password())
    }

    fn encrypted_password(&self) -> String {
        use base64::Engine as _;
        let digest = <sha2::Sha256 as sha2::Digest>::digest(self.password.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..12])
    }

    /// The 201 body of `POST /users/{userId}/meetings` (FACTS §6: no `uuid`, no `host_id`).
    pub(crate) fn created_json(&self, base_url: &str) -> Value {
        json!({
            "id": self.id,
            "host_email": self.host_email,
            "topic": self.topic,
            "type": self.meeting_type,
            "start_time": zoom_time(self.start_time),
            "duration": self.duration,
            "timezone": self.timezone,
            "agenda": self.agenda,
            "created_at": zoom_time(self.created_at),
            "start_url": format!("{base_url}/s/{}?zak={}", self.id, crate::ids::alnum(40)),
            "join_url": self.join_url(base_url),
            "password": self.password,
            "h323_password": digits(&self.password),
            "pstn_password": digits(&self.password),
            "encrypted_password": self.encrypted_password(),
            "settings": self.settings,
            "pre_schedule": false,
            "creation_source": "open_api",
        })
    }

    /// The body of `GET /meetings/{meetingId}`: the created view plus `status`, `host_id`,
    /// `uuid`.
    pub(crate) fn get_json(&self, base_url: &str, now: DateTime<Utc>) -> Value {
        let mut value = self.created_json(base_url);
        if let Some(object) = value.as_object_mut() {
            object.insert("uuid".into(), json!(self.uuid));
            object.insert("host_id".into(), json!(self.host_id));
            object.insert("status".into(), json!(self.status(now)));
        }
        value
    }

    /// One element of `GET /users/{userId}/meetings`.
    pub(crate) fn list_json(&self, base_url: &str) -> Value {
        json!({
            "uuid": self.uuid,
            "id": self.id,
            "host_id": self.host_id,
            "topic": self.topic,
            "type": self.meeting_type,
            "start_time": zoom_time(self.start_time),
            "duration": self.duration,
            "timezone": self.timezone,
            "agenda": self.agenda,
            "created_at": zoom_time(self.created_at),
            "join_url": self.join_url(base_url),
        })
    }

    /// Always `waiting`: nobody starts meetings in the sandbox.
    fn status(&self, _now: DateTime<Utc>) -> &'static str {
        "waiting"
    }

    /// Whether the meeting ends before `now` (for `type=previous_meetings`).
    pub(crate) fn is_past(&self, now: DateTime<Utc>) -> bool {
        self.start_time + TimeDelta::minutes(self.duration) < now
    }
}

/// A numeric password derived from the text one, as Zoom derives the phone passwords.
fn digits(password: &str) -> String {
    password.bytes().map(|b| char::from(b'0' + b % 10)).collect()
}

/// `yyyy-MM-ddTHH:mm:ssZ` (UTC) or `yyyy-MM-ddTHH:mm:ss` (local to `timezone`).
///
/// Limitation: the sandbox has no time-zone database, so a local time is taken as UTC.
fn parse_start_time(text: &str) -> Option<DateTime<Utc>> {
    let local = text.strip_suffix('Z').unwrap_or(text);
    NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S").ok().map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn invalid_fields_are_all_reported_and_nothing_changes() {
        let now = "2024-05-30T13:14:15Z".parse().unwrap();
        let mut m = Meeting::new(("h", "h@example.com"), "UTC", now, &body(json!({}))).unwrap();
        let before = m.topic.clone();
        let errors = m
            .apply(&body(json!({"topic": "ok", "type": 5, "password": "12345678901"})))
            .unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(m.topic, before);
    }

    #[test]
    fn start_time_reads_zoom_formats() {
        assert!(parse_start_time("2022-03-25T07:29:29Z").is_some());
        assert!(parse_start_time("2022-03-25T07:29:29").is_some());
        assert!(parse_start_time("2022-03-25 07:29").is_none());
    }
}
