//! How many times and how long to wait: [`RetryPolicy`] and the [`Jitter`] seam.

use std::fmt;
use std::time::Duration;

/// Where the randomness of backoff comes from. [`RandomJitter`] at run time; tests pin it.
pub trait Jitter: Send + Sync + fmt::Debug {
    /// A uniformly distributed fraction in `[0, 1)`.
    fn fraction(&self) -> f64;
}

/// Thread-local randomness from `rand`.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomJitter;

impl Jitter for RandomJitter {
    fn fraction(&self) -> f64 {
        rand::random::<f64>()
    }
}

/// A pinned jitter for tests and benchmarks: always the same fraction (clamped to `[0, 1]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedJitter(pub f64);

impl Jitter for FixedJitter {
    fn fraction(&self) -> f64 {
        self.0.clamp(0.0, 1.0)
    }
}

/// How a client retries. Defaults: 4 attempts, 200 ms base, 10 s cap, 60 s deadline per request.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Maximum attempts per request, the first included. Default 4.
    pub max_attempts: u32,
    /// Base delay of the exponential backoff. Default 200 ms.
    pub base_delay: Duration,
    /// Cap of one backoff wait, and of a `Retry-After` we are willing to sleep. Default 10 s.
    pub max_delay: Duration,
    /// Deadline of one request measured from its start, all attempts and waits included.
    /// Default 60 s.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Full-jitter backoff before attempt `attempt + 1` (attempt counts from 1):
    /// `random(0, min(cap, base * 2^(attempt-1)))`.
    pub fn backoff(&self, attempt: u32, jitter: &dyn Jitter) -> Duration {
        let exp = 2u32.saturating_pow(attempt.saturating_sub(1));
        let ceiling = self.base_delay.saturating_mul(exp).min(self.max_delay);
        ceiling.mul_f64(jitter.fraction().clamp(0.0, 1.0))
    }

    /// A policy that never retries (one attempt), with the default deadline.
    pub fn no_retries() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_the_cap() {
        let policy = RetryPolicy::default();
        let full = FixedJitter(1.0);
        let waits: Vec<u64> =
            (1..=8).map(|a| policy.backoff(a, &full).as_millis() as u64).collect();
        assert_eq!(waits, [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
    }

    #[test]
    fn backoff_is_a_fraction_of_the_ceiling() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(3, &FixedJitter(0.25)), Duration::from_millis(200));
        assert_eq!(policy.backoff(3, &FixedJitter(0.0)), Duration::ZERO);
    }

    #[test]
    fn huge_attempt_numbers_do_not_overflow() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(u32::MAX, &FixedJitter(1.0)), policy.max_delay);
    }

    #[test]
    fn random_jitter_stays_in_range() {
        for _ in 0..1000 {
            let f = RandomJitter.fraction();
            assert!((0.0..1.0).contains(&f), "{f}");
        }
    }
}
