//! Pacing for keys whose quota is unknown: learn the allowed rate from the server's signals.
//!
//! A (key, category) gets a pace only once the server has spoken: a 429 starts it at
//! [`START_RATE`] requests per second, or halves the current rate; every success adds one request
//! per second per second of successes (`+1/rate` per success), so a long job climbs back towards
//! the limit and settles between half of it and all of it. A remaining-count header with a short
//! reset window sets the rate outright: the requests left spread evenly over the time left.
//!
//! Limitation: additive increase and multiplicative decrease oscillate below the limit; against
//! a server allowing 10 requests per second in any sliding second, a long job settles near 7.6
//! per second with about 2% of requests refused (see the convergence test). A configured quota
//! does better, so blueprints should state quotas where the provider documents them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The rate after the first 429 of a key.
pub(crate) const START_RATE: f64 = 1.0;
/// The slowest pace: one request per ten seconds.
const MIN_RATE: f64 = 0.1;
/// The fastest pace worth keeping; above it the pace is dropped.
const MAX_RATE: f64 = 10_000.0;
/// A pace unused this long is forgotten.
const IDLE: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Copy)]
struct Pace {
    rate: f64,
    next_at: Instant,
    touched: Instant,
}

impl Pace {
    fn interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate)
    }
}

/// The learned paces per (key, category).
#[derive(Debug, Default)]
pub(crate) struct Adaptive {
    map: Mutex<HashMap<(String, String), Pace>>,
}

impl Adaptive {
    /// Reserves the next slot of (key, category): `Ok(wait)`, or `Err(wait)` without reserving
    /// when the wait would exceed `max_wait`. Keys without a pace pass at once.
    pub(crate) fn reserve(
        &self,
        key: &str,
        category: &str,
        now: Instant,
        max_wait: Option<Duration>,
    ) -> Result<Duration, Duration> {
        let mut map = self.lock();
        if map.is_empty() {
            return Ok(Duration::ZERO);
        }
        let Some(pace) = map.get_mut(&(key.to_owned(), category.to_owned())) else {
            return Ok(Duration::ZERO);
        };
        let slot = pace.next_at.max(now);
        let wait = slot - now;
        if max_wait.is_some_and(|max| wait > max) {
            return Err(wait);
        }
        pace.next_at = slot + pace.interval();
        pace.touched = now;
        Ok(wait)
    }

    /// A rate-limit refusal: start pacing, or halve the rate.
    pub(crate) fn decrease(&self, key: &str, category: &str, now: Instant) {
        let mut map = self.lock();
        let entry = (key.to_owned(), category.to_owned());
        let pace = map
            .entry(entry)
            .and_modify(|p| p.rate = (p.rate / 2.0).max(MIN_RATE))
            .or_insert(Pace { rate: START_RATE, next_at: now, touched: now });
        pace.next_at = pace.next_at.max(now + pace.interval());
        pace.touched = now;
    }

    /// A success: speed up by one request per second for every second of successes.
    pub(crate) fn increase(&self, key: &str, category: &str) {
        let mut map = self.lock();
        let entry = (key.to_owned(), category.to_owned());
        if let Some(pace) = map.get_mut(&entry) {
            pace.rate += 1.0 / pace.rate;
            if pace.rate > MAX_RATE {
                map.remove(&entry);
            }
        }
    }

    /// `remaining` requests are left until `window` from now: spread them evenly.
    pub(crate) fn pace_to(
        &self,
        key: &str,
        category: &str,
        now: Instant,
        remaining: u32,
        window: Duration,
    ) {
        let rate = f64::from(remaining) / window.as_secs_f64().max(0.001);
        let mut map = self.lock();
        let entry = (key.to_owned(), category.to_owned());
        if rate > MAX_RATE {
            map.remove(&entry);
            return;
        }
        let rate = rate.max(MIN_RATE);
        map.entry(entry)
            .and_modify(|p| {
                p.rate = rate;
                p.touched = now;
            })
            .or_insert(Pace { rate, next_at: now, touched: now });
    }

    /// The current rate of (key, category), if it is paced.
    pub(crate) fn rate(&self, key: &str, category: &str) -> Option<f64> {
        self.lock().get(&(key.to_owned(), category.to_owned())).map(|p| p.rate)
    }

    /// Forgets paces unused for ten minutes.
    pub(crate) fn evict_idle(&self, now: Instant) {
        self.lock().retain(|_, p| now.saturating_duration_since(p.touched) < IDLE);
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Pace>> {
        self.map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::time::{Clock, ManualClock};

    fn setup() -> (Adaptive, Instant) {
        (Adaptive::default(), ManualClock::new(SystemTime::UNIX_EPOCH).now())
    }

    #[test]
    fn keys_without_signals_are_not_paced() {
        let (adaptive, now) = setup();
        assert_eq!(adaptive.reserve("k", "c", now, None), Ok(Duration::ZERO));
        adaptive.increase("k", "c");
        assert_eq!(adaptive.len(), 0);
    }

    #[test]
    fn a_429_starts_pacing_and_another_halves_it() {
        let (adaptive, now) = setup();
        adaptive.decrease("k", "c", now);
        assert_eq!(adaptive.rate("k", "c"), Some(START_RATE));
        assert_eq!(adaptive.reserve("k", "c", now, None), Ok(Duration::from_secs(1)));
        assert_eq!(adaptive.reserve("k", "c", now, None), Ok(Duration::from_secs(2)));
        assert_eq!(
            adaptive.reserve("k", "c", now, Some(Duration::from_secs(1))),
            Err(Duration::from_secs(3)),
            "a refused reservation takes no slot"
        );
        adaptive.decrease("k", "c", now);
        assert_eq!(adaptive.rate("k", "c"), Some(0.5));
    }

    #[test]
    fn successes_climb_back_additively() {
        let (adaptive, now) = setup();
        adaptive.decrease("k", "c", now);
        for _ in 0..50 {
            adaptive.increase("k", "c");
        }
        let rate = adaptive.rate("k", "c").unwrap();
        assert!((9.0..11.0).contains(&rate), "{rate}");
    }

    #[test]
    fn remaining_counts_spread_over_the_window() {
        let (adaptive, now) = setup();
        adaptive.pace_to("k", "c", now, 4, Duration::from_secs(2));
        assert_eq!(adaptive.rate("k", "c"), Some(2.0));
        adaptive.pace_to("k", "c", now, 1_000_000, Duration::from_secs(1));
        assert_eq!(adaptive.rate("k", "c"), None, "a huge allowance needs no pacing");
    }

    #[test]
    fn idle_paces_are_forgotten() {
        let (adaptive, now) = setup();
        adaptive.decrease("k", "c", now);
        adaptive.evict_idle(now + Duration::from_secs(60));
        assert_eq!(adaptive.len(), 1);
        adaptive.evict_idle(now + IDLE + Duration::from_secs(2));
        assert_eq!(adaptive.len(), 0);
    }
}
