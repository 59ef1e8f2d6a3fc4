//! Proactive throttling per (key, rate-limit category).
//!
//! Each category has GCRA windows (per second, per minute) keyed by the throttle key, and a
//! daily counter per UTC day. An acquisition reserves the key's next slot in every window at
//! once and sleeps until it with [`Clock::sleep`], so tests of spacing run in virtual time, and
//! a late wake-up never shifts the slots after it (see `gcra`). After a rate-limit
//! response the client blocks the key with [`Throttle::block_until`]: callers of a daily block
//! fail at once, callers of a shorter block wait for its end together. Categories without a
//! quota learn a pace from the server's signals (429s, remaining-count headers).
//!
//! Limitation: the state lives in one process. Two processes sharing an account each throttle to
//! the full quota, because nothing coordinates them; run one job per account, or divide quotas.

mod adaptive;
mod blocks;
mod category;
mod daily;
mod gcra;

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use tracing::debug;

use crate::classify::{RateLimitScope, RateLimitSignal};
use crate::time::Clock;
use adaptive::Adaptive;
use blocks::Blocks;
use category::CategoryLimiters;
pub(crate) use daily::next_utc_midnight;

/// How many acquisitions pass between two evictions of idle keys.
const EVICT_EVERY: u64 = 4096;

/// A quota of one rate-limit category. Unset windows are unlimited; a window of 0 is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quota {
    /// Requests per second.
    pub per_second: Option<u32>,
    /// Requests per minute.
    pub per_minute: Option<u32>,
    /// Requests per day (UTC day).
    pub per_day: Option<u32>,
}

impl Quota {
    /// `n` requests per second.
    pub fn per_second(n: u32) -> Self {
        Self { per_second: Some(n), ..Self::default() }
    }

    /// `n` requests per minute.
    pub fn per_minute(n: u32) -> Self {
        Self { per_minute: Some(n), ..Self::default() }
    }

