//! Retry policy, full-jitter backoff, `Retry-After` parsing and the shared retry budget.

mod after;
mod budget;
mod policy;

pub use after::{parse_retry_after, retry_after};
pub use budget::RetryBudget;
pub use policy::{FixedJitter, Jitter, RandomJitter, RetryPolicy};
