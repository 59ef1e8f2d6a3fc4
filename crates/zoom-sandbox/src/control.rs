//! The test controls of a running sandbox: its clock, faults, counters and settings.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::ClientApp;
use crate::faults::FaultRule;
use crate::ratelimit::Category;
use crate::state::Shared;

/// Counters of what the sandbox has served since it started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// API requests (`/v2/*`, authorised, naming a catalogue operation) per rate-limit
    /// category: `Light`, `Medium`, `Heavy`, `Resource-intensive`. Requests refused with a 429
    /// are counted too.
    pub requests_by_category: BTreeMap<String, u64>,
    /// The same requests per operation, keyed `"METHOD /template"` with the template relative to
    /// `/v2` as in Zoom's specs, e.g. `"GET /users/{userId}"`.
    #[serde(default)]
    pub requests_by_operation: BTreeMap<String, u64>,
    /// Requests answered 429 (per-second, daily, or the per-user meeting cap).
    pub rate_limited: u64,
    /// Access tokens issued, by every grant.
    pub tokens_issued: u64,
    /// Successful `refresh_token` grants.
    pub refreshes: u64,
    /// Meetings created.
    pub meetings_created: u64,
    /// Every request to `/oauth/*` and `/v2/*` (not `/_sandbox/*`).
    pub requests: u64,
    /// Requests a fault was applied to.
    pub faults_injected: u64,
}

/// A cheap, cloneable handle on a running sandbox's controls.
#[derive(Debug, Clone)]
pub struct SandboxControl {
    pub(crate) shared: Arc<Shared>,
}

impl SandboxControl {
    /// Moves the sandbox's "now" forward: tokens, codes and page tokens expire, and daily quotas
    /// reset when it crosses 00:00 UTC. Token buckets refill on real time only.
    pub fn advance_clock(&self, by: Duration) {
        tracing::debug!(seconds = by.as_secs(), "advancing the sandbox clock");
        self.shared.clock.advance(by);
    }

    /// Arms a fault for the next `rule.times` requests that match it.
    pub fn inject_fault(&self, rule: FaultRule) {
        tracing::debug!(?rule, "fault armed");
        self.shared.faults.push(rule);
    }

    /// A copy of the counters.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Switches between redirecting at once and showing the consent page on `/oauth/authorize`.
    pub fn set_auto_approve(&self, on: bool) {
        self.shared.set_auto_approve(on);
    }

    /// Registers another OAuth app (replacing one with the same client id).
    pub fn add_client(&self, app: ClientApp) {
        self.shared.add_client(app);
    }

    /// Sets how many requests `account_id` has already made today in the daily pool of
    /// `category` (`Light`, `Medium`, `Heavy` or `Resource-intensive`), so a test reaches a
    /// daily cap without thousands of requests. Returns false when the category is unknown or
    /// the plan has no daily cap for it (Pro and Business+ cap only Heavy and
    /// Resource-intensive).
    pub fn set_daily_usage(&self, account_id: &str, category: &str, used: u64) -> bool {
        let Some(category) = Category::parse(category) else { return false };
        let now = self.shared.clock.now_utc();
        self.shared.limiter.set_daily_used(account_id, category, used, now)
    }
}
