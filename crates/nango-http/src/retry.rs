//! Retry policy, full-jitter backoff and `Retry-After` parsing.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// Where the randomness of backoff comes from. [`RandomJitter`] at run time; tests pin it.
pub trait Jitter: Send + Sync + fmt::Debug {
    /// A uniformly distributed fraction in `[0, 1)`.
    fn fraction(&self) -> f64;
}

/// Thread-local randomness from `rand`.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomJitter;

impl Jitter for RandomJitter {
    fn fraction(&self) -> f64 {
        rand::random::<f64>()
    }
}

/// How a client retries. Defaults: 4 attempts, 200 ms base, 10 s cap, 60 s deadline per request.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Maximum attempts per request, the first included. Default 4.
    pub max_attempts: u32,
    /// Base delay of the exponential backoff. Default 200 ms.
    pub base_delay: Duration,
    /// Cap of one backoff wait, and of a `Retry-After` we are willing to sleep. Default 10 s.
    pub max_delay: Duration,
    /// Deadline of one request measured from its start, all attempts and waits included.
    /// Default 60 s.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Full-jitter backoff before attempt `attempt + 1` (attempt counts from 1):
    /// `random(0, min(cap, base * 2^(attempt-1)))`.
    pub fn backoff(&self, attempt: u32, jitter: &dyn Jitter) -> Duration {
        let exp = 2u32.saturating_pow(attempt.saturating_sub(1));
        let ceiling = self.base_delay.saturating_mul(exp).min(self.max_delay);
        ceiling.mul_f64(jitter.fraction().clamp(0.0, 1.0))
    }
}

/// Reads `Retry-After` as delay seconds, an HTTP-date or an RFC 3339 timestamp (Zoom's form).
/// Returns the absolute time to retry at; a time in the past means now; garbage gives `None`.
pub fn retry_after(headers: &HeaderMap, now_utc: SystemTime) -> Option<SystemTime> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    parse_retry_after(value, now_utc)
}

/// Parses one `Retry-After` value; see [`retry_after`].
pub fn parse_retry_after(value: &str, now_utc: SystemTime) -> Option<SystemTime> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(now_utc + Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(value).ok().map(SystemTime::from)
    })?;
    Some(at.max(now_utc))
}
