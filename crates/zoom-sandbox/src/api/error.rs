//! Zoom's API error body: `{"code": <Zoom number>, "message": "..."[, "errors": [...]]}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::meeting::FieldErrors;

/// Zoom's API error body, fields in Zoom's order.
#[derive(Serialize)]
struct ApiError {
    code: u32,
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
}

#[derive(Serialize)]
struct FieldError {
    field: String,
    message: String,
}

/// An API error with Zoom's body.
pub(crate) fn api_error(status: StatusCode, code: u32, message: impl Into<String>) -> Response {
    let body = ApiError { code, message: message.into(), errors: Vec::new() };
    (status, Json(body)).into_response()
}

/// 400 code 300 "Validation Failed." with one entry per invalid field.
pub(crate) fn validation_failed(errors: FieldErrors) -> Response {
    let errors = errors.into_iter().map(|(field, message)| FieldError { field, message }).collect();
    let body = ApiError { code: 300, message: "Validation Failed.".to_owned(), errors };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// 400 code 300 for a body that is not a JSON object.
pub(crate) fn not_a_json_object() -> Response {
    api_error(StatusCode::BAD_REQUEST, 300, "Request Body should be a valid JSON object.")
}

/// 404 code 1001.
pub(crate) fn user_not_found(user_id: &str) -> Response {
    api_error(StatusCode::NOT_FOUND, 1001, format!("User does not exist: {user_id}"))
}

/// 404 code 3001.
pub(crate) fn meeting_not_found(meeting_id: &str) -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        3001,
        format!("Meeting {meeting_id} is not found or has expired."),
    )
}
