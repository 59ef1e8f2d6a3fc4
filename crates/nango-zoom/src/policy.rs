//! [`ZoomPolicy`]: how nango-http reads Zoom's responses.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};
use nango_http::{Classification, ProviderError, ProviderPolicy, RateLimitScope};

use crate::catalog::{Catalog, DEFAULT_CATEGORY};

/// Zoom's request id header.
pub const TRACKING_ID_HEADER: &str = "x-zm-trackingid";

/// Zoom error code: invalid or expired access token (refresh once, then replay).
pub const CODE_INVALID_TOKEN: i64 = 124;
/// Zoom error codes: the token lacks a scope (never retried; the app needs the scope).
pub const CODES_MISSING_SCOPE: &[i64] = &[4700, 4711];

/// Zoom's behaviour for nango-http: categories from the endpoint catalogue, `{code, message}`
/// errors, `X-RateLimit-Type` (per-second vs daily) and `Retry-After` as an RFC 3339 date.
#[derive(Debug, Default, Clone, Copy)]
pub struct ZoomPolicy;

impl ProviderPolicy for ZoomPolicy {
    fn category(&self, method: &Method, path: &str) -> Option<String> {
        match Catalog::embedded().lookup(method.as_str(), path) {
            Some(op) => Some(op.category.clone().unwrap_or_else(|| DEFAULT_CATEGORY.to_owned())),
            None => {
                tracing::debug!(%method, path, category = DEFAULT_CATEGORY, "path not in Zoom's catalogue");
                Some(DEFAULT_CATEGORY.to_owned())
            }
        }
    }

    fn classify(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        now_utc: SystemTime,
    ) -> Classification {
        let code = zoom_code(body);
        match status.as_u16() {
            200..=299 => Classification::Success,
            401 if code == Some(CODE_INVALID_TOKEN) => Classification::AuthRejected,
            429 => classify_rate_limit(headers, now_utc),
            408 | 500 | 502 | 503 | 504 => Classification::Transient {
                retry_at: nango_http::retry::retry_after(headers, now_utc),
            },
            _ => Classification::Final,
        }
    }

    fn classify_request(
        &self,
        method: &Method,
        api_path: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        now_utc: SystemTime,
    ) -> Classification {
        let unlabelled = !headers.contains_key("x-ratelimit-type");
        if status == StatusCode::TOO_MANY_REQUESTS && unlabelled && is_host_capped(method, api_path)
        {
            return Classification::RateLimited {
                scope: RateLimitScope::DailyPerResource,
                retry_at: Some(next_utc_midnight(now_utc)),
            };
        }
        self.classify(status, headers, body, now_utc)
    }

    fn provider_error(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Option<ProviderError> {
        let mut error = nango_http::GenericPolicy.provider_error(status, headers, body)?;
        error.request_id = self.request_id(headers);
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
            let fields = value.get("errors").and_then(|e| e.as_array()).into_iter().flatten();
            error.field_errors = fields
                .filter_map(|e| {
                    let field = e.get("field")?.as_str()?.to_owned();
                    let message = e.get("message").and_then(|m| m.as_str()).unwrap_or("invalid");
                    Some((field, message.to_owned()))
                })
                .collect();
        }
        Some(error)
    }

    fn request_id(&self, headers: &HeaderMap) -> Option<String> {
        headers.get(TRACKING_ID_HEADER)?.to_str().ok().map(str::to_owned)
    }
}

/// Operations under Zoom's per-host cap of 100 meeting (and webinar) creates and updates a
/// day. Zoom answers that cap with a 429 that carries no `X-RateLimit-Type`.
const HOST_CAPPED: &[(&str, &str)] = &[
    ("POST", "/users/{userId}/meetings"),
    ("PATCH", "/meetings/{meetingId}"),
    ("POST", "/users/{userId}/webinars"),
    ("PATCH", "/webinars/{webinarId}"),
];

fn is_host_capped(method: &Method, api_path: &str) -> bool {
    Catalog::embedded()
        .lookup(method.as_str(), api_path)
        .is_some_and(|op| HOST_CAPPED.iter().any(|(m, p)| op.method == *m && op.path == *p))
}

