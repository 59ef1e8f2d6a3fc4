//! A lenient reader of token endpoint answers.
//!
//! Real token endpoints deviate from RFC 6749: numbers as strings, a lowercase or missing
//! `token_type`, scopes as a string or an array, errors inside 200 answers, form-encoded bodies,
//! Zoom's `{"reason": ..., "error": ...}` error bodies. What real providers send is accepted;
//! anything else becomes an error naming the field.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::token::TokenSet;

const KNOWN: &[&str] = &["access_token", "refresh_token", "token_type", "expires_in", "scope"];

/// One token endpoint answer, as received.
#[derive(Debug, Clone, Copy)]
pub struct RawAnswer<'a> {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

/// Reads a token endpoint answer received at `now`.
///
/// `scope_separator` splits a `scope` string; `sent_secrets` are values sent in the request
/// (a code, a refresh token) that are scrubbed from any provider message kept in the error.
///
/// # Errors
/// [`Error::OAuth`] for an OAuth error body (whatever the status);
/// [`Error::InvalidTokenResponse`] naming the field for anything unreadable.
pub fn parse_token_response(
    answer: RawAnswer<'_>,
    now: SystemTime,
    scope_separator: &str,
    sent_secrets: &[&SecretString],
) -> Result<TokenSet, Error> {
    let status = answer.status;
    let fields = read_fields(answer)?;

    if let Some(error) = fields.get("error").and_then(text) {
        let description = fields
            .get("error_description")
            .and_then(text)
            .or_else(|| fields.get("reason").and_then(text))
            .map(|d| scrub(&d, sent_secrets));
        return Err(Error::OAuth { error, description, status: Some(status) });
    }
    if !(200..300).contains(&status) {
        return Err(invalid(format!("HTTP {status} without an OAuth `error` field")));
    }

    let access_token = match fields.get("access_token") {
        Some(Value::String(s)) if !s.is_empty() => SecretString::from(s.clone()),
        Some(_) => return Err(invalid("field `access_token` is empty or not a string")),
        None => return Err(invalid("field `access_token` is missing")),
    };
    let refresh_token = match fields.get("refresh_token") {
        Some(Value::String(s)) if !s.is_empty() => Some(SecretString::from(s.clone())),
        Some(Value::String(_)) | Some(Value::Null) | None => None,
        Some(_) => return Err(invalid("field `refresh_token` is not a string")),
    };
    let token_type = match fields.get("token_type") {
        None | Some(Value::Null) => "bearer".to_owned(),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("bearer") => s.to_ascii_lowercase(),
        Some(Value::String(s)) => {
            return Err(invalid(format!("field `token_type` is `{s}`; only bearer is supported")));
        }
        Some(_) => return Err(invalid("field `token_type` is not a string")),
    };
    let expires_at = match fields.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(v) => Some(now + seconds(v)?),
    };
    let scopes = match fields.get("scope") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => split_scopes(s, scope_separator),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid("field `scope` is an array with a non-string item"))?,
        Some(_) => return Err(invalid("field `scope` is neither a string nor an array")),
    };
    let extra: BTreeMap<String, Value> =
        fields.into_iter().filter(|(k, _)| !KNOWN.contains(&k.as_str())).collect();

    Ok(TokenSet {
        access_token,
        refresh_token,
        token_type,
        expires_at,
        obtained_at: now,
        scopes,
        extra,
    })
}

fn read_fields(answer: RawAnswer<'_>) -> Result<Map<String, Value>, Error> {
    let status = answer.status;
    let content_type = answer.content_type.unwrap_or("").to_ascii_lowercase();
    let trimmed = answer.body.trim_ascii();

    if content_type.contains("text/html") || trimmed.starts_with(b"<") {
        return Err(invalid(format!("an HTML page (HTTP {status})")));
    }
    if trimmed.is_empty() {
        return Err(invalid(format!("an empty body (HTTP {status})")));
    }
    let json_like = trimmed.starts_with(b"{") || trimmed.starts_with(b"[");
    if content_type.contains("application/x-www-form-urlencoded") || !json_like {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(trimmed)
            .map_err(|_| invalid(format!("neither JSON nor a form (HTTP {status})")))?;
        if !pairs.iter().any(|(k, _)| k == "access_token" || k == "error") {
            return Err(invalid(format!("neither JSON nor a form (HTTP {status})")));
        }
        return Ok(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect());
    }
    match serde_json::from_slice::<Value>(trimmed) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid(format!("JSON that is not an object (HTTP {status})"))),
        Err(_) => Err(invalid(format!("malformed JSON (HTTP {status})"))),
    }
}

