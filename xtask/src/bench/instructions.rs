//! Instructions per request of each client, counted by valgrind's callgrind: a figure that,
//! unlike requests per second, does not move with the machine's other load.
//!
//! Each client sends its requests alone (the overhead benchmark's `NANGO_BENCH_SOLO` mode) under
//! callgrind, twice with different request counts; the difference of the two counts divided by
//! the difference of the requests is the cost of one request, without start-up. The client
//! thread is the busiest thread of the run (the server's costs a quarter of it).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use serde::Serialize;

/// One client's count.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) client: &'static str,
    pub(crate) concurrency: usize,
    /// Instructions of the client thread per request.
    pub(crate) per_request: f64,
    /// `per_request` over raw reqwest's.
    pub(crate) ratio: f64,
}

const CLIENTS: [(&str, &str); 4] = [
    ("raw reqwest", "raw"),
    ("raw reqwest + timeout", "raw_timeout"),
    ("nango-http", "nango"),
    ("reqwest-retry", "middleware"),
];

/// `None` when valgrind is not installed (the section is then skipped, not failed).
pub(crate) fn run(quick: bool) -> Result<Option<Vec<Row>>> {
    if Command::new("valgrind").arg("--version").output().is_err() {
        return Ok(None);
    }
    let exe = std::env::current_exe().context("finding the xtask binary")?;
    let dir = tempfile::tempdir()?;
    let (small, large) = if quick { (1_000, 3_000) } else { (5_000, 15_000) };
    let concurrency = 64;
    let mut counts = Vec::new();
    for (name, solo) in CLIENTS {
        let a = count(&exe, dir.path(), solo, concurrency, small)?;
        let b = count(&exe, dir.path(), solo, concurrency, large)?;
        let per_request = (b as f64 - a as f64) / (large - small) as f64;
        eprintln!("bench: {name}: {per_request:.0} instructions a request");
        counts.push((name, per_request));
    }
    let raw = counts[0].1;
    Ok(Some(
        counts
            .into_iter()
            .map(|(client, per_request)| Row {
                client,
                concurrency,
                per_request,
                ratio: per_request / raw,
            })
            .collect(),
    ))
}

/// Instructions of the busiest thread of one solo run.
fn count(exe: &Path, dir: &Path, solo: &str, concurrency: usize, requests: usize) -> Result<u64> {
    let prefix = dir.join(format!("{solo}-{requests}"));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg("--separate-threads=yes")
        .arg(format!("--callgrind-out-file={}.%p", prefix.display()))
        .arg(exe)
        .args(["bench", "--only", "overhead"])
        .env("NANGO_BENCH_SOLO", format!("{solo}:{concurrency}"))
        .env("NANGO_BENCH_SOLO_REQUESTS", requests.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .context("running valgrind")?;
    anyhow::ensure!(status.success(), "valgrind on the `{solo}` client failed: {status}");
    let stem = prefix.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
    let mut busiest = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !name.starts_with(&format!("{stem}.")) {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let summary = text
            .lines()
            .find_map(|line| line.strip_prefix("summary: ").or(line.strip_prefix("totals: ")))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .unwrap_or(0);
        busiest = busiest.max(summary);
        std::fs::remove_file(&path)?;
    }
    anyhow::ensure!(busiest > 0, "no callgrind output for the `{solo}` client");
    Ok(busiest)
}
