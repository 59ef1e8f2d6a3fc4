//! The limiters of one rate-limit category: GCRA windows and a daily counter.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use super::Quota;
use super::daily::DailyCounter;
use super::gcra::{Gcra, Rate};

/// The limiters of one category, for every key.
#[derive(Debug)]
pub(crate) struct CategoryLimiters {
    pub(crate) quota: Quota,
    /// Built from the throttle's default quota rather than set for this category.
    pub(crate) from_default: bool,
    /// The per-minute and per-second windows, reserved together.
    pub(crate) windows: Gcra,
    pub(crate) daily: Option<DailyCounter>,
}

impl CategoryLimiters {
    /// Limiters for `quota` with up to `burst` requests at once, counting time from `epoch`.
    pub(crate) fn new(quota: Quota, burst: NonZeroU32, from_default: bool, epoch: Instant) -> Self {
        let rate = |count: Option<u32>, window: Duration| {
            NonZeroU32::new(count?).map(|count| Rate::new(count, window, burst))
        };
        let rates = [
            rate(quota.per_minute, Duration::from_secs(60)),
            rate(quota.per_second, Duration::from_secs(1)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let daily = quota.per_day.filter(|n| *n > 0).map(DailyCounter::new);
        Self { quota, from_default, windows: Gcra::new(rates, epoch), daily }
    }

    /// Drops the state of keys indistinguishable from fresh ones.
    pub(crate) fn evict_idle(&self, now: Instant, now_utc: std::time::SystemTime) {
        self.windows.evict_idle(now);
        if let Some(daily) = &self.daily {
            daily.evict_idle(now_utc);
        }
    }

    /// Keys with state, summed over the windows and the daily counter.
    pub(crate) fn len(&self) -> usize {
        self.windows.len() + self.daily.as_ref().map_or(0, DailyCounter::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Clock, ManualClock};

    fn epoch() -> Instant {
        ManualClock::new(std::time::SystemTime::UNIX_EPOCH).now()
    }

    #[test]
    fn windows_are_built_from_the_quota_and_zero_counts_are_ignored() {
        let quota = Quota { per_second: Some(10), per_minute: Some(0), per_day: Some(0) };
        let limiters = CategoryLimiters::new(quota, NonZeroU32::MIN, false, epoch());
        assert_eq!(limiters.windows.rates().len(), 1);
        assert!(limiters.daily.is_none());
        let quota = Quota { per_second: Some(10), per_minute: Some(300), per_day: Some(5) };
        let limiters = CategoryLimiters::new(quota, NonZeroU32::MIN, false, epoch());
        assert_eq!(limiters.windows.rates().len(), 2);
        assert!(limiters.windows.rates()[0].interval > limiters.windows.rates()[1].interval);
        assert!(limiters.daily.is_some());
    }
}