fn seconds(value: &Value) -> Result<Duration, Error> {
    let bad = || invalid("field `expires_in` is not a non-negative number of seconds");
    let secs = match value {
        Value::Number(n) => n.as_f64().ok_or_else(bad)?,
        Value::String(s) => s.trim().parse::<f64>().map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    if !secs.is_finite() || !(0.0..=1e10).contains(&secs) {
        return Err(bad());
    }
    Ok(Duration::from_secs(secs as u64))
}

fn split_scopes(scopes: &str, separator: &str) -> Vec<String> {
    let parts: Vec<&str> = if separator.trim().is_empty() {
        scopes.split_whitespace().collect()
    } else {
        scopes.split(separator).map(str::trim).collect()
    };
    parts.into_iter().filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Replaces every sent secret found in `message` with `<redacted>`.
pub(crate) fn scrub(message: &str, sent_secrets: &[&SecretString]) -> String {
    let mut out = message.to_owned();
    for secret in sent_secrets {
        let secret = secret.expose_secret();
        if secret.len() >= 4 {
            out = out.replace(secret, "<redacted>");
        }
    }
    out
}

fn invalid(detail: impl Into<String>) -> Error {
    Error::InvalidTokenResponse { detail: detail.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn parse(status: u16, content_type: &str, body: &str) -> Result<TokenSet, Error> {
        let answer = RawAnswer { status, content_type: Some(content_type), body: body.as_bytes() };
        parse_token_response(answer, now(), " ", &[])
    }

    const JSON: &str = "application/json";

    #[test]
    fn zoom_user_token() {
        let body = r#"{"access_token":"eyJa","token_type":"bearer","refresh_token":"eyJr",
            "expires_in":3599,"scope":"user:read:admin meeting:read","api_url":"https://api.zoom.us"}"#;
        let t = parse(200, JSON, body).unwrap();
        assert_eq!(t.access_token.expose_secret(), "eyJa");
        assert_eq!(t.refresh_token.as_ref().unwrap().expose_secret(), "eyJr");
        assert_eq!(t.token_type, "bearer");
        assert_eq!(t.expires_at, Some(now() + Duration::from_secs(3599)));
        assert_eq!(t.scopes, ["user:read:admin", "meeting:read"]);
        assert_eq!(t.extra_str("api_url"), Some("https://api.zoom.us"));
        assert_eq!(t.extra.len(), 1);
    }

    #[test]
    fn zoom_server_to_server_token_has_no_refresh_token() {
        let body = r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"scope":"x"}"#;
        let t = parse(200, JSON, body).unwrap();
        assert!(t.refresh_token.is_none());
    }

    #[test]
    fn rfc_deviations_are_accepted() {
        let table: &[(&str, &str, Option<u64>, &[&str])] = &[
            (JSON, r#"{"access_token":"a","expires_in":"3600"}"#, Some(3600), &[]),
            (
                JSON,
                r#"{"access_token":"a","expires_in":3600.0,"token_type":"Bearer"}"#,
                Some(3600),
                &[],
            ),
            (JSON, r#"{"access_token":"a","scope":["x","y"]}"#, None, &["x", "y"]),
            (JSON, r#"{"access_token":"a","scope":"x  y "}"#, None, &["x", "y"]),
            (JSON, r#"{"access_token":"a","refresh_token":"","expires_in":null}"#, None, &[]),
            (
                "application/x-www-form-urlencoded",
                "access_token=a&expires_in=60&scope=x+y",
                Some(60),
                &["x", "y"],
            ),
            ("text/plain", "access_token=a&token_type=bearer", None, &[]),
            ("", r#"  {"access_token":"a","expires_in":"10"}  "#, Some(10), &[]),
        ];
        for (content_type, body, expires_in, scopes) in table {
            let t = parse(200, content_type, body).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(t.expires_at, expires_in.map(|s| now() + Duration::from_secs(s)), "{body}");
            assert_eq!(&t.scopes, scopes, "{body}");
            assert_eq!(t.token_type, "bearer", "{body}");
        }
    }

    #[test]
    fn oauth_errors_are_typed_whatever_the_status() {
        let table: &[(u16, &str, &str, &str, Option<&str>)] = &[
            (
                400,
                JSON,
                r#"{"reason":"Invalid Token!","error":"invalid_grant"}"#,
                "invalid_grant",
                Some("Invalid Token!"),
            ),
            (400, JSON, r#"{"error":"invalid_grant"}"#, "invalid_grant", None),
            (
                401,
                JSON,
                r#"{"reason":"Invalid client_id or client_secret","error":"invalid_client"}"#,
                "invalid_client",
                Some("Invalid client_id or client_secret"),
            ),
            (
                200,
                JSON,
                r#"{"error":"invalid_request","error_description":"bad"}"#,
                "invalid_request",
                Some("bad"),
            ),
            (
                400,
                "application/x-www-form-urlencoded",
                "error=invalid_scope",
                "invalid_scope",
                None,
            ),
        ];
        for (status, content_type, body, code, description) in table {
            let e = parse(*status, content_type, body).unwrap_err();
            assert_eq!(e.oauth_error(), Some(*code), "{body}");
            let Error::OAuth { description: d, .. } = &e else { panic!("{e:?}") };
            assert_eq!(d.as_deref(), *description, "{body}");
        }
        assert!(parse(400, JSON, r#"{"error":"invalid_grant"}"#).unwrap_err().needs_reauth());
    }

    #[test]
    fn unreadable_answers_name_the_problem() {
        let table: &[(u16, &str, &str, &str)] = &[
            (200, "text/html", "<html>login</html>", "an HTML page (HTTP 200)"),
            (502, "", "<!DOCTYPE html>", "an HTML page (HTTP 502)"),
            (200, JSON, "", "an empty body (HTTP 200)"),
            (200, JSON, r#"{"token_type":"bearer"}"#, "field `access_token` is missing"),
            (200, JSON, r#"{"access_token":7}"#, "field `access_token` is empty or not a string"),
            (200, JSON, r#"{"access_token":"a","expires_in":"soon"}"#, "field `expires_in`"),
            (200, JSON, r#"{"access_token":"a","expires_in":-5}"#, "field `expires_in`"),
            (
                200,
                JSON,
                r#"{"access_token":"a","token_type":"mac"}"#,
                "field `token_type` is `mac`",
            ),
            (200, JSON, r#"{"access_token":"a","scope":7}"#, "field `scope`"),
            (200, JSON, r#"["a"]"#, "JSON that is not an object"),
            (200, JSON, r#"{"access_token":"#, "malformed JSON"),
            (500, JSON, r#"{"message":"boom"}"#, "HTTP 500 without an OAuth `error` field"),
            (200, "text/plain", "hello", "neither JSON nor a form"),
        ];
        for (status, content_type, body, expected) in table {
            let e = parse(*status, content_type, body).unwrap_err();
            assert!(matches!(e, Error::InvalidTokenResponse { .. }), "{body}: {e:?}");
            assert!(e.to_string().contains(expected), "{body}: {e}");
        }
    }

    #[test]
    fn sent_secrets_are_scrubbed_from_provider_messages() {
        let code = SecretString::from("canary-code-123");
        let body =
            br#"{"error":"invalid_request","reason":"Invalid authorization code canary-code-123"}"#;
        let answer = RawAnswer { status: 400, content_type: Some(JSON), body };
        let e = parse_token_response(answer, now(), " ", &[&code]).unwrap_err();
        assert!(!format!("{e} {e:?}").contains("canary"), "{e}");
        insta::assert_snapshot!(e.to_string());
    }
}
