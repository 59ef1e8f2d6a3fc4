//! A keyed GCRA (generic cell rate algorithm) that reserves slots instead of polling.
//!
//! Each key keeps one theoretical arrival time (TAT) per window. [`Gcra::reserve`] takes the
//! earliest slot every window allows, moves the TATs past it at once, and returns the wait until
//! that slot. The next slot is computed from the reserved one, never from the moment the waiter
//! wakes up, so a timer that oversleeps by a millisecond delays one request by a millisecond
//! instead of pushing every later slot back (the drift a check-then-sleep-then-recheck loop
//! accumulates). Waiters also never wake together to race for one cell.
//!
//! Keys are stored as 64-bit hashes (keyed per process), not as text: no allocation per key, 24
//! bytes a key, and no account ids kept in memory. Two keys whose hashes collide (odds about
//! n²/2⁶⁵ for n live keys: 3·10⁻⁸ for a million) would share one pace, which is slower for both,
//! never faster than the quota.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::num::NonZeroU32;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Slack added to every window before it is divided into slots. A waiter wakes a little after
/// its slot (tokio timers have a millisecond resolution); if one waiter wakes late and the one a
/// whole window later wakes on time, the two would sit less than a window apart. The slack keeps
/// `count` slots spanning more than the window by this much, so no sliding window holds more
/// than `count` requests as long as wake-up lags differ by less than it. It costs 0.2% of a
/// one-second window's throughput.
pub(crate) const WAKE_SLACK: Duration = Duration::from_millis(2);

/// Shards of the key map, so that keys contend only within their shard.
const SHARDS: usize = 16;

/// The most windows a category has (per minute and per second).
pub(crate) const MAX_WINDOWS: usize = 2;

/// One window's GCRA parameters, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rate {
    /// The spacing of steady slots.
    pub(crate) interval: u64,
    /// How far ahead of its TAT a cell may arrive: `interval * (burst - 1)`.
    pub(crate) tolerance: u64,
}

impl Rate {
    /// At most `count` cells in any sliding `window` (plus [`WAKE_SLACK`]), up to `burst` of
    /// them at once. A burst `b` costs steady rate: slots are spaced `window / (count - b + 1)`,
    /// so `b` at once plus the spaced ones never exceed `count` in any half-open window.
    pub(crate) fn new(count: NonZeroU32, window: Duration, burst: NonZeroU32) -> Self {
        let burst = burst.min(count);
        let spaced = u128::from(count.get() - burst.get() + 1);
        // Rounded up: a rounded-down interval would let one cell too many into a window.
        let nanos = (window + WAKE_SLACK).as_nanos().div_ceil(spaced).max(1);
        let interval = u64::try_from(nanos).unwrap_or(u64::MAX);
        let tolerance = interval.saturating_mul(u64::from(burst.get() - 1));
        Self { interval, tolerance }
    }
}

/// Theoretical arrival times of one key, per window, in nanoseconds since the epoch.
type Tats = [u64; MAX_WINDOWS];

/// One shard of the key map: key hash to its TATs.
type Shard = Mutex<HashMap<u64, Tats, BuildKeyHash>>;

/// The key hash is already uniform: the map uses it as is instead of hashing it again.
#[derive(Debug, Default, Clone, Copy)]
struct BuildKeyHash;

impl BuildHasher for BuildKeyHash {
    type Hasher = KeyHasher;

    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(0)
    }
}

/// Passes a `u64` through.
#[derive(Debug, Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `u64` keys; anything else is folded in for completeness.
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// GCRA state of every key for a set of windows that must all hold.
#[derive(Debug)]
pub(crate) struct Gcra {
    rates: Vec<Rate>,
    epoch: Instant,
    hasher: RandomState,
    shards: Box<[Shard]>,
}

impl Gcra {
    /// State for `rates` (at most [`MAX_WINDOWS`]), with time counted from `epoch`.
    pub(crate) fn new(rates: Vec<Rate>, epoch: Instant) -> Self {
        debug_assert!(rates.len() <= MAX_WINDOWS, "at most {MAX_WINDOWS} windows");
        let shards = (0..SHARDS).map(|_| Mutex::new(HashMap::default())).collect();
        Self { rates, epoch, hasher: RandomState::new(), shards }
    }

    /// The windows' parameters.
    #[cfg(test)]
    pub(crate) fn rates(&self) -> &[Rate] {
        &self.rates
    }

    /// Reserves the earliest slot of `key` that every window allows, and returns the wait from
    /// `now` until it. `Err(wait)` when the wait would pass `max_wait`: nothing is reserved.
    pub(crate) fn reserve(
        &self,
        key: &str,
        now: Instant,
        max_wait: Option<Duration>,
    ) -> Result<Duration, Duration> {
        if self.rates.is_empty() {
            return Ok(Duration::ZERO);
        }
        let t = self.nanos(now);
        let hash = self.hasher.hash_one(key);
        let mut shard = self.shard(hash);
        let tats = shard.get(&hash).copied().unwrap_or_default();
        let slot = self
            .rates
            .iter()
            .zip(tats)
            .fold(t, |slot, (rate, tat)| slot.max(tat.saturating_sub(rate.tolerance)));
        let wait = Duration::from_nanos(slot - t);
        if max_wait.is_some_and(|max| wait > max) {
            return Err(wait);
        }
        let mut next = Tats::default();
        for ((next, rate), tat) in next.iter_mut().zip(&self.rates).zip(tats) {
            *next = tat.max(slot).saturating_add(rate.interval);
        }
        shard.insert(hash, next);
        Ok(wait)
    }

