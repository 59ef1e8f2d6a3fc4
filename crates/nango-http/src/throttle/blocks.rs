//! Keys blocked until a server-given reset time, after a rate-limit response.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use crate::classify::RateLimitScope;

/// The blocks per (key, category).
#[derive(Debug, Default)]
pub(crate) struct Blocks {
    map: Mutex<HashMap<(String, String), (SystemTime, RateLimitScope)>>,
}

impl Blocks {
    /// Blocks (key, category) until `until`; an existing later block is kept.
    pub(crate) fn block(
        &self,
        key: &str,
        category: &str,
        until: SystemTime,
        scope: RateLimitScope,
    ) {
        let mut map = self.lock();
        let entry = map.entry((key.to_owned(), category.to_owned())).or_insert((until, scope));
        if until > entry.0 {
            *entry = (until, scope);
        } else if until == entry.0 && scope == RateLimitScope::Daily {
            entry.1 = scope;
        }
    }

    /// The block of (key, category) still in force at `now`.
    pub(crate) fn get(
        &self,
        key: &str,
        category: &str,
        now: SystemTime,
    ) -> Option<(SystemTime, RateLimitScope)> {
        let map = self.lock();
        if map.is_empty() {
            return None;
        }
        map.get(&(key.to_owned(), category.to_owned())).copied().filter(|(until, _)| *until > now)
    }

    /// Forgets blocks that have ended.
    pub(crate) fn evict_idle(&self, now: SystemTime) {
        self.lock().retain(|_, (until, _)| *until > now);
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(String, String), (SystemTime, RateLimitScope)>> {
        self.map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_block_lasts_until_its_time_and_keeps_the_later_one() {
        let t0 = SystemTime::UNIX_EPOCH;
        let blocks = Blocks::default();
        blocks.block("k", "c", t0 + Duration::from_secs(10), RateLimitScope::PerSecond);
        blocks.block("k", "c", t0 + Duration::from_secs(5), RateLimitScope::Daily);
        let (until, scope) = blocks.get("k", "c", t0).unwrap();
        assert_eq!((until, scope), (t0 + Duration::from_secs(10), RateLimitScope::PerSecond));
        assert_eq!(blocks.get("k", "other", t0), None);
        assert_eq!(blocks.get("k", "c", t0 + Duration::from_secs(10)), None);
        blocks.evict_idle(t0 + Duration::from_secs(10));
        assert_eq!(blocks.len(), 0);
    }
}
