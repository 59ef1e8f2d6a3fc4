//! Zoom's account rate limits: a token bucket per (account, category) for the per-second quota
//! and a counter per (account, daily pool) for the daily quota, both from the plan table of
//! FACTS §4.
//!
//! A bucket holds at most the per-second quota and refills at the quota per (real) second, so a
//! client that spaces its requests evenly at the quota never sees a 429. Daily counters reset at
//! 00:00 UTC of the sandbox clock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};

use crate::config::Plan;

/// A rate-limit category ("Rate Limit Label").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Category {
    Light,
    Medium,
    Heavy,
    ResourceIntensive,
}

impl Category {
    /// The value of `X-RateLimit-Category`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Light => "Light",
            Self::Medium => "Medium",
            Self::Heavy => "Heavy",
            Self::ResourceIntensive => "Resource-intensive",
        }
    }

    /// Reads a category name as sent in headers, case-insensitively.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        [Self::Light, Self::Medium, Self::Heavy, Self::ResourceIntensive]
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(text))
    }
}

/// Which daily counter a category draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DailyPool {
    Own(Category),
    HeavyShared,
}

/// The per-second quota as (requests, per seconds).
fn per_second(plan: Plan, category: Category) -> (f64, f64) {
    use Category::*;
    match (plan, category) {
        (Plan::Free, Light) => (4.0, 1.0),
        (Plan::Free, Medium) => (2.0, 1.0),
        (Plan::Free, Heavy) => (1.0, 1.0),
        (Plan::Pro, Light) => (30.0, 1.0),
        (Plan::Pro, Medium) => (20.0, 1.0),
        (Plan::Pro, Heavy) => (10.0, 1.0),
        (Plan::BusinessPlus, Light) => (80.0, 1.0),
        (Plan::BusinessPlus, Medium) => (60.0, 1.0),
        (Plan::BusinessPlus, Heavy) => (40.0, 1.0),
        (Plan::Free | Plan::Pro, ResourceIntensive) => (10.0, 60.0),
        (Plan::BusinessPlus, ResourceIntensive) => (20.0, 60.0),
    }
}

/// The daily pool and its cap, if the plan has one for the category.
fn daily(plan: Plan, category: Category) -> Option<(DailyPool, u64)> {
    use Category::*;
    match (plan, category) {
        (Plan::Free, Light) => Some((DailyPool::Own(Light), 6_000)),
        (Plan::Free, Medium) => Some((DailyPool::Own(Medium), 2_000)),
        (Plan::Free, Heavy) => Some((DailyPool::Own(Heavy), 1_000)),
        (Plan::Free, ResourceIntensive) => Some((DailyPool::Own(ResourceIntensive), 30_000)),
        (Plan::Pro, Heavy | ResourceIntensive) => Some((DailyPool::HeavyShared, 30_000)),
        (Plan::BusinessPlus, Heavy | ResourceIntensive) => Some((DailyPool::HeavyShared, 60_000)),
        (Plan::Pro | Plan::BusinessPlus, Light | Medium) => None,
    }
}

/// The `X-RateLimit-*` values of one answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RateHeaders {
    pub(crate) category: Category,
    pub(crate) limit: u64,
    pub(crate) remaining: u64,
    /// `QPS` or `Daily-limit`.
    pub(crate) kind: &'static str,
}

/// What the limiter decided for one request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// Go ahead; send these headers.
    Allowed(RateHeaders),
    /// The per-second quota is spent.
    PerSecond(RateHeaders),
    /// The daily quota is spent until `retry_after` (the next 00:00 UTC).
    Daily(RateHeaders, DateTime<Utc>),
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// The limiter of the whole sandbox.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    plan: Plan,
    /// Multiplies the per-second quotas (`SandboxConfig::per_second_multiplier`), at least 1.
    multiplier: u32,
    buckets: Mutex<HashMap<(String, Category), Bucket>>,
    days: Mutex<HashMap<(String, DailyPool), (NaiveDate, u64)>>,
}

impl RateLimiter {
    pub(crate) fn new(plan: Plan) -> Self {
        Self { plan, multiplier: 1, buckets: Mutex::default(), days: Mutex::default() }
    }

    /// Multiplies every per-second quota by `multiplier` (0 counts as 1).
    pub(crate) fn with_per_second_multiplier(mut self, multiplier: u32) -> Self {
        self.multiplier = multiplier.max(1);
        self
    }

    /// Decides one request of `account` in `category`, and counts it when allowed.
    pub(crate) fn check(
        &self,
        account: &str,
        category: Category,
        mono: Instant,
        now: DateTime<Utc>,
    ) -> Verdict {
        let (quota, per) = per_second(self.plan, category);
        let quota = quota * f64::from(self.multiplier);
        let today = now.date_naive();
        let mut days = self.days.lock().unwrap_or_else(|e| e.into_inner());
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());

        let daily = daily(self.plan, category).map(|(pool, cap)| {
            let entry = days.entry((account.to_owned(), pool)).or_insert((today, 0));
            if entry.0 != today {
                *entry = (today, 0);
            }
            (entry, cap)
        });
        if let Some((entry, cap)) = &daily
            && entry.1 >= *cap
        {
            let headers = RateHeaders { category, limit: *cap, remaining: 0, kind: "Daily-limit" };
            return Verdict::Daily(headers, crate::clock::next_utc_midnight(now));
        }