    /// Drops keys whose every TAT has passed: their state is the same as a fresh key's.
    pub(crate) fn evict_idle(&self, now: Instant) {
        let t = self.nanos(now);
        for shard in &self.shards {
            let mut shard = lock(shard);
            shard.retain(|_, tats| tats.iter().any(|tat| *tat > t));
            shard.shrink_to_fit();
        }
    }

    /// (key, window) states held.
    pub(crate) fn len(&self) -> usize {
        let keys: usize = self.shards.iter().map(|shard| lock(shard).len()).sum();
        keys * self.rates.len()
    }

    fn nanos(&self, at: Instant) -> u64 {
        let since = at.saturating_duration_since(self.epoch).as_nanos();
        u64::try_from(since).unwrap_or(u64::MAX)
    }

    fn shard(&self, hash: u64) -> MutexGuard<'_, HashMap<u64, Tats, BuildKeyHash>> {
        // Middle bits pick the shard: the map uses the low bits for buckets, the top ones for
        // its control bytes.
        let index = usize::try_from((hash >> 32) % SHARDS as u64).unwrap_or(0);
        lock(&self.shards[index])
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Clock, ManualClock};

    fn epoch() -> Instant {
        ManualClock::new(std::time::SystemTime::UNIX_EPOCH).now()
    }

    fn nz(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    const SLACK: u64 = 2_000_000;

    #[test]
    fn without_burst_slots_are_evenly_spaced_over_the_window_and_the_slack() {
        let rate = Rate::new(nz(10), Duration::from_secs(1), nz(1));
        assert_eq!(rate, Rate { interval: 100_000_000 + SLACK / 10, tolerance: 0 });
    }

    #[test]
    fn a_burst_slows_the_steady_rate_so_no_window_holds_more_than_the_quota() {
        // 4 at once, then one every 1.002/7 s: 4 + 6 in the rest of the first second = 10.
        let rate = Rate::new(nz(10), Duration::from_secs(1), nz(4));
        assert_eq!(rate.interval, (1_000_000_000 + SLACK).div_ceil(7));
        assert_eq!(rate.tolerance, 3 * rate.interval);
    }

    #[test]
    fn a_burst_larger_than_the_quota_is_capped() {
        let rate = Rate::new(nz(3), Duration::from_secs(1), nz(50));
        assert_eq!(rate.interval, 1_000_000_000 + SLACK);
        assert_eq!(rate.tolerance, 2 * rate.interval);
    }

    #[test]
    fn slots_follow_the_reservations_not_the_wake_ups() {
        let epoch = epoch();
        let gcra = Gcra::new(vec![Rate { interval: 10_000_000, tolerance: 0 }], epoch);
        let t0 = epoch + Duration::from_secs(1);
        assert_eq!(gcra.reserve("k", t0, None), Ok(Duration::ZERO));
        assert_eq!(gcra.reserve("k", t0, None), Ok(ms(10)));
        // The second waiter wakes 3 ms late: the third slot is still at 20 ms, not at 23 ms.
        assert_eq!(gcra.reserve("k", t0 + ms(13), None), Ok(ms(7)));
        // A caller that comes after every slot has passed starts afresh from its own time.
        assert_eq!(gcra.reserve("k", t0 + ms(100), None), Ok(Duration::ZERO));
        assert_eq!(gcra.reserve("k", t0 + ms(100), None), Ok(ms(10)));
    }

    #[test]
    fn wake_up_lags_within_the_slack_keep_every_window_within_the_quota() {
        let epoch = epoch();
        let gcra = Gcra::new(vec![Rate::new(nz(30), Duration::from_secs(1), nz(1))], epoch);
        // 16 callers in turn: each reserves when it is free, then wakes up to 1.9 ms late.
        let mut free_at = [Duration::ZERO; 16];
        let mut sent = Vec::new();
        for i in 0..600_u64 {
            let caller = usize::try_from(i % 16).unwrap();
            let lag = Duration::from_micros((i * 7_919) % 1_900);
            let wait = gcra.reserve("k", epoch + free_at[caller], None).unwrap();
            let at = free_at[caller] + wait + lag;
            sent.push(at);
            free_at[caller] = at;
        }
        sent.sort();
        for (i, t) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().take_while(|u| **u < *t + ms(1_000)).count();
            assert!(in_window <= 30, "{in_window} requests in the second from {t:?}");
        }
        // No drift: the last one is sent 599 slots after the first, plus at most one lag.
        let span = *sent.last().unwrap() - sent[0];
        assert!(span < 599 * Duration::from_nanos(33_400_000) + ms(2), "{span:?}");
    }

    #[test]
    fn a_refused_reservation_takes_nothing_from_any_window() {
        let epoch = epoch();
        let minute = Rate { interval: 60_000_000_000, tolerance: 0 };
        let second = Rate { interval: 100_000_000, tolerance: 0 };
        let gcra = Gcra::new(vec![minute, second], epoch);
        assert_eq!(gcra.reserve("k", epoch, None), Ok(Duration::ZERO));
        assert_eq!(gcra.reserve("k", epoch, Some(ms(500))), Err(Duration::from_secs(60)));
        assert_eq!(gcra.reserve("k", epoch, None), Ok(Duration::from_secs(60)));
        assert_eq!(gcra.len(), 2);
    }

    #[test]
    fn idle_keys_are_evicted_and_live_ones_kept() {
        let epoch = epoch();
        let gcra = Gcra::new(vec![Rate { interval: 1_000_000_000, tolerance: 0 }], epoch);
        for i in 0..100 {
            gcra.reserve(&format!("k{i}"), epoch + ms(i * 10), None).unwrap();
        }
        gcra.evict_idle(epoch + ms(1_500));
        assert_eq!(gcra.len(), 49, "keys reserved after 0.5 s are still live at 1.5 s");
        gcra.evict_idle(epoch + ms(2_000));
        assert_eq!(gcra.len(), 0);
    }
}