/// Zoom's numeric error `code` from an error body.
pub fn zoom_code(body: &[u8]) -> Option<i64> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    match value.get("code")? {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A 429: `X-RateLimit-Type: Daily-limit` is daily (reset at `Retry-After`, else the next
/// 00:00 UTC); `QPS` or `Per-second-limit` is per-second; no header is unknown.
fn classify_rate_limit(headers: &HeaderMap, now_utc: SystemTime) -> Classification {
    let kind = headers
        .get("x-ratelimit-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase());
    let retry_at = nango_http::retry::retry_after(headers, now_utc);
    match kind.as_deref() {
        Some("daily-limit") => Classification::RateLimited {
            scope: RateLimitScope::Daily,
            retry_at: Some(retry_at.unwrap_or_else(|| next_utc_midnight(now_utc))),
        },
        Some("qps") | Some("per-second-limit") => {
            Classification::RateLimited { scope: RateLimitScope::PerSecond, retry_at }
        }
        _ => Classification::RateLimited { scope: RateLimitScope::Unknown, retry_at },
    }
}

/// The next 00:00:00 UTC after `now`: when Zoom's daily limits reset.
pub fn next_utc_midnight(now: SystemTime) -> SystemTime {
    const DAY: u64 = 86_400;
    let since_epoch = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs();
    SystemTime::UNIX_EPOCH + Duration::from_secs((since_epoch / DAY + 1) * DAY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn at(rfc3339: &str) -> SystemTime {
        chrono::DateTime::parse_from_rfc3339(rfc3339).expect("valid date").into()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("valid header"));
        }
        map
    }

    #[test]
    fn code_124_is_an_auth_rejection_other_401s_are_final() {
        let now = at("2026-12-03T10:00:00Z");
        let expired = br#"{"code":124,"message":"Access token is expired."}"#;
        let scope =
            br#"{"code":4711,"message":"Invalid access token, does not contain scopes:[x]."}"#;
        let s401 = StatusCode::UNAUTHORIZED;
        assert_eq!(
            ZoomPolicy.classify(s401, &HeaderMap::new(), expired, now),
            Classification::AuthRejected
        );
        assert_eq!(ZoomPolicy.classify(s401, &HeaderMap::new(), scope, now), Classification::Final);
    }

    #[test]
    fn daily_429_resets_at_retry_after_or_midnight() {
        let now = at("2026-12-03T10:00:00Z");
        let h = headers(&[
            ("x-ratelimit-type", "Daily-limit"),
            ("retry-after", "2026-12-04T00:00:00Z"),
        ]);
        let expected = Classification::RateLimited {
            scope: RateLimitScope::Daily,
            retry_at: Some(at("2026-12-04T00:00:00Z")),
        };
        assert_eq!(ZoomPolicy.classify(StatusCode::TOO_MANY_REQUESTS, &h, b"{}", now), expected);
        let h = headers(&[("x-ratelimit-type", "Daily-limit")]);
        assert_eq!(ZoomPolicy.classify(StatusCode::TOO_MANY_REQUESTS, &h, b"{}", now), expected);
    }

    #[test]
    fn per_second_429_is_retryable_scope() {
        let now = at("2026-12-03T10:00:00Z");
        for kind in ["QPS", "Per-second-limit"] {
            let h = headers(&[("x-ratelimit-type", kind)]);
            let got = ZoomPolicy.classify(StatusCode::TOO_MANY_REQUESTS, &h, b"{}", now);
            assert_eq!(
                got,
                Classification::RateLimited { scope: RateLimitScope::PerSecond, retry_at: None }
            );
        }
    }

    #[test]
    fn errors_carry_code_message_fields_and_tracking_id() {
        let h = headers(&[(TRACKING_ID_HEADER, "v=2.0;clid=us02;rid=WEB_1")]);
        let body = br#"{"code":300,"message":"Validation Failed.","errors":[{"field":"user_info.email","message":"Invalid field."}]}"#;
        let error = ZoomPolicy.provider_error(StatusCode::BAD_REQUEST, &h, body).expect("parsed");
        assert_eq!(error.code.as_deref(), Some("300"));
        assert_eq!(error.request_id.as_deref(), Some("v=2.0;clid=us02;rid=WEB_1"));
        assert_eq!(
            error.to_string(),
            "Validation Failed. (code 300); user_info.email: Invalid field."
        );
    }

    #[test]
    fn an_unlabelled_429_on_a_meeting_create_is_the_per_host_daily_cap() {
        let now = at("2026-12-03T10:00:00Z");
        let body = br#"{"code":429,"message":"You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."}"#;
        let status = StatusCode::TOO_MANY_REQUESTS;
        let none = HeaderMap::new();
        let capped = ZoomPolicy.classify_request(
            &Method::POST,
            "/users/me/meetings",
            status,
            &none,
            body,
            now,
        );
        let expected = Classification::RateLimited {
            scope: RateLimitScope::DailyPerResource,
            retry_at: Some(at("2026-12-04T00:00:00Z")),
        };
        assert_eq!(capped, expected);
        let patch =
            ZoomPolicy.classify_request(&Method::PATCH, "/meetings/123", status, &none, body, now);
        assert_eq!(patch, expected);
        let read = ZoomPolicy.classify_request(
            &Method::GET,
            "/users/me/meetings",
            status,
            &none,
            body,
            now,
        );
        assert_ne!(read, expected, "reads are not under the per-host cap");
        let qps = headers(&[("x-ratelimit-type", "QPS")]);
        let labelled = ZoomPolicy.classify_request(
            &Method::POST,
            "/users/me/meetings",
            status,
            &qps,
            body,
            now,
        );
        assert_eq!(
            labelled,
            Classification::RateLimited { scope: RateLimitScope::PerSecond, retry_at: None }
        );
    }

    #[test]
    fn midnight_is_the_next_utc_day() {
        assert_eq!(next_utc_midnight(at("2026-12-03T23:59:59Z")), at("2026-12-04T00:00:00Z"));
        assert_eq!(next_utc_midnight(at("2026-12-04T00:00:00Z")), at("2026-12-05T00:00:00Z"));
    }
}
