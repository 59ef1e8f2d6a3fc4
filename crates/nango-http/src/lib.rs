//! Provider-neutral resilient HTTP for nango.
//!
//! [`HttpClient`] sends requests with timeouts, classifies every outcome through a
//! [`ProviderPolicy`], retries what is safe to retry with full-jitter exponential backoff inside a
//! per-request deadline, honours `Retry-After`, and throttles per (key, rate-limit category) with
//! GCRA slot reservations before sending. Time and randomness are injected ([`time::Clock`], [`Jitter`]), so
//! its behaviour is tested without sleeping.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use nango_http::{HttpClient, Quota, RequestContext, RetryPolicy};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = HttpClient::builder()
//!     .retry(RetryPolicy { max_attempts: 3, ..RetryPolicy::default() })
//!     .request_timeout(Duration::from_secs(10))
//!     .quota("Light", Quota::per_second(30))
//!     .build()?;
//!
//! let url = url::Url::parse("https://api.example.com/v2/users/me")?;
//! let request = client.request(http::Method::GET, url).bearer_auth("token").build()?;
//! let ctx = RequestContext::new()
//!     .with_throttle_key("account-1")
//!     .with_category("Light")
//!     .with_api_path("/users/me");
//! let response = client.send(request, &ctx).await?;
//! println!("{} after {} attempt(s)", response.status, response.attempts);
//! # Ok(())
//! # }
//! ```
//!
//! # Retry rules
//! - GET, HEAD, OPTIONS, PUT and DELETE are retried after timeouts and transient statuses (408,
//!   500, 502, 503, 504). POST and PATCH are retried only when the request provably was not
//!   processed (a connect error, a 429, a 503 with `Retry-After`), or when the caller says
//!   [`Idempotency::Idempotent`].
//! - Waits are `max(server wait, floor) + full-jitter backoff`, where the floor is 1 s after a
//!   per-second 429. A wait longer than [`RetryPolicy::max_delay`] or past the deadline is not
//!   slept: the call fails at once and [`HttpError::retry_after`] says when to come back.
//! - A daily 429 is never retried; the key and category are blocked in the [`Throttle`] until the
//!   reset, so later calls fail locally without a request.
//! - Every retry spends from the client's [`RetryBudget`]; successes refill it.
//!
//! # Timeouts
//! Each attempt is bounded by the request timeout, from sending to the end of the body, in wall
//! time. The attempts of a client share one deadline queue, and one background thread per
//! process (`nango-http-timeouts`, started with the first client) wakes those that reach their
//! deadline, so an attempt costs no timer of the runtime's; see `docs/architecture.md`.
#![forbid(unsafe_code)]

pub mod classify;
pub mod client;
pub mod error;
pub mod redact;
pub mod retry;
pub mod throttle;
pub mod time;
mod timeout;

pub use classify::{
    Classification, GenericPolicy, ProviderError, ProviderPolicy, RateLimitScope, RateLimitSignal,
};
pub use client::{HttpClient, HttpClientBuilder, Idempotency, RequestContext, Response};
pub use error::{HttpError, HttpErrorKind};
pub use retry::{FixedJitter, Jitter, RandomJitter, RetryBudget, RetryPolicy};
pub use throttle::{Blocked, Quota, Throttle};
pub use time::{Clock, ManualClock, SystemClock};
