//! `cargo xtask bench [--json] [--quick]`: speed and memory of nango-http, as ratios against
//! baselines measured in the same run, written to `docs/benchmarks.md`; and refresh under
//! concurrency through nango-oauth.

mod instructions;
mod memory;
mod overhead;
mod ratelimit;
mod refresh;

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

/// Everything one run measures.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) overhead: Vec<overhead::Row>,
    /// `None` when valgrind is not installed.
    pub(crate) instructions: Option<Vec<instructions::Row>>,
    pub(crate) rate_limited_job: Vec<ratelimit::Row>,
    pub(crate) memory: memory::Row,
    pub(crate) refresh: Vec<refresh::Row>,
}

pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    let json = args.iter().any(|a| a == "--json");
    let quick = args.iter().any(|a| a == "--quick");
    if let Some(section) = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)) {
        return only(section, quick);
    }
    eprintln!("bench: overhead against a local server…");
    let overhead = overhead::run(quick)?;
    eprintln!("bench: instructions per request under callgrind…");
    let instructions = instructions::run(quick)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(async {
        eprintln!("bench: a rate-limited job against the sandbox…");
        let rate_limited_job = ratelimit::run(quick).await?;
        eprintln!("bench: refresh under concurrency against the sandbox…");
        let refresh = refresh::run(quick).await?;
        anyhow::Ok((overhead, rate_limited_job, refresh))
    })?;
    drop(runtime);
    eprintln!("bench: memory with many keys…");
    let memory = memory::run(quick)?;
    let report = Report {
        overhead: report.0,
        instructions,
        rate_limited_job: report.1,
        memory,
        refresh: report.2,
    };
    let markdown = markdown(&report, quick);
    std::fs::write(root.join("docs/benchmarks.md"), &markdown)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{markdown}");
    }
    Ok(())
}

/// The hidden `bench-refresh-child` task: one of the processes of the refresh bench.
pub(crate) fn refresh_child(args: &[String]) -> Result<()> {
    refresh::child(args)
}

/// `--only overhead|instructions|ratelimit|memory|refresh`: one section, printed as JSON (the refresh section
/// also as its markdown, on stderr, to paste), `docs/benchmarks.md` left as it is.
/// For profiling and for quick comparisons while changing nango-http.
fn only(section: &str, quick: bool) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let value = match section {
        "overhead" => serde_json::to_value(overhead::run(quick)?)?,
        "instructions" => serde_json::to_value(instructions::run(quick)?)?,
        "ratelimit" => serde_json::to_value(runtime.block_on(ratelimit::run(quick))?)?,
        "memory" => serde_json::to_value(memory::run(quick)?)?,
        "refresh" => {
            let rows = runtime.block_on(refresh::run(quick))?;
            let mut section = String::new();
            refresh_markdown(&mut section, &rows);
            eprint!("{section}");
            serde_json::to_value(rows)?
        }
        other => {
            anyhow::bail!(
                "unknown section `{other}`: overhead, instructions, ratelimit, memory or refresh"
            )
        }
    };
    println!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}

fn instructions_markdown(out: &mut String, rows: Option<&[instructions::Row]>) {
    let _ = writeln!(
        out,
        "\nThe same clients, as instructions per request of the client thread counted by \
         valgrind (callgrind) at concurrency 64: each client alone, two runs of different \
         lengths, the difference divided by the difference in requests (start-up cancels out). \
         Unlike the figures above, these do not move with the machine's other load, so they \
         tell a 2% difference from noise; what they miss is time lost to cache misses and \
         system calls.\n"
    );
    let Some(rows) = rows else {
        let _ = writeln!(out, "Skipped: valgrind is not installed.");
        return;
    };
    let _ = writeln!(
        out,
        "| client | instructions a request | / raw reqwest | / raw reqwest + timeout |\n\
         |---|---|---|---|"
    );
    let with_timeout = rows.iter().find(|row| row.client == "raw reqwest + timeout");
    for row in rows {
        let to_timeout = with_timeout.map_or(f64::NAN, |t| row.per_request / t.per_request);
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.3} | {:.3} |",
            row.client, row.per_request, row.ratio, to_timeout
        );
    }
}

