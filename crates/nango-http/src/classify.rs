//! How a provider's responses are read: the [`ProviderPolicy`] seam.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, Method, StatusCode};

/// Which limit a rate-limit response speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimitScope {
    /// A short window (per second or per minute): retry after a short backoff.
    PerSecond,
    /// A daily quota: never retried; later calls fail locally until the reset time.
    Daily,
    /// A daily cap of one resource (Zoom: 100 meeting creates and updates per host user a
    /// day): never retried before the reset, but not blocked locally, because requests on other
    /// resources of the same category are unaffected.
    DailyPerResource,
    /// The provider did not say which.
    Unknown,
}

/// What an HTTP response means for the retry loop and for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Classification {
    /// 2xx (or what the provider counts as success).
    Success,
    /// A transient failure (408, 500, 502, 503, 504): safe to retry for idempotent requests.
    /// `retry_at` comes from `Retry-After` when the server sent one.
    Transient {
        /// When the server asked us to come back, if it said.
        retry_at: Option<SystemTime>,
    },
    /// The provider refused because of a rate limit.
    RateLimited {
        /// Per-second or daily.
        scope: RateLimitScope,
        /// When the limit resets, if known.
        retry_at: Option<SystemTime>,
    },
    /// The credentials were rejected in a way a token refresh can fix (Zoom: 401 with code 124).
    AuthRejected,
    /// Anything else: returned to the caller as is.
    Final,
}

/// The provider's own description of an error, parsed from its body and headers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProviderError {
    /// The provider's error code (Zoom: the numeric `code`), as text.
    pub code: Option<String>,
    /// The provider's message.
    pub message: Option<String>,
    /// Field-level errors as `(field, message)`.
    pub field_errors: Vec<(String, String)>,
    /// The provider's request id (Zoom: `x-zm-trackingid`).
    pub request_id: Option<String>,
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, "{message} (code {code})")?,
            (None, Some(message)) => write!(f, "{message}")?,
            (Some(code), None) => write!(f, "code {code}")?,
            (None, None) => write!(f, "no details")?,
        }
        for (field, message) in &self.field_errors {
            write!(f, "; {field}: {message}")?;
        }
        Ok(())
    }
}

/// What a response says about the rate limit (remaining-count headers), so the throttle can pace
/// a key whose quota is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RateLimitSignal {
    /// The size of the window's quota, if sent.
    pub limit: Option<u32>,
    /// Requests left in the current window.
    pub remaining: Option<u32>,
    /// When the window resets, if sent.
    pub reset_at: Option<SystemTime>,
}

impl RateLimitSignal {
    /// A signal of `remaining` requests left, with the quota and reset time when known.
    pub fn new(limit: Option<u32>, remaining: Option<u32>, reset_at: Option<SystemTime>) -> Self {
        Self { limit, remaining, reset_at }
    }
}

/// How one provider's API behaves. `nango-zoom` implements it for Zoom; [`GenericPolicy`] reads
/// plain HTTP semantics.
pub trait ProviderPolicy: Send + Sync + fmt::Debug {
    /// The rate-limit category of a request (e.g. Zoom's `Light`), or `None` for the default.
    /// `path` is relative to the API base URL, without the query string.
    fn category(&self, method: &Method, path: &str) -> Option<String>;

    /// What a response means. The default reads plain HTTP semantics ([`GenericPolicy`]).
    fn classify(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        now_utc: SystemTime,
    ) -> Classification {
        GenericPolicy.classify(status, headers, body, now_utc)
    }

    /// What a response to `method api_path` means. Policies whose reading depends on the
    /// request (Zoom's unlabelled 429 on a meeting create) override this; the default is
    /// [`ProviderPolicy::classify`].
    fn classify_request(
        &self,
        method: &Method,
        api_path: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        now_utc: SystemTime,
    ) -> Classification {
        let _ = (method, api_path);
        self.classify(status, headers, body, now_utc)
    }

    /// The provider's error, for a non-success response.
    fn provider_error(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Option<ProviderError> {
        GenericPolicy.provider_error(status, headers, body)
    }

    /// The provider's request id header value, for logs.
    fn request_id(&self, headers: &HeaderMap) -> Option<String> {
        GenericPolicy.request_id(headers)
    }

    /// The rate-limit signal of a response, for pacing keys whose quota is unknown. The default
    /// reads `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (unix seconds,
    /// or seconds from now when small).
    fn rate_limit_signal(
        &self,
        headers: &HeaderMap,
        now_utc: SystemTime,
    ) -> Option<RateLimitSignal> {
        GenericPolicy.rate_limit_signal(headers, now_utc)
    }
}

/// Plain HTTP semantics: 2xx and 304 success; 408/500/502/503/504 transient; 429 rate limited
/// (scope unknown, `Retry-After` honoured); 401 auth rejected; the rest final.
#[derive(Debug, Default, Clone, Copy)]
pub struct GenericPolicy;

impl ProviderPolicy for GenericPolicy {
    fn category(&self, _method: &Method, _path: &str) -> Option<String> {
        None
    }