    /// Adds a daily quota of `n` requests per UTC day.
    pub fn and_per_day(mut self, n: u32) -> Self {
        self.per_day = Some(n);
        self
    }
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
///
/// Memory stays bounded when keys are many: every few thousand acquisitions (and on
/// [`Throttle::evict_idle`]) keys whose state is indistinguishable from a fresh one are dropped.
pub struct Throttle {
    clock: Arc<dyn Clock>,
    /// Where the windows count time from.
    epoch: Instant,
    categories: RwLock<HashMap<String, Arc<CategoryLimiters>>>,
    default_quota: RwLock<Option<(Quota, NonZeroU32)>>,
    blocks: Blocks,
    adaptive: Adaptive,
    acquisitions: AtomicU64,
    next_eviction: AtomicU64,
}

/// Remaining-count signals with a reset further away than this are not used for pacing: spreading
/// a daily allowance over hours would slow a job down for nothing.
const PACING_WINDOW: Duration = Duration::from_secs(60);

impl Throttle {
    /// A throttle with no quotas (everything passes) reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            epoch: clock.now(),
            clock,
            categories: RwLock::new(HashMap::new()),
            default_quota: RwLock::new(None),
            blocks: Blocks::default(),
            adaptive: Adaptive::default(),
            acquisitions: AtomicU64::new(0),
            next_eviction: AtomicU64::new(EVICT_EVERY),
        }
    }

    /// Sets the quota of `category` for every key, with no burst: requests are evenly spaced,
    /// so no sliding window holds more than the quota. Replaces (and resets) an earlier quota.
    pub fn set_quota(&self, category: &str, quota: Quota) {
        self.set_quota_with_burst(category, quota, NonZeroU32::MIN);
    }

    /// Sets the quota of `category` allowing up to `burst` requests at once. The burst is
    /// capped at each window's count, and steady spacing is slowed so that no sliding window
    /// ever holds more than the quota.
    pub fn set_quota_with_burst(&self, category: &str, quota: Quota, burst: NonZeroU32) {
        let limiters = CategoryLimiters::new(quota, burst, false, self.epoch);
        self.write_categories().insert(category.to_owned(), Arc::new(limiters));
    }

    /// The quota for categories that have none of their own; `None` leaves them unlimited.
    pub fn set_default_quota(&self, quota: Option<Quota>) {
        *self.default_quota.write().unwrap_or_else(|p| p.into_inner()) =
            quota.map(|q| (q, NonZeroU32::MIN));
        self.write_categories().retain(|_, limiters| !limiters.from_default);
    }

    /// The quota in force for `category` (its own, else the default).
    pub fn quota(&self, category: &str) -> Option<Quota> {
        if let Some(limiters) = self.read_categories().get(category) {
            return Some(limiters.quota);
        }
        self.default_quota.read().unwrap_or_else(|p| p.into_inner()).map(|(q, _)| q)
    }

    /// Waits until `key` may send one request of `category`, and returns how long it waited.
    ///
    /// A block the server sets while the caller waits (a 429 answered to another caller of the
    /// key) applies to it too: after its wait it looks at the blocks again, and waits out a
    /// per-second block and then for a fresh slot, so the callers queued behind a 429 do not
    /// reach the server before its reset.
    ///
    /// # Errors
    /// [`Blocked`] at once, without waiting, when the key is blocked by a daily limit, has used
    /// its daily quota, or would have to wait past `deadline`.
    pub async fn acquire(
        &self,
        key: &str,
        category: &str,
        deadline: Option<Instant>,
    ) -> Result<Duration, Blocked> {
        self.housekeeping();
        let start = self.clock.now();
        loop {
            self.wait_out_block(key, category, deadline).await?;
            let limiters = self.wait_for_slot(key, category, deadline).await?;
            if self.blocks.get(key, category, self.clock.now_utc()).is_some() {
                debug!(key, category, "throttle: blocked by the server while waiting; again");
                continue;
            }
            if let Some(daily) = limiters.as_ref().and_then(|limiters| limiters.daily.as_ref()) {
                daily.take(key, self.clock.now_utc()).map_err(daily_blocked)?;
            }
            return Ok(self.clock.now().saturating_duration_since(start));
        }
    }

    /// Sleeps until the server's block of `key` in `category` ends, if it has one and that fits
    /// the deadline; a daily block fails at once.
    async fn wait_out_block(
        &self,
        key: &str,
        category: &str,
        deadline: Option<Instant>,
    ) -> Result<(), Blocked> {
        let Some((until, scope)) = self.blocks.get(key, category, self.clock.now_utc()) else {
            return Ok(());
        };
        let wait = until.duration_since(self.clock.now_utc()).unwrap_or_default();
        if scope == RateLimitScope::Daily || !self.fits(wait, deadline) {
            debug!(key, category, ?scope, wait_ms = wait.as_millis() as u64, "throttle: blocked");
            return Err(Blocked { until, scope });
        }
        debug!(key, category, wait_ms = wait.as_millis() as u64, "throttle: waiting for block");
        self.clock.sleep(wait).await;
        Ok(())
    }

    /// Sleeps until the next slot of `key` in `category`'s windows (or its adaptive pace when
    /// the category has no quota); returns the category's limiters, whose daily quota (if any)
    /// the caller charges once it knows the request may go.
    async fn wait_for_slot(
        &self,
        key: &str,
        category: &str,
        deadline: Option<Instant>,
    ) -> Result<Option<Arc<CategoryLimiters>>, Blocked> {
        let Some(limiters) = self.limiters(category) else {
            self.adaptive_wait(key, category, deadline).await?;
            return Ok(None);
        };
        if let Some(daily) = &limiters.daily {
            daily.check(key, self.clock.now_utc()).map_err(daily_blocked)?;
        }

        // The slot is reserved in every window at once, or in none when it passes the deadline.
        let now = self.clock.now();
        let max_wait = deadline.map(|d| d.saturating_duration_since(now));
        match limiters.windows.reserve(key, now, max_wait) {
            Ok(wait) if wait.is_zero() => {}
            Ok(wait) => {
                debug!(key, category, wait_ms = wait.as_millis() as u64, "throttle: spacing");
                self.clock.sleep(wait).await;
            }
            Err(wait) => {
                let until = self.clock.now_utc() + wait;
                return Err(Blocked { until, scope: RateLimitScope::PerSecond });
            }
        }
        Ok(Some(limiters))
    }

    /// Blocks `key` in `category` until `until`, after the server said so.
    pub fn block_until(&self, key: &str, category: &str, until: SystemTime, scope: RateLimitScope) {
        debug!(key, category, ?scope, "throttle: key blocked by the server");
        self.blocks.block(key, category, until, scope);
    }

    /// Feeds back a response's remaining-count signal. No requests left until a known reset
    /// blocks the key until then, whatever the quota. When `category` has no quota, a short
    /// reset window paces the key so that the requests left spread over the time left.
    pub fn observe_signal(&self, key: &str, category: &str, signal: &RateLimitSignal) {
        let (Some(remaining), Some(reset_at)) = (signal.remaining, signal.reset_at) else {
            return;
        };
        let Ok(window) = reset_at.duration_since(self.clock.now_utc()) else {
            return;
        };
        if remaining == 0 && !window.is_zero() {
            debug!(key, category, wait_ms = window.as_millis() as u64, "throttle: none left");
            self.blocks.block(key, category, reset_at, RateLimitScope::Unknown);
        } else if window <= PACING_WINDOW && self.quota(category).is_none() {
            self.adaptive.pace_to(key, category, self.clock.now(), remaining, window);
        }
    }

    /// Feeds back the outcome of a request of a category without a quota: a rate-limit refusal
    /// starts pacing the key (or halves its pace); a success speeds the pace up a little.
    pub fn observe_outcome(&self, key: &str, category: &str, rate_limited: bool) {
        if self.quota(category).is_some() {
            return;
        }
        if rate_limited {
            self.adaptive.decrease(key, category, self.clock.now());
            let rate = self.adaptive.rate(key, category).unwrap_or_default();
            debug!(key, category, rate, "throttle: rate limited, pace lowered");
        } else {
            self.adaptive.increase(key, category);
        }
    }

    /// The pace learned for (key, category) in requests per second, if it is paced.
    pub fn learned_rate(&self, key: &str, category: &str) -> Option<f64> {
        self.adaptive.rate(key, category)
    }

    /// Drops the state of idle keys: limiter state indistinguishable from a fresh key, daily
    /// counts of past days, and blocks that have ended. Runs by itself every few thousand
    /// acquisitions.
    pub fn evict_idle(&self) {
        let (now, now_utc) = (self.clock.now(), self.clock.now_utc());
        let categories: Vec<_> = self.read_categories().values().cloned().collect();
        for limiters in categories {
            limiters.evict_idle(now, now_utc);
        }
        self.blocks.evict_idle(now_utc);
        self.adaptive.evict_idle(self.clock.now());
    }

    /// How many (key, window) states the throttle holds, blocks included: a measure of memory.
    pub fn tracked_keys(&self) -> usize {
        let limiters: usize = self.read_categories().values().map(|l| l.len()).sum();
        limiters + self.blocks.len() + self.adaptive.len()
    }

    /// Evicts idle keys every [`EVICT_EVERY`] acquisitions, or less often when many keys stay
    /// live, so that the cost of eviction per acquisition stays constant.
    fn housekeeping(&self) {
        let n = self.acquisitions.fetch_add(1, Ordering::Relaxed) + 1;
        let due = self.next_eviction.load(Ordering::Relaxed);
        if n < due {
            return;
        }
        let later = n + EVICT_EVERY;
        if self
            .next_eviction
            .compare_exchange(due, later, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            self.evict_idle();
            let live = u64::try_from(self.tracked_keys()).unwrap_or(u64::MAX);
            self.next_eviction.store(n.saturating_add(live.max(EVICT_EVERY)), Ordering::Relaxed);
        }
    }

    async fn adaptive_wait(
        &self,
        key: &str,
        category: &str,
        deadline: Option<Instant>,
    ) -> Result<(), Blocked> {
        let now = self.clock.now();
        let max_wait = deadline.map(|d| d.saturating_duration_since(now));
        match self.adaptive.reserve(key, category, now, max_wait) {
            Ok(wait) if wait.is_zero() => Ok(()),
            Ok(wait) => {
                debug!(key, category, wait_ms = wait.as_millis() as u64, "throttle: learned pace");
                self.clock.sleep(wait).await;
                Ok(())
            }
            Err(wait) => {
                let until = self.clock.now_utc() + wait;
                Err(Blocked { until, scope: RateLimitScope::PerSecond })
            }
        }
    }

    fn fits(&self, wait: Duration, deadline: Option<Instant>) -> bool {
        deadline.is_none_or(|d| self.clock.now() + wait <= d)
    }

    fn limiters(&self, category: &str) -> Option<Arc<CategoryLimiters>> {
        if let Some(limiters) = self.read_categories().get(category) {
            return Some(limiters.clone());
        }
        let (quota, burst) = (*self.default_quota.read().unwrap_or_else(|p| p.into_inner()))?;
        let mut categories = self.write_categories();
        let limiters = categories
            .entry(category.to_owned())
            .or_insert_with(|| Arc::new(CategoryLimiters::new(quota, burst, true, self.epoch)));
        Some(limiters.clone())
    }

    fn read_categories(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<CategoryLimiters>>> {
        self.categories.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_categories(
        &self,
    ) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Arc<CategoryLimiters>>> {
        self.categories.write().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for Throttle {
    /// Shows the quotas and how many keys are tracked, not the keys themselves (they can be
    /// many).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quotas: Vec<(String, Quota)> = self
            .read_categories()
            .iter()
            .filter(|(_, limiters)| !limiters.from_default)
            .map(|(category, limiters)| (category.clone(), limiters.quota))
            .collect();
        let default_quota =
            self.default_quota.read().unwrap_or_else(|p| p.into_inner()).map(|q| q.0);
        f.debug_struct("Throttle")
            .field("quotas", &quotas)
            .field("default_quota", &default_quota)
            .field("tracked_keys", &self.tracked_keys())
            .finish_non_exhaustive()
    }
}

/// A daily quota used up until `until`.
fn daily_blocked(until: SystemTime) -> Blocked {
    Blocked { until, scope: RateLimitScope::Daily }
}

#[cfg(test)]
mod tests;
