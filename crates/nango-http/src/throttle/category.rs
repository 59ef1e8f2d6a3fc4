//! The limiters of one rate-limit category: GCRA windows from governor and a daily counter.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::RateLimiter;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;

use super::Quota;
use super::clock::GovernorClock;
use super::daily::DailyCounter;
use crate::time::Clock;

type KeyedLimiter = RateLimiter<
    String,
    DefaultKeyedStateStore<String>,
    GovernorClock,
    NoOpMiddleware<governor::nanos::Nanos>,
>;

/// One GCRA window (per second or per minute) for every key.
#[derive(Debug)]
pub(crate) struct Window {
    pub(crate) limiter: KeyedLimiter,
    pub(crate) clock: GovernorClock,
}

/// The limiters of one category, for every key.
#[derive(Debug)]
pub(crate) struct CategoryLimiters {
    pub(crate) quota: Quota,
    /// Built from the throttle's default quota rather than set for this category.
    pub(crate) from_default: bool,
    /// Longest window first, so a long wait is not preceded by a wasted short-window cell.
    pub(crate) windows: Vec<Window>,
    pub(crate) daily: Option<DailyCounter>,
}

/// The governor quota that lets at most `count` cells through in any window of `window`, with
/// up to `burst` of them at once. A burst `b` costs steady rate: cells are spaced
/// `window / (count - b + 1)`, so `b` at once plus the spaced ones never exceed `count` in any
/// half-open sliding window.
pub(crate) fn gcra_quota(
    count: NonZeroU32,
    window: Duration,
    burst: NonZeroU32,
) -> governor::Quota {
    let burst = burst.min(count);
    let spaced = count.get() - burst.get() + 1;
    // Rounded up: a rounded-down interval would let one cell too many into a window.
    let nanos = window.as_nanos().div_ceil(u128::from(spaced)).max(1);
    let interval = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
    governor::Quota::with_period(interval)
        .unwrap_or_else(|| governor::Quota::per_second(count))
        .allow_burst(burst)
}

impl CategoryLimiters {
    pub(crate) fn new(
        quota: Quota,
        burst: NonZeroU32,
        from_default: bool,
        clock: &Arc<dyn Clock>,
    ) -> Self {
        let window = |count: Option<u32>, length: Duration| {
            let count = NonZeroU32::new(count?)?;
            let gov_clock = GovernorClock::new(clock.clone());
            let limiter = RateLimiter::new(
                gcra_quota(count, length, burst),
                DefaultKeyedStateStore::default(),
                gov_clock.clone(),
            );
            Some(Window { limiter, clock: gov_clock })
        };
        let windows = [
            window(quota.per_minute, Duration::from_secs(60)),
            window(quota.per_second, Duration::from_secs(1)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let daily = quota.per_day.filter(|n| *n > 0).map(DailyCounter::new);
        Self { quota, from_default, windows, daily }
    }

    /// Drops the state of keys indistinguishable from fresh ones.
    pub(crate) fn evict_idle(&self, now_utc: std::time::SystemTime) {
        for window in &self.windows {
            window.limiter.retain_recent();
            window.limiter.shrink_to_fit();
        }
        if let Some(daily) = &self.daily {
            daily.evict_idle(now_utc);
        }
    }

    /// Keys with state, summed over the windows and the daily counter.
    pub(crate) fn len(&self) -> usize {
        let windows: usize = self.windows.iter().map(|w| w.limiter.len()).sum();
        windows + self.daily.as_ref().map_or(0, DailyCounter::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nz(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    #[test]
    fn without_burst_cells_are_evenly_spaced() {
        let q = gcra_quota(nz(10), Duration::from_secs(1), nz(1));
        assert_eq!(q.replenish_interval(), Duration::from_millis(100));
        assert_eq!(q.burst_size(), nz(1));
    }

    #[test]
    fn a_burst_slows_the_steady_rate_so_no_window_holds_more_than_the_quota() {
        let q = gcra_quota(nz(10), Duration::from_secs(1), nz(4));
        assert_eq!(q.burst_size(), nz(4));
        // 4 at once, then one every 1/7 s: 4 + 6 in the rest of the first second = 10.
        assert_eq!(q.replenish_interval(), Duration::from_nanos(142_857_143));
    }

    #[test]
    fn a_burst_larger_than_the_quota_is_capped() {
        let q = gcra_quota(nz(3), Duration::from_secs(1), nz(50));
        assert_eq!(q.burst_size(), nz(3));
        assert_eq!(q.replenish_interval(), Duration::from_secs(1));
    }
}
