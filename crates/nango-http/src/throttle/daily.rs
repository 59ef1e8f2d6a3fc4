//! Daily quotas, counted per key and per UTC day.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

const DAY: u64 = 86_400;

/// The UTC day number of `at` (days since the Unix epoch).
pub(crate) fn utc_day(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() / DAY)
}

/// The start of the UTC day after `at`: when a daily quota resets.
pub(crate) fn next_utc_midnight(at: SystemTime) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs((utc_day(at) + 1) * DAY)
}

/// Requests counted per key for the current UTC day.
#[derive(Debug)]
pub(crate) struct DailyCounter {
    limit: u32,
    counts: Mutex<HashMap<String, (u64, u32)>>,
}

impl DailyCounter {
    pub(crate) fn new(limit: u32) -> Self {
        Self { limit, counts: Mutex::new(HashMap::new()) }
    }

    /// `Err(reset)` when `key` has used its quota for the day of `now`; counts nothing.
    pub(crate) fn check(&self, key: &str, now: SystemTime) -> Result<(), SystemTime> {
        let day = utc_day(now);
        let counts = self.lock();
        match counts.get(key) {
            Some(&(d, used)) if d == day && used >= self.limit => Err(next_utc_midnight(now)),
            _ => Ok(()),
        }
    }

    /// Counts one request of `key`, or `Err(reset)` when the quota of the day is used.
    pub(crate) fn take(&self, key: &str, now: SystemTime) -> Result<(), SystemTime> {
        let day = utc_day(now);
        let mut counts = self.lock();
        let entry = counts.entry(key.to_owned()).or_insert((day, 0));
        if entry.0 != day {
            *entry = (day, 0);
        }
        if entry.1 >= self.limit {
            return Err(next_utc_midnight(now));
        }
        entry.1 += 1;
        Ok(())
    }

    /// Forgets the counts of past days.
    pub(crate) fn evict_idle(&self, now: SystemTime) {
        let day = utc_day(now);
        self.lock().retain(|_, (d, _)| *d == day);
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, u32)>> {
        self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn counts_per_key_and_resets_at_utc_midnight() {
        let counter = DailyCounter::new(2);
        let morning = at(20 * DAY + 3600);
        assert_eq!(counter.take("a", morning), Ok(()));
        assert_eq!(counter.take("a", morning), Ok(()));
        assert_eq!(counter.check("a", morning), Err(at(21 * DAY)));
        assert_eq!(counter.take("a", morning), Err(at(21 * DAY)));
        assert_eq!(counter.take("b", morning), Ok(()), "keys are counted apart");
        let next_day = at(21 * DAY);
        assert_eq!(counter.take("a", next_day), Ok(()));
    }

    #[test]
    fn eviction_drops_past_days() {
        let counter = DailyCounter::new(5);
        counter.take("old", at(DAY)).unwrap();
        counter.take("new", at(2 * DAY)).unwrap();
        counter.evict_idle(at(2 * DAY + 1));
        assert_eq!(counter.len(), 1);
    }
}
