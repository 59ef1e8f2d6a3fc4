//! Throttle behaviour in virtual time.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::*;
use crate::time::ManualClock;

// 2026-12-03T17:00:00Z
const START: u64 = 1_796_317_200;

fn setup() -> (ManualClock, Throttle) {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(START));
    let throttle = Throttle::new(Arc::new(clock.clone()));
    (clock, throttle)
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures::executor::block_on(future)
}

#[test]
fn without_a_quota_everything_passes_at_once() {
    let (clock, throttle) = setup();
    for _ in 0..100 {
        assert_eq!(block_on(throttle.acquire("k", "default", None)), Ok(Duration::ZERO));
    }
    assert_eq!(clock.elapsed(), Duration::ZERO);
    assert_eq!(throttle.tracked_keys(), 0, "no state without a quota");
}

#[test]
fn n_acquisitions_at_quota_q_take_n_minus_1_over_q() {
    let (clock, throttle) = setup();
    throttle.set_quota("Light", Quota::per_second(10));
    for _ in 0..31 {
        block_on(throttle.acquire("acct", "Light", None)).unwrap();
    }
    // 1/Q apart, over the window plus the wake-up slack: 100.2 ms.
    let interval = Duration::from_nanos(100_200_000);
    assert_eq!(clock.elapsed(), 30 * interval);
    assert!(clock.sleeps().iter().all(|s| *s == interval), "{:?}", clock.sleeps());
}

#[test]
fn no_one_second_window_holds_more_than_the_quota() {
    let (clock, throttle) = setup();
    throttle.set_quota_with_burst("Medium", Quota::per_second(5), NonZeroU32::new(3).unwrap());
    let mut times = Vec::new();
    for _ in 0..40 {
        block_on(throttle.acquire("acct", "Medium", None)).unwrap();
        times.push(clock.elapsed());
    }
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..].iter().take_while(|u| **u < *t + Duration::from_secs(1)).count();
        assert!(in_window <= 5, "{in_window} requests in the second from {t:?}");
    }
    assert_eq!(times[2], Duration::ZERO, "the explicit burst passes at once");
}

#[test]
fn keys_and_categories_are_limited_apart() {
    let (clock, throttle) = setup();
    throttle.set_quota("Light", Quota::per_second(1));
    throttle.set_quota("Heavy", Quota::per_second(1));
    for (key, category) in [("a", "Light"), ("b", "Light"), ("a", "Heavy")] {
        block_on(throttle.acquire(key, category, None)).unwrap();
    }
    assert_eq!(clock.elapsed(), Duration::ZERO);
}

#[test]
fn per_minute_and_per_second_both_hold() {
    let (clock, throttle) = setup();
    throttle.set_quota("c", Quota { per_second: Some(10), per_minute: Some(30), per_day: None });
    for _ in 0..31 {
        block_on(throttle.acquire("k", "c", None)).unwrap();
    }
    let interval = Duration::from_nanos(60_002_000_000_u64.div_ceil(30));
    assert_eq!(clock.elapsed(), 30 * interval, "30 per minute, 2 s apart");
}

#[test]
fn a_wait_past_the_deadline_fails_at_once() {
    let (clock, throttle) = setup();
    throttle.set_quota("c", Quota::per_second(1));
    block_on(throttle.acquire("k", "c", None)).unwrap();
    let deadline = clock.now() + Duration::from_millis(500);
    let blocked = block_on(throttle.acquire("k", "c", Some(deadline))).unwrap_err();
    assert_eq!(blocked.scope, RateLimitScope::PerSecond);
    assert_eq!(blocked.until, clock.now_utc() + Duration::from_millis(1_002));
    assert!(clock.sleeps().is_empty());
}

#[test]
fn a_daily_quota_is_counted_per_utc_day() {
    let (clock, throttle) = setup();
    throttle.set_quota("Heavy", Quota::default().and_per_day(2));
    block_on(throttle.acquire("k", "Heavy", None)).unwrap();
    block_on(throttle.acquire("k", "Heavy", None)).unwrap();
    let blocked = block_on(throttle.acquire("k", "Heavy", None)).unwrap_err();
    let midnight = SystemTime::UNIX_EPOCH + Duration::from_secs((START / 86_400 + 1) * 86_400);
    assert_eq!(blocked, Blocked { until: midnight, scope: RateLimitScope::Daily });
    clock.advance(Duration::from_secs(7 * 3600));
    block_on(throttle.acquire("k", "Heavy", None)).unwrap();
}

#[test]
fn a_daily_block_fails_locally_until_the_reset() {
    let (clock, throttle) = setup();
    let reset = clock.now_utc() + Duration::from_secs(3600);
    throttle.block_until("k", "Heavy", reset, RateLimitScope::Daily);
    let blocked = block_on(throttle.acquire("k", "Heavy", None)).unwrap_err();
    assert_eq!(blocked, Blocked { until: reset, scope: RateLimitScope::Daily });
    assert!(block_on(throttle.acquire("k", "Light", None)).is_ok(), "other categories pass");
    assert!(clock.sleeps().is_empty());
    clock.advance(Duration::from_secs(3600));
    assert!(block_on(throttle.acquire("k", "Heavy", None)).is_ok());
}