fn markdown(report: &Report, quick: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Written by `cargo xtask bench`{}. Every figure is a ratio against a baseline measured in \
         the same run on the same machine, so the ratios, not the absolute numbers, are what \
         carries from one machine to another. Machine of this run: {} cores, load average {} \
         when it ended (other work on the machine, and on the host of a virtual machine, makes the \
         throughput and CPU figures noisy; the instruction counts do not move).\n",
        if quick { " --quick" } else { "" },
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        load_average()
    );
    let _ = writeln!(out, "## Overhead of nango-http\n");
    let _ = writeln!(
        out,
        "Requests per second against a local axum server answering a small JSON body, through raw \
         reqwest, through nango-http (retries, throttle bookkeeping with no quota, tracing \
         spans, classification) and through reqwest-middleware with reqwest-retry. The \
         clients share one reqwest configuration (pool, connect timeout, user agent) and one \
         thread, pinned to a core, with the server's thread pinned to another; each client is \
         warmed up, then the rounds are interleaved in a rotating order. Requests per second \
         are medians over the rounds; the ratios are medians of each round's ratio to raw \
         reqwest in the same round, and the quartiles of nango's ratios show how noisy the \
         run was. Goal: nango-http within 3% of raw reqwest.\n"
    );
    let _ = writeln!(
        out,
        "| concurrency | rounds x requests | raw reqwest req/s | nango-http req/s | \
         reqwest-retry req/s | nango / raw | nango / raw quartiles | raw + timeout / raw | \
         reqwest-retry / raw |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for row in &report.overhead {
        let _ = writeln!(
            out,
            "| {} | {} x {} | {:.0} | {:.0} | {:.0} | {:.3} | {:.3} to {:.3} | {:.3} | {:.3} |",
            row.concurrency,
            row.rounds,
            row.requests,
            row.raw_rps,
            row.nango_rps,
            row.middleware_rps,
            row.nango_ratio,
            row.nango_ratio_quartiles.0,
            row.nango_ratio_quartiles.1,
            row.raw_timeout_ratio,
            row.middleware_ratio
        );
    }
    let _ = writeln!(
        out,
        "\nThe same rounds, as CPU time of the client thread per request (the clients run on one \
         current-thread runtime, the server on its own thread), medians over the rounds. CPU \
         time is less touched than throughput by other processes competing for the machine, \
         but on a virtual machine it still moves by a few percent from run to run. \
         \"raw + timeout\" is raw reqwest with a 30 s \
         per-request timeout (`RequestBuilder::timeout`, a tokio timer), the protection \
         nango-http gives every attempt (through its own deadline queue instead of a timer).\n"
    );
    let _ = writeln!(
        out,
        "| concurrency | raw µs | raw + timeout µs | nango-http µs | reqwest-retry µs | \
         nango - raw µs |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for row in &report.overhead {
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {:+.1} |",
            row.concurrency,
            row.raw_cpu_us,
            row.raw_timeout_cpu_us,
            row.nango_cpu_us,
            row.middleware_cpu_us,
            row.nango_cpu_us - row.raw_cpu_us
        );
    }
    instructions_markdown(&mut out, report.instructions.as_deref());
    let _ = writeln!(out, "\n## A rate-limited job\n");
    let _ = writeln!(
        out,
        "N requests to the sandbox's `GET /v2/users/me` (category Light) at the plan's quota \
         Q, 16 at a time, timed from the first call to the last answer. The floor is (N-1)/Q: \
         the first request goes at once. nango-http throttles proactively from the blueprint's \
         quota; the reactive client is reqwest that only backs off (1 s plus jitter) after a \
         429. Goal: within 2% of the floor with zero 429s.\n"
    );
    let _ = writeln!(out, "| client | plan | N | Q/s | floor s | time s | time / floor | 429s |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for row in &report.rate_limited_job {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.2} | {:.3} | {:.4} | {} |",
            row.client,
            row.plan,
            row.requests,
            row.quota,
            row.floor_seconds,
            row.seconds,
            row.seconds / row.floor_seconds,
            row.rate_limited
        );
    }
    let m = &report.memory;
    let _ = writeln!(out, "\n## Memory with many throttle keys\n");
    let _ = writeln!(
        out,
        "One acquisition for each of {} distinct keys in one category, then idle-key eviction \
         after the keys' windows have passed (virtual time).\n",
        m.keys
    );
    let _ = writeln!(out, "| measure | value |\n|---|---|");
    let _ = writeln!(out, "| resident memory before | {:.1} MiB |", mib(m.rss_before));
    let _ = writeln!(
        out,
        "| after {} keys | {:.1} MiB ({:.0} bytes a key) |",
        m.keys,
        mib(m.rss_after_keys),
        m.bytes_per_key
    );
    let _ = writeln!(out, "| keys tracked after eviction | {} |", m.tracked_after_eviction);
    let _ =
        writeln!(out, "| resident memory after eviction | {:.1} MiB |", mib(m.rss_after_eviction));
    refresh_markdown(&mut out, &report.refresh);
    out
}

fn refresh_markdown(out: &mut String, rows: &[refresh::Row]) {
    let _ = writeln!(out, "\n## Refresh under concurrency\n");
    let _ = writeln!(
        out,
        "Concurrent `Session::request` calls of `GET /v2/users/me` on one connection whose access \
         token has expired, against the sandbox, which rotates the refresh token on every \
         refresh (the old one dies at once, as Zoom's does). The sandbox's clock is moved 2 h \
         forward after connecting. Reactive: the client still believes the token valid, every \
         first send gets a 401 (code 124), one refresh, then each call replays once. Proactive: \
         the client's clock is moved forward too, so it refreshes before sending. Processes: \
         four copies of the xtask binary sharing one SQLite store (WAL, the refresh lease), \
         started, then calling together at an agreed moment, timed from it to the last answer \
         of the last process (start-up not included). The sandbox's \
         per-second quotas are multiplied by 1,000 and the API client has no quotas, so that \
         only refresh is measured. \"401s\" counts the sends the sandbox refused; fewer than \
         the calls means some calls read the renewed token from the store before sending. \
         Goal: exactly one refresh and no failure in every row.\n"
    );
    let _ =
        writeln!(out, "| scenario | processes | calls | refreshes | 401s | failures | time s |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {:.3} |",
            row.scenario,
            row.processes,
            row.calls,
            row.refreshes,
            row.rejected,
            row.failures,
            row.seconds
        );
    }
}

/// The one-minute load average, from /proc/loadavg.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| String::from("unknown"))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
