//! The injected clock: every wait, expiry and deadline in nango reads time from here.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// A boxed future returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Where time comes from. The runtime uses [`SystemClock`]; tests use [`ManualClock`].
pub trait Clock: Send + Sync + fmt::Debug {
    /// Monotonic now, for deadlines, backoff and throttling.
    fn now(&self) -> Instant;
    /// Wall-clock now, for token expiry and `Retry-After` dates.
    fn now_utc(&self) -> SystemTime;
    /// Waits `duration`. [`ManualClock`] advances its virtual time and returns at once.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The real clock: `std` time and `tokio` sleeps.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl SystemClock {
    /// A shared handle to the real clock.
    pub fn shared() -> Arc<dyn Clock> {
        Arc::new(SystemClock)
    }
}

#[allow(clippy::disallowed_methods)]
impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn now_utc(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A virtual clock for tests: time moves only when a test calls [`ManualClock::advance`] or when
/// code under test sleeps, which advances it by the slept duration and returns immediately.
/// Every sleep is recorded so tests can assert the waits that were asked for.
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    base: Instant,
    base_utc: SystemTime,
    offset: Duration,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// A clock whose wall time starts at `start_utc`.
    #[allow(clippy::disallowed_methods)]
    pub fn new(start_utc: SystemTime) -> Self {
        let state = ManualState {
            base: Instant::now(),
            base_utc: start_utc,
            offset: Duration::ZERO,
            sleeps: Vec::new(),
        };
        Self { inner: Arc::new(Mutex::new(state)) }
    }

    /// Moves virtual time forward.
    pub fn advance(&self, by: Duration) {
        self.lock().offset += by;
    }

    /// The durations code under test has slept, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// Total virtual time elapsed since creation.
    pub fn elapsed(&self) -> Duration {
        self.lock().offset
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        let state = self.lock();
        state.base + state.offset
    }

    fn now_utc(&self) -> SystemTime {
        let state = self.lock();
        state.base_utc + state.offset
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let mut state = self.lock();
        state.offset += duration;
        state.sleeps.push(duration);
        Box::pin(std::future::ready(()))
    }
}