#[test]
fn a_short_block_is_waited_out_together() {
    let (clock, throttle) = setup();
    let until = clock.now_utc() + Duration::from_secs(2);
    throttle.block_until("k", "c", until, RateLimitScope::PerSecond);
    let waited = block_on(throttle.acquire("k", "c", None)).unwrap();
    assert_eq!(waited, Duration::from_secs(2));
    assert_eq!(block_on(throttle.acquire("k", "c", None)), Ok(Duration::ZERO));
    let deadline = clock.now() + Duration::from_secs(1);
    throttle.block_until(
        "k",
        "c",
        clock.now_utc() + Duration::from_secs(5),
        RateLimitScope::PerSecond,
    );
    assert!(block_on(throttle.acquire("k", "c", Some(deadline))).is_err());
}

#[test]
fn the_default_quota_applies_to_categories_without_their_own() {
    let (clock, throttle) = setup();
    throttle.set_default_quota(Some(Quota::per_second(2)));
    throttle.set_quota("fast", Quota::per_second(100));
    assert_eq!(throttle.quota("anything"), Some(Quota::per_second(2)));
    for _ in 0..3 {
        block_on(throttle.acquire("k", "anything", None)).unwrap();
    }
    assert_eq!(clock.elapsed(), Duration::from_millis(1_002));
    throttle.set_default_quota(None);
    assert_eq!(throttle.quota("anything"), None);
    assert_eq!(throttle.quota("fast"), Some(Quota::per_second(100)));
}

#[test]
fn idle_keys_are_evicted() {
    let (clock, throttle) = setup();
    throttle.set_quota("c", Quota::per_second(10).and_per_day(1000));
    for i in 0..1000 {
        block_on(throttle.acquire(&format!("key-{i}"), "c", None)).unwrap();
    }
    throttle.block_until(
        "key-1",
        "c",
        clock.now_utc() + Duration::from_secs(1),
        RateLimitScope::Unknown,
    );
    assert_eq!(throttle.tracked_keys(), 2001);
    clock.advance(Duration::from_secs(2));
    throttle.evict_idle();
    assert_eq!(throttle.tracked_keys(), 1000, "daily counts live until the day ends");
    clock.advance(Duration::from_secs(86_400));
    throttle.evict_idle();
    assert_eq!(throttle.tracked_keys(), 0);
}

#[test]
fn eviction_runs_by_itself_when_keys_are_many() {
    let (clock, throttle) = setup();
    throttle.set_quota("c", Quota::per_second(1000));
    for i in 0..EVICT_EVERY - 1 {
        block_on(throttle.acquire(&format!("key-{i}"), "c", None)).unwrap();
    }
    clock.advance(Duration::from_secs(1));
    block_on(throttle.acquire("last", "c", None)).unwrap();
    assert!(throttle.tracked_keys() <= 1, "{}", throttle.tracked_keys());
}

#[test]
fn debug_shows_quotas_not_keys() {
    let (_clock, throttle) = setup();
    throttle.set_quota("Light", Quota::per_second(10));
    block_on(throttle.acquire("secret-account-id", "Light", None)).unwrap();
    let shown = format!("{throttle:?}");
    assert!(shown.contains("Light") && shown.contains("tracked_keys: 1"), "{shown}");
    assert!(!shown.contains("secret-account-id"), "{shown}");
}

/// A server that accepts at most `quota` requests in any one-second sliding window.
struct SlidingWindowServer {
    quota: usize,
    accepted: std::collections::VecDeque<Duration>,
}

impl SlidingWindowServer {
    fn accepts(&mut self, at: Duration) -> bool {
        while self.accepted.front().is_some_and(|t| *t + Duration::from_secs(1) <= at) {
            self.accepted.pop_front();
        }
        if self.accepted.len() >= self.quota {
            return false;
        }
        self.accepted.push_back(at);
        true
    }
}

#[test]
fn without_a_quota_a_long_job_converges_on_the_allowed_rate() {
    let (clock, throttle) = setup();
    let mut server = SlidingWindowServer { quota: 10, accepted: Default::default() };
    let (mut refused, mut accepted, mut since) = (0, 0, Duration::ZERO);
    for i in 0..3000 {
        if i == 1000 {
            (refused, accepted, since) = (0, 0, clock.elapsed());
        }
        block_on(throttle.acquire("acct", "unknown", None)).unwrap();
        let ok = server.accepts(clock.elapsed());
        throttle.observe_outcome("acct", "unknown", !ok);
        if ok { accepted += 1 } else { refused += 1 }
    }
    let rate = f64::from(accepted) / (clock.elapsed() - since).as_secs_f64();
    assert!((5.0..=10.0).contains(&rate), "settled at {rate} requests per second");
    assert!(refused * 20 < accepted, "{refused} refusals for {accepted} successes");
}

