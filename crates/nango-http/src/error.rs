//! The error of a request sent through [`crate::HttpClient`].

use std::fmt;
use std::time::SystemTime;

use http::StatusCode;

use crate::classify::{ProviderError, RateLimitScope};

/// What went wrong, in kinds a caller can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// The request could not be built (bad URL, unclonable body).
    InvalidRequest,
    /// The connection failed before the request was sent.
    Connect,
    /// No answer within the timeout. `sent` tells whether the request may have been processed.
    Timeout {
        /// Whether the request had been sent when the timeout fired.
        sent: bool,
    },
    /// The server answered with a status that is not success after all retries allowed.
    Status,
    /// The provider's rate limit refused the request, or a known limit blocks it locally until
    /// `retry_at`.
    RateLimited {
        /// Per-second or daily.
        scope: RateLimitScope,
    },
    /// The credentials were rejected (refreshing the token may fix it).
    AuthRejected,
    /// The per-request deadline ran out, or the next wait would pass it.
    DeadlineExceeded,
    /// The client's shared retry budget is spent: an outage is not multiplied by retries.
    RetryBudgetExhausted,
    /// Reading the body failed, or another transport error.
    Transport,
}

/// The error of one request: its kind, the attempts made, the last status and the provider's
/// message. Never contains a secret or a token-bearing URL.
#[derive(Debug, Clone)]
pub struct HttpError {
    // Boxed so that `Result<T, HttpError>` stays small on the happy path.
    inner: Box<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    kind: HttpErrorKind,
    method: String,
    path: String,
    attempts: u32,
    status: Option<StatusCode>,
    provider: Option<ProviderError>,
    retry_at: Option<SystemTime>,
    body: Option<bytes::Bytes>,
    detail: Option<String>,
}

impl HttpError {
    /// A new error. `path` must be redacted already (no secret query parameters).
    pub fn new(kind: HttpErrorKind, method: &str, path: &str) -> Self {
        let inner = Inner {
            kind,
            method: method.to_owned(),
            path: path.to_owned(),
            attempts: 0,
            status: None,
            provider: None,
            retry_at: None,
            body: None,
            detail: None,
        };
        Self { inner: Box::new(inner) }
    }

    /// Sets how many attempts were made.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    /// Sets the last HTTP status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Sets the provider's error.
    pub fn with_provider_error(mut self, provider: Option<ProviderError>) -> Self {
        self.inner.provider = provider;
        self
    }

    /// Sets when a retry could succeed.
    pub fn with_retry_at(mut self, retry_at: Option<SystemTime>) -> Self {
        self.inner.retry_at = retry_at;
        self
    }

    /// Keeps the last response body, for callers that want to show it.
    pub fn with_body(mut self, body: bytes::Bytes) -> Self {
        self.inner.body = Some(body);
        self
    }

    /// Adds a short human detail (never a secret); a second detail is appended to the first.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        self.inner.detail = Some(match self.inner.detail.take() {
            Some(first) => format!("{first}; {detail}"),
            None => detail,
        });
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> &HttpErrorKind {
        &self.inner.kind
    }

    /// The request's HTTP method.
    pub fn method(&self) -> &str {
        &self.inner.method
    }

    /// Attempts made before giving up.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The last HTTP status, if any response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The provider's error code and message, if it sent one.
    pub fn provider_error(&self) -> Option<&ProviderError> {
        self.inner.provider.as_ref()
    }

    /// When a retry could succeed (from `Retry-After` or a known reset time).
    pub fn retry_after(&self) -> Option<SystemTime> {
        self.inner.retry_at
    }

    /// The last response body, if any.
    pub fn body(&self) -> Option<&[u8]> {
        self.inner.body.as_deref()
    }

    /// Whether trying the same request later may succeed.
    pub fn is_retryable(&self) -> bool {
        match &self.inner.kind {
            HttpErrorKind::Connect
            | HttpErrorKind::Timeout { .. }
            | HttpErrorKind::DeadlineExceeded
            | HttpErrorKind::RetryBudgetExhausted
            | HttpErrorKind::Transport
            | HttpErrorKind::RateLimited { .. } => true,
            HttpErrorKind::Status => self
                .inner
                .status
                .is_some_and(|s| matches!(s.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)),
            HttpErrorKind::InvalidRequest | HttpErrorKind::AuthRejected => false,
        }
    }

    /// Whether the credentials were rejected.
    pub fn is_auth_rejected(&self) -> bool {
        self.inner.kind == HttpErrorKind::AuthRejected
    }

    /// Whether a rate limit refused the request.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.inner.kind, HttpErrorKind::RateLimited { .. })
    }

    /// Whether the failure is on the network (connect, timeout, transport).
    pub fn is_network(&self) -> bool {
        matches!(
            self.inner.kind,
            HttpErrorKind::Connect | HttpErrorKind::Timeout { .. } | HttpErrorKind::Transport
        )
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (method, path) = (&self.inner.method, &self.inner.path);
        match &self.inner.kind {
            HttpErrorKind::InvalidRequest => write!(f, "{method} {path}: the request is invalid")?,
            HttpErrorKind::Connect => write!(f, "{method} {path}: could not connect")?,
            HttpErrorKind::Timeout { sent } => {
                let when = if *sent { "after the request was sent" } else { "before it was sent" };
                write!(f, "{method} {path}: timed out {when}")?
            }
            HttpErrorKind::Status => {
                write!(f, "{method} {path}: the server answered with an error")?
            }
            HttpErrorKind::RateLimited { scope } => {
                let which = match scope {
                    RateLimitScope::Daily => "daily ",
                    RateLimitScope::DailyPerResource => "daily per-resource ",
                    RateLimitScope::PerSecond => "per-second ",
                    RateLimitScope::Unknown => "",
                };
                write!(f, "{method} {path}: {which}rate limit reached")?
            }
            HttpErrorKind::AuthRejected => {
                write!(f, "{method} {path}: the credentials were rejected")?
            }
            HttpErrorKind::DeadlineExceeded => write!(f, "{method} {path}: the deadline ran out")?,
            HttpErrorKind::RetryBudgetExhausted => {
                write!(f, "{method} {path}: the retry budget is spent")?
            }
            HttpErrorKind::Transport => write!(f, "{method} {path}: transport error")?,
        }
        if let Some(status) = self.inner.status {
            write!(f, " (HTTP {}", status.as_u16())?;
            if let Some(provider) = &self.inner.provider {
                write!(f, ": {provider}")?;
            }
            write!(f, ")")?;
        }
        if let Some(detail) = &self.inner.detail {
            write!(f, ": {detail}")?;
        }
        if let Some(at) = self.inner.retry_at {
            let at: chrono::DateTime<chrono::Utc> = at.into();
            write!(f, "; retry after {}", at.format("%Y-%m-%dT%H:%M:%SZ"))?;
        }
        if self.inner.attempts > 1 {
            write!(f, " [{} attempts]", self.inner.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for HttpError {}
