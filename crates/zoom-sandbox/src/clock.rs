//! The sandbox clock: real wall time plus an offset that tests move forward.
//!
//! Token expiry, code expiry, page-token expiry and the daily rate-limit windows read
//! [`SandboxClock::now_utc`]. Token buckets refill on real monotonic time
//! ([`SandboxClock::monotonic`]) so that a client spacing its requests at the quota never sees a
//! 429, whatever the offset.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

/// Real time shifted by an offset that only grows.
#[derive(Debug, Default)]
pub(crate) struct SandboxClock {
    offset: Mutex<Duration>,
}

impl SandboxClock {
    /// The sandbox's "now": the real UTC time plus every advance so far.
    pub(crate) fn now_utc(&self) -> DateTime<Utc> {
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        let offset = TimeDelta::from_std(offset).unwrap_or(TimeDelta::MAX);
        real_utc().checked_add_signed(offset).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Moves the sandbox's "now" forward by `by`.
    pub(crate) fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|e| e.into_inner());
        *offset = offset.saturating_add(by);
    }

    /// Real monotonic time, for token-bucket refill.
    pub(crate) fn monotonic(&self) -> Instant {
        real_monotonic()
    }

    /// Waits for real `by`: a delay fault must exceed a real client timeout.
    pub(crate) async fn sleep_real(&self, by: Duration) {
        real_sleep(by).await;
    }
}

/// The one place the sandbox reads the wall clock.
#[allow(clippy::disallowed_methods)]
fn real_utc() -> DateTime<Utc> {
    Utc::now()
}

/// The one place the sandbox reads the monotonic clock.
#[allow(clippy::disallowed_methods)]
fn real_monotonic() -> Instant {
    Instant::now()
}

/// The one place the sandbox sleeps.
#[allow(clippy::disallowed_methods)]
async fn real_sleep(by: Duration) {
    tokio::time::sleep(by).await;
}

/// The next 00:00 UTC after `now`, when Zoom resets daily quotas.
pub(crate) fn next_utc_midnight(now: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = now.date_naive().succ_opt().unwrap_or(now.date_naive());
    tomorrow.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now)
}

/// Zoom's date-time format: `yyyy-MM-ddTHH:mm:ssZ`, no fractional seconds.
pub(crate) fn zoom_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_forward() {
        let clock = SandboxClock::default();
        let before = clock.now_utc();
        clock.advance(Duration::from_secs(3600));
        let after = clock.now_utc();
        assert!(after - before >= TimeDelta::seconds(3600));
    }

    #[test]
    fn midnight_is_the_next_day() {
        let now = "2024-05-30T13:14:15Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(zoom_time(next_utc_midnight(now)), "2024-05-31T00:00:00Z");
    }
}