#[test]
fn no_requests_left_blocks_until_the_reset_and_a_short_window_paces() {
    let (clock, throttle) = setup();
    let reset = clock.now_utc() + Duration::from_secs(3);
    throttle.observe_signal("k", "c", &RateLimitSignal::new(Some(10), Some(0), Some(reset)));
    assert_eq!(block_on(throttle.acquire("k", "c", None)), Ok(Duration::from_secs(3)));

    let reset = clock.now_utc() + Duration::from_secs(2);
    throttle.observe_signal("k", "c", &RateLimitSignal::new(Some(10), Some(4), Some(reset)));
    assert_eq!(throttle.learned_rate("k", "c"), Some(2.0));
    for _ in 0..3 {
        block_on(throttle.acquire("k", "c", None)).unwrap();
    }
    assert_eq!(clock.sleeps()[1..], [Duration::from_millis(500); 2]);
}

#[test]
fn a_category_with_a_quota_is_not_paced_by_signals() {
    let (_clock, throttle) = setup();
    throttle.set_quota("c", Quota::per_second(5));
    throttle.observe_outcome("k", "c", true);
    assert_eq!(throttle.learned_rate("k", "c"), None);
}

#[test]
fn eviction_backs_off_while_many_keys_stay_live() {
    let (_clock, throttle) = setup();
    throttle.set_quota("c", Quota::per_minute(1));
    let total = 3 * EVICT_EVERY;
    for i in 0..total {
        block_on(throttle.acquire(&format!("key-{i}"), "c", None)).unwrap();
    }
    // Nothing is idle (each key waits a minute for its next cell), so all are kept. Evictions
    // ran at 4096 and 8192 acquisitions; the one after waits for as many acquisitions as there
    // were live keys (8191), instead of running again at 12288.
    assert_eq!(throttle.tracked_keys() as u64, total);
    let next = throttle.next_eviction.load(Ordering::Relaxed);
    assert_eq!(next, 2 * EVICT_EVERY + (2 * EVICT_EVERY - 1));
}

/// A [`ManualClock`] that runs `hook` whenever code under test sleeps, before the sleep
/// advances virtual time: what other tasks do while a caller waits.
struct HookClock {
    inner: ManualClock,
    hook: std::sync::Mutex<Option<Box<dyn FnMut() + Send>>>,
}

impl std::fmt::Debug for HookClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookClock").finish_non_exhaustive()
    }
}

impl crate::time::Clock for HookClock {
    fn now(&self) -> std::time::Instant {
        self.inner.now()
    }

    fn now_utc(&self) -> SystemTime {
        self.inner.now_utc()
    }

    fn sleep(&self, duration: Duration) -> crate::time::Sleep {
        if let Some(hook) = self.hook.lock().unwrap().as_mut() {
            hook();
        }
        self.inner.sleep(duration)
    }
}

/// A throttle whose first sleep sees the server block `acct` in `c` with `scope` for 5 s.
fn blocked_while_waiting(scope: RateLimitScope) -> (ManualClock, Arc<Throttle>) {
    let inner = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(START));
    let clock = Arc::new(HookClock { inner: inner.clone(), hook: std::sync::Mutex::new(None) });
    let throttle = Arc::new(Throttle::new(clock.clone()));
    throttle.set_quota("c", Quota::per_second(2));
    let (weak, mut fired) = (Arc::downgrade(&throttle), false);
    let hook = move || {
        if let (false, Some(throttle)) = (fired, weak.upgrade()) {
            let until = inner_now_utc(&throttle) + Duration::from_secs(5);
            throttle.block_until("acct", "c", until, scope);
            fired = true;
        }
    };
    *clock.hook.lock().unwrap() = Some(Box::new(hook));
    (inner, throttle)
}

fn inner_now_utc(throttle: &Throttle) -> SystemTime {
    throttle.clock.now_utc()
}

/// Regression: callers already sleeping for their slot when a 429 blocked the key went on to
/// send when their slot came, each hitting the server during the block.
#[test]
fn a_caller_waiting_for_its_slot_respects_a_block_set_meanwhile() {
    let (clock, throttle) = blocked_while_waiting(RateLimitScope::PerSecond);
    assert_eq!(block_on(throttle.acquire("acct", "c", None)), Ok(Duration::ZERO));

    // Its slot is 0.5 s away; during that wait the server blocks the key for 5 s.
    let waited = block_on(throttle.acquire("acct", "c", None)).unwrap();
    assert!(waited >= Duration::from_secs(5), "sent after {waited:?}, inside the block");
    assert_eq!(clock.elapsed(), waited);
}

#[test]
fn a_daily_block_set_while_waiting_fails_the_waiting_caller() {
    let (_clock, throttle) = blocked_while_waiting(RateLimitScope::Daily);
    block_on(throttle.acquire("acct", "c", None)).unwrap();
    let blocked = block_on(throttle.acquire("acct", "c", None)).unwrap_err();
    assert_eq!(blocked.scope, RateLimitScope::Daily);
}
