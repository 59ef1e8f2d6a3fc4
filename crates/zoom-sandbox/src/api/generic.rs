//! The answer to a catalogue operation that the sandbox does not model by hand: the documented
//! success status with the spec's example body, its `id`-like fields taken from the path.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::catalogue::Resolved;

/// The documented success status with the example body (none for 204, or where the spec
/// documents none).
pub(crate) fn answer(resolved: &Resolved) -> Response {
    let op = resolved.op;
    let status = StatusCode::from_u16(op.status).unwrap_or(StatusCode::OK);
    match &op.example {
        Some(example) if status != StatusCode::NO_CONTENT => {
            (status, Json(fill_ids(example.clone(), resolved))).into_response()
        }
        _ => status.into_response(),
    }
}

/// The axum handler for the catch-all route, for an operation the guard has resolved.
pub(crate) async fn handler(resolved: Option<axum::Extension<Resolved>>) -> Response {
    match resolved {
        Some(axum::Extension(resolved)) => answer(&resolved),
        None => super::api_error(StatusCode::NOT_FOUND, 404, "Not Found."),
    }
}

/// Puts the path's identifiers into a top-level example object: the last path parameter into
/// `id`, and each parameter `fooId` into `foo_id`. A value replaces the example's only when it
/// keeps the field's JSON type (a number stays a number), and `me` is never copied.
fn fill_ids(mut example: Value, resolved: &Resolved) -> Value {
    let Some(object) = example.as_object_mut() else { return example };
    let last_is_param = resolved.op.template.ends_with('}');
    let last = resolved.params.last().filter(|_| last_is_param);

    let mut targets: Vec<(String, &str)> = Vec::new();
    if let Some((_, value)) = last {
        targets.push(("id".to_owned(), value));
    }
    for (name, value) in &resolved.params {
        if let Some(stem) = name.strip_suffix("Id").filter(|s| !s.is_empty()) {
            targets.push((format!("{}_id", snake(stem)), value));
        }
    }

    for (field, value) in targets {
        if value == "me" {
            continue;
        }
        let Some(slot) = object.get_mut(&field) else { continue };
        match slot {
            Value::Number(_) => {
                if let Ok(number) = value.parse::<i64>() {
                    *slot = Value::from(number);
                }
            }
            Value::String(_) => *slot = Value::String(value.to_owned()),
            _ => {}
        }
    }
    example
}

/// `meetingUuid` → `meeting_uuid`.
fn snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::api::catalogue::resolve;

    async fn body(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec()
    }

    #[tokio::test]
    async fn a_204_has_no_body_and_a_get_has_the_example_with_its_id() {
        let deleted = answer(&resolve("DELETE", "/v2/contacts/groups/g1").unwrap());
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
        assert!(body(deleted).await.is_empty());

        let report = answer(&resolve("GET", "/v2/report/meetings/123").unwrap());
        assert_eq!(report.status(), StatusCode::OK);
        let value: Value = serde_json::from_slice(&body(report).await).unwrap();
        assert_eq!(value["id"], json!(123));
        assert_eq!(value["topic"], json!("My Meeting"));
    }

    #[test]
    fn ids_keep_their_json_type_and_me_is_never_copied() {
        let resolved = resolve("GET", "/v2/report/meetings/not-a-number").unwrap();
        let filled = fill_ids(json!({"id": 1, "meeting_id": "x"}), &resolved);
        assert_eq!(filled, json!({"id": 1, "meeting_id": "not-a-number"}));

        let resolved = resolve("GET", "/v2/users/me").unwrap();
        assert_eq!(fill_ids(json!({"id": "abc"}), &resolved), json!({"id": "abc"}));
        let resolved = resolve("GET", "/v2/users/u1").unwrap();
        assert_eq!(fill_ids(json!({"id": "abc"}), &resolved), json!({"id": "u1"}));
    }

    #[test]
    fn camel_case_becomes_snake_case() {
        assert_eq!(snake("meetingUuid"), "meeting_uuid");
        assert_eq!(snake("user"), "user");
    }
}
