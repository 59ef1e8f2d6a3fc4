//! Resident memory of the throttle with a million distinct keys, and after idle-key eviction.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use nango_http::{ManualClock, Quota, Throttle};
use serde::Serialize;

/// The memory figures.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) keys: usize,
    pub(crate) rss_before: u64,
    pub(crate) rss_after_keys: u64,
    pub(crate) bytes_per_key: f64,
    pub(crate) tracked_after_eviction: usize,
    pub(crate) rss_after_eviction: u64,
}

pub(crate) fn run(quick: bool) -> Result<Row> {
    let keys = if quick { 100_000 } else { 1_000_000 };
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000));
    let throttle = Throttle::new(Arc::new(clock.clone()));
    throttle.set_quota("Light", Quota::per_second(10));
    let rss_before = rss()?;
    runtime.block_on(async {
        for i in 0..keys {
            let key = format!("account-{i}");
            throttle.acquire(&key, "Light", None).await.ok();
        }
    });
    let rss_after_keys = rss()?;
    clock.advance(Duration::from_secs(60));
    throttle.evict_idle();
    let tracked_after_eviction = throttle.tracked_keys();
    let rss_after_eviction = rss()?;
    Ok(Row {
        keys,
        rss_before,
        rss_after_keys,
        bytes_per_key: rss_after_keys.saturating_sub(rss_before) as f64 / keys as f64,
        tracked_after_eviction,
        rss_after_eviction,
    })
}

/// Resident set size of this process, from /proc/self/statm.
fn rss() -> Result<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").context("reading /proc/self/statm")?;
    let pages: u64 = statm.split_whitespace().nth(1).context("statm has no rss")?.parse()?;
    Ok(pages * 4096)
}