    fn classify(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        _body: &[u8],
        now_utc: SystemTime,
    ) -> Classification {
        // A success needs no Retry-After: the header is read only when the answer may be retried.
        // 304 answers a conditional request: the cached copy is current, nothing failed.
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Classification::Success;
        }
        let retry_at = crate::retry::retry_after(headers, now_utc);
        match status.as_u16() {
            408 | 500 | 502 | 503 | 504 => Classification::Transient { retry_at },
            429 => Classification::RateLimited { scope: RateLimitScope::Unknown, retry_at },
            401 => Classification::AuthRejected,
            _ => Classification::Final,
        }
    }

    fn provider_error(
        &self,
        _status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Option<ProviderError> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let text = |key: &str| {
            value.get(key).and_then(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let message =
            text("message").or_else(|| text("error_description")).or_else(|| text("reason"));
        let code = text("code").or_else(|| text("error"));
        if message.is_none() && code.is_none() {
            return None;
        }
        Some(ProviderError {
            code,
            message,
            field_errors: Vec::new(),
            request_id: self.request_id(headers),
        })
    }

    fn request_id(&self, headers: &HeaderMap) -> Option<String> {
        // Names built once, not parsed from text on every response.
        const NAMES: [HeaderName; 3] = [
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("x-amzn-requestid"),
            HeaderName::from_static("request-id"),
        ];
        let value = if headers.len() <= 16 {
            // One pass comparing names is cheaper than hashing three names that are usually
            // absent; the earliest name in `NAMES` wins, as with the lookups.
            let mut found: [Option<&http::HeaderValue>; 3] = [None; 3];
            for (name, value) in headers {
                if let Some(i) = NAMES.iter().position(|wanted| wanted == name) {
                    found[i].get_or_insert(value);
                }
            }
            found.into_iter().flatten().find(|value| value.to_str().is_ok())
        } else {
            NAMES.iter().filter_map(|name| headers.get(name)).find(|value| value.to_str().is_ok())
        };
        value.and_then(|value| value.to_str().ok()).map(str::to_owned)
    }

    fn rate_limit_signal(
        &self,
        headers: &HeaderMap,
        now_utc: SystemTime,
    ) -> Option<RateLimitSignal> {
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        let remaining = u32::try_from(number("x-ratelimit-remaining")?).ok()?;
        let limit = number("x-ratelimit-limit").and_then(|n| u32::try_from(n).ok());
        let reset_at = number("x-ratelimit-reset").map(|n| {
            // Providers send either a unix time or a delay; no delay is a billion seconds.
            if n >= 1_000_000_000 {
                (UNIX_EPOCH + Duration::from_secs(n)).max(now_utc)
            } else {
                now_utc + Duration::from_secs(n)
            }
        });
        Some(RateLimitSignal { limit, remaining: Some(remaining), reset_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), v.parse().unwrap())).collect()
    }

    #[test]
    fn generic_classification_table() {
        let now = UNIX_EPOCH;
        let class = |status: u16| {
            GenericPolicy.classify(
                StatusCode::from_u16(status).unwrap(),
                &HeaderMap::new(),
                b"",
                now,
            )
        };
        assert_eq!(class(200), Classification::Success);
        assert_eq!(class(204), Classification::Success);
        for status in [408, 500, 502, 503, 504] {
            assert_eq!(class(status), Classification::Transient { retry_at: None }, "{status}");
        }
        let limited =
            Classification::RateLimited { scope: RateLimitScope::Unknown, retry_at: None };
        assert_eq!(class(429), limited);
        assert_eq!(class(401), Classification::AuthRejected);
        for status in [301, 400, 403, 404, 409, 422, 501] {
            assert_eq!(class(status), Classification::Final, "{status}");
        }
    }

    #[test]
    fn provider_errors_from_json_bodies() {
        let body = br#"{"code": 124, "message": "Invalid access token."}"#;
        let error = GenericPolicy
            .provider_error(StatusCode::UNAUTHORIZED, &headers(&[("x-request-id", "r1")]), body)
            .unwrap();
        assert_eq!(error.to_string(), "Invalid access token. (code 124)");
        assert_eq!(error.request_id.as_deref(), Some("r1"));
        assert_eq!(
            GenericPolicy.provider_error(StatusCode::BAD_REQUEST, &HeaderMap::new(), b"<html>"),
            None
        );
    }

    #[test]
    fn rate_limit_signal_reads_unix_and_delta_resets() {
        let now = UNIX_EPOCH + Duration::from_secs(1_796_317_200);
        let unix = headers(&[
            ("x-ratelimit-limit", "30"),
            ("x-ratelimit-remaining", "7"),
            ("x-ratelimit-reset", "1796317205"),
        ]);
        let signal = GenericPolicy.rate_limit_signal(&unix, now).unwrap();
        assert_eq!(
            signal,
            RateLimitSignal::new(Some(30), Some(7), Some(now + Duration::from_secs(5)))
        );
        let delta = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "2")]);
        let signal = GenericPolicy.rate_limit_signal(&delta, now).unwrap();
        assert_eq!(signal.reset_at, Some(now + Duration::from_secs(2)));
        assert_eq!(GenericPolicy.rate_limit_signal(&HeaderMap::new(), now), None);
    }
}
