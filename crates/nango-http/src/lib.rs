//! Provider-neutral resilient HTTP for nango.
//!
//! [`HttpClient`] sends requests with timeouts, classifies every outcome through a
//! [`ProviderPolicy`], retries what is safe to retry with full-jitter exponential backoff inside a
//! per-request deadline, honours `Retry-After`, and throttles per (key, rate-limit category) with
//! governor before sending. Time and randomness are injected ([`time::Clock`], [`Jitter`]), so
//! its behaviour is tested without sleeping.
#![forbid(unsafe_code)]

pub mod classify;
pub mod client;
pub mod error;
pub mod redact;
pub mod retry;
pub mod throttle;
pub mod time;

pub use classify::{Classification, GenericPolicy, ProviderError, ProviderPolicy, RateLimitScope};
pub use client::{HttpClient, HttpClientBuilder, Idempotency, RequestContext, Response};
pub use error::{HttpError, HttpErrorKind};
pub use retry::{Jitter, RandomJitter, RetryPolicy};
pub use throttle::{Quota, Throttle};
pub use time::{Clock, ManualClock, SystemClock};
