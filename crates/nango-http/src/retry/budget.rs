//! The retry budget a client shares across its requests, so an outage cannot multiply load.

use std::sync::atomic::{AtomicU32, Ordering};

/// A token bucket shared by every request of a client (and of its clones). A retry withdraws
/// [`retry_cost`](RetryBudget::retry_cost) tokens (a retry after a timeout withdraws
/// [`timeout_cost`](RetryBudget::timeout_cost), since the server may still be working); a success
/// deposits [`success_refill`](RetryBudget::success_refill) tokens, up to the capacity. When the
/// bucket cannot pay for a retry, the request fails with
/// [`HttpErrorKind::RetryBudgetExhausted`](crate::HttpErrorKind::RetryBudgetExhausted).
///
/// Defaults: capacity 500, retry cost 5, timeout cost 10, success refill 1. With them a healthy
/// client may retry about one request in five, and a client facing an outage stops retrying
/// after 100 retries instead of multiplying every request by its attempts.
#[derive(Debug)]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
    success_refill: u32,
    tokens: AtomicU32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new(500, 5, 10, 1)
    }
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32, retry_cost: u32, timeout_cost: u32, success_refill: u32) -> Self {
        Self {
            capacity,
            retry_cost,
            timeout_cost,
            success_refill,
            tokens: AtomicU32::new(capacity),
        }
    }

    /// A budget that never runs out.
    pub fn unlimited() -> Self {
        Self::new(u32::MAX, 0, 0, 0)
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    /// The capacity of the bucket.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Tokens one ordinary retry costs.
    pub fn retry_cost(&self) -> u32 {
        self.retry_cost
    }

    /// Tokens a retry after a timeout costs.
    pub fn timeout_cost(&self) -> u32 {
        self.timeout_cost
    }

    /// Tokens a success gives back.
    pub fn success_refill(&self) -> u32 {
        self.success_refill
    }

    /// Withdraws the cost of one retry; `false` (and nothing withdrawn) if the bucket is short.
    pub fn try_withdraw(&self, after_timeout: bool) -> bool {
        let cost = if after_timeout { self.timeout_cost } else { self.retry_cost };
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Gives back the refill of one success.
    pub fn deposit_success(&self) {
        let refill = self.success_refill;
        let capacity = self.capacity;
        // A full budget, the usual case, is only read: no write to a line every caller shares.
        if self.tokens.load(Ordering::Acquire) >= capacity {
            return;
        }
        let _ = self.tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
            Some(t.saturating_add(refill).min(capacity))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_spend_and_successes_refill_up_to_the_capacity() {
        let budget = RetryBudget::new(12, 5, 10, 1);
        assert!(budget.try_withdraw(false));
        assert_eq!(budget.available(), 7);
        assert!(!budget.try_withdraw(true), "a timeout retry costs 10");
        assert_eq!(budget.available(), 7, "a refused withdrawal takes nothing");
        assert!(budget.try_withdraw(false));
        assert!(!budget.try_withdraw(false));
        for _ in 0..20 {
            budget.deposit_success();
        }
        assert_eq!(budget.available(), 12);
    }

    #[test]
    fn unlimited_never_runs_out() {
        let budget = RetryBudget::unlimited();
        for _ in 0..10_000 {
            assert!(budget.try_withdraw(true));
        }
    }
}
