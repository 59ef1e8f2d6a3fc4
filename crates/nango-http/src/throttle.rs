//! Proactive throttling per (key, rate-limit category) with governor.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::classify::RateLimitScope;
use crate::time::Clock;

/// A quota of one rate-limit category. Unset windows are unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quota {
    /// Requests per second.
    pub per_second: Option<u32>,
    /// Requests per minute.
    pub per_minute: Option<u32>,
    /// Requests per day (UTC day).
    pub per_day: Option<u32>,
}

/// Why [`Throttle::acquire`] refused to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// When the key may send again.
    pub until: SystemTime,
    /// Which limit blocks it.
    pub scope: RateLimitScope,
}

/// Limiters per (key, category): a key is typically an account or a connection.
#[derive(Debug)]
pub struct Throttle {
    clock: Arc<dyn Clock>,
}

impl Throttle {
    /// A throttle with no quotas (everything passes) reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock }
    }

    /// Sets the quota of `category` for every key.
    pub fn set_quota(&self, category: &str, quota: Quota) {
        let _ = (category, quota);
        todo!("nango-http throttle")
    }

    /// Waits until `key` may send one request of `category`. Fails at once with [`Blocked`]
    /// when the key is blocked (after a rate-limit response) past `deadline`.
    pub async fn acquire(
        &self,
        key: &str,
        category: &str,
        deadline: Option<Instant>,
    ) -> Result<Duration, Blocked> {
        let _ = (key, category, deadline, &self.clock);
        todo!("nango-http throttle")
    }

    /// Blocks `key` in `category` until `until`, after the server said so.
    pub fn block_until(&self, key: &str, category: &str, until: SystemTime, scope: RateLimitScope) {
        let _ = (key, category, until, scope);
        todo!("nango-http throttle")
    }
}