        let bucket = buckets
            .entry((account.to_owned(), category))
            .or_insert(Bucket { tokens: quota, last: mono });
        let elapsed = mono.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * quota / per).min(quota);
        bucket.last = mono;
        if bucket.tokens < 1.0 {
            let headers = RateHeaders { category, limit: quota as u64, remaining: 0, kind: "QPS" };
            return Verdict::PerSecond(headers);
        }
        bucket.tokens -= 1.0;

        match daily {
            Some((entry, cap)) => {
                entry.1 += 1;
                let remaining = cap.saturating_sub(entry.1);
                Verdict::Allowed(RateHeaders {
                    category,
                    limit: cap,
                    remaining,
                    kind: "Daily-limit",
                })
            }
            None => {
                let remaining = bucket.tokens.floor() as u64;
                Verdict::Allowed(RateHeaders {
                    category,
                    limit: quota as u64,
                    remaining,
                    kind: "QPS",
                })
            }
        }
    }

    /// Sets how much of today's daily quota `account` has used in `category`'s pool, so that a
    /// test can reach the cap without thousands of requests. Returns false when the plan has no
    /// daily cap for the category.
    pub(crate) fn set_daily_used(
        &self,
        account: &str,
        category: Category,
        used: u64,
        now: DateTime<Utc>,
    ) -> bool {
        let Some((pool, _)) = daily(self.plan, category) else { return false };
        let mut days = self.days.lock().unwrap_or_else(|e| e.into_inner());
        days.insert((account.to_owned(), pool), (now.date_naive(), used));
        true
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn now() -> DateTime<Utc> {
        "2024-05-30T13:14:15Z".parse().unwrap()
    }

    #[test]
    fn bucket_allows_the_quota_then_refuses_then_refills() {
        let limiter = RateLimiter::new(Plan::Pro);
        let t0 = crate::clock::SandboxClock::default().monotonic();
        for _ in 0..30 {
            assert!(matches!(limiter.check("a", Category::Light, t0, now()), Verdict::Allowed(_)));
        }
        let refused = limiter.check("a", Category::Light, t0, now());
        assert!(matches!(refused, Verdict::PerSecond(ref h) if h.kind == "QPS" && h.limit == 30));
        // Other accounts and categories have their own buckets.
        assert!(matches!(limiter.check("b", Category::Light, t0, now()), Verdict::Allowed(_)));
        assert!(matches!(limiter.check("a", Category::Medium, t0, now()), Verdict::Allowed(_)));
        // A request spaced at the quota (1/30 s) is always allowed.
        let later = t0 + Duration::from_millis(34);
        assert!(matches!(limiter.check("a", Category::Light, later, now()), Verdict::Allowed(_)));
    }

    #[test]
    fn the_multiplier_raises_the_per_second_quota_only() {
        let limiter = RateLimiter::new(Plan::Free).with_per_second_multiplier(10);
        let t0 = crate::clock::SandboxClock::default().monotonic();
        for _ in 0..40 {
            assert!(matches!(limiter.check("a", Category::Light, t0, now()), Verdict::Allowed(_)));
        }
        let refused = limiter.check("a", Category::Light, t0, now());
        assert!(matches!(refused, Verdict::PerSecond(ref h) if h.limit == 40));
        assert!(limiter.set_daily_used("a", Category::Medium, 1_999, now()));
        assert!(matches!(limiter.check("a", Category::Medium, t0, now()), Verdict::Allowed(_)));
        assert!(matches!(limiter.check("a", Category::Medium, t0, now()), Verdict::Daily(..)));
    }

    #[test]
    fn free_plan_daily_cap_resets_at_midnight() {
        let limiter = RateLimiter::new(Plan::Free);
        let t0 = crate::clock::SandboxClock::default().monotonic();
        assert!(limiter.set_daily_used("a", Category::Medium, 1_999, now()));
        let last = limiter.check("a", Category::Medium, t0, now());
        assert!(matches!(last, Verdict::Allowed(ref h) if h.remaining == 0 && h.limit == 2_000));
        let refused = limiter.check("a", Category::Medium, t0 + Duration::from_secs(5), now());
        let Verdict::Daily(headers, retry) = refused else { panic!("{refused:?}") };
        assert_eq!(headers.kind, "Daily-limit");
        assert_eq!(crate::clock::zoom_time(retry), "2024-05-31T00:00:00Z");
        let tomorrow = now() + chrono::TimeDelta::days(1);
        let again = limiter.check("a", Category::Medium, t0 + Duration::from_secs(9), tomorrow);
        assert!(matches!(again, Verdict::Allowed(_)));
    }

    #[test]
    fn pro_plan_has_no_daily_cap_for_light() {
        let limiter = RateLimiter::new(Plan::Pro);
        assert!(!limiter.set_daily_used("a", Category::Light, 5, now()));
        assert_eq!(Category::parse("resource-intensive"), Some(Category::ResourceIntensive));
    }
}
