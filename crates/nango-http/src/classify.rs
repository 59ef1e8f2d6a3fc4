//! How a provider's responses are read: the [`ProviderPolicy`] seam.

use std::fmt;
use std::time::SystemTime;

use http::{HeaderMap, Method, StatusCode};

/// Which limit a rate-limit response speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimitScope {
    /// A short window (per second or per minute): retry after a short backoff.
    PerSecond,
    /// A daily quota: never retried; later calls fail locally until the reset time.
    Daily,
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
}

/// Plain HTTP semantics: 2xx success; 408/500/502/503/504 transient; 429 rate limited (scope
/// unknown, `Retry-After` honoured); 401 auth rejected; the rest final.
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
        let retry_at = crate::retry::retry_after(headers, now_utc);
        match status.as_u16() {
            200..=299 => Classification::Success,
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
        let message = text("message").or_else(|| text("error_description")).or_else(|| text("reason"));
        let code = text("code").or_else(|| text("error"));
        if message.is_none() && code.is_none() {
            return None;
        }
        Some(ProviderError { code, message, field_errors: Vec::new(), request_id: self.request_id(headers) })
    }

    fn request_id(&self, headers: &HeaderMap) -> Option<String> {
        ["x-request-id", "x-amzn-requestid", "request-id"]
            .iter()
            .find_map(|name| headers.get(*name)?.to_str().ok().map(str::to_owned))
    }
}
