//! Requests per second through raw reqwest, nango-http and reqwest-middleware + reqwest-retry.
//!
//! Fairness: the three clients share one set of reqwest settings (connect timeout, user agent,
//! default pool), every client is warmed up (connections open, code paths hot) before any round
//! is timed, rounds are interleaved with the order rotating each round so that drift in the
//! machine's load hits every client alike, and the figures are medians of the rounds.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures::stream::{self, StreamExt};
use nango_http::{HttpClient, RequestContext};
use reqwest_middleware::ClientBuilder;
use reqwest_retry::{RetryTransientMiddleware, policies::ExponentialBackoff};
use serde::Serialize;

/// One concurrency level.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) concurrency: usize,
    /// Requests per client per round.
    pub(crate) requests: usize,
    pub(crate) rounds: usize,
    /// Median over the rounds.
    pub(crate) raw_rps: f64,
    /// Raw reqwest with a per-request timeout, as nango-http sets on every attempt.
    pub(crate) raw_timeout_rps: f64,
    pub(crate) nango_rps: f64,
    pub(crate) middleware_rps: f64,
    /// Median over the rounds of each round's ratio to raw reqwest in the same round.
    pub(crate) raw_timeout_ratio: f64,
    pub(crate) nango_ratio: f64,
    /// The lower and upper quartiles of the rounds' nango / raw ratios: the noise of the run.
    pub(crate) nango_ratio_quartiles: (f64, f64),
    pub(crate) middleware_ratio: f64,
    /// Median client-thread CPU per request, in microseconds.
    pub(crate) raw_cpu_us: f64,
    pub(crate) raw_timeout_cpu_us: f64,
    pub(crate) nango_cpu_us: f64,
    pub(crate) middleware_cpu_us: f64,
}

/// nango-http's default per-attempt timeout.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The settings every client gets, so that only the layers on top differ.
fn reqwest_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("nango/", env!("CARGO_PKG_VERSION")))
        .build()
}

#[derive(Clone, Copy)]
#[repr(usize)]
enum Which {
    Raw,
    RawTimeout,
    Nango,
    Middleware,
}

/// Runs the server on a runtime of its own (one worker thread) and the clients on a
/// current-thread runtime: every request crosses the same two threads whichever client sends it,
/// instead of landing on a worker chosen by work stealing (which made concurrency 1 bimodal).
pub(crate) fn run(quick: bool) -> Result<Vec<Row>> {
    // The clients run on a thread of their own, so that pinning it leaves the other sections
    // (and the threads and processes they start, which inherit affinity) free to use every core.
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let cores = core_affinity::get_core_ids().filter(|cores| cores.len() >= 2);
                if let Some(cores) = &cores {
                    core_affinity::set_for_current(cores[0]);
                }
                run_pinned(quick)
            })
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the overhead benchmark panicked")))
    })
}

fn run_pinned(quick: bool) -> Result<Vec<Row>> {
    // With two cores or more, the clients' thread and the server's are pinned to cores of their
    // own: a thread moved between cores mid-round was a large part of the rounds' noise.
    let cores = core_affinity::get_core_ids().filter(|cores| cores.len() >= 2);
    let server_core = cores.as_ref().map(|cores| cores[1]);
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .on_thread_start(move || {
            if let Some(core) = server_core {
                core_affinity::set_for_current(core);
            }
        })
        .enable_all()
        .build()?;

    let listener = server_runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let url = url::Url::parse(&format!("http://{}/v2/ping", listener.local_addr()?))?;
    let app = axum::Router::new().route(
        "/v2/ping",
        axum::routing::get(|| async { axum::Json(serde_json::json!({"ok": true, "n": 1})) }),
    );
    let server = server_runtime.spawn(async move { axum::serve(listener, app).await });
    let clients = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let rows = clients.block_on(measure(url, quick));
    server.abort();
    drop(clients);
    server_runtime.shutdown_background();
    rows
}

async fn measure(url: url::Url, quick: bool) -> Result<Vec<Row>> {
    let raw = reqwest_client()?;
    let nango = HttpClient::builder().build()?;
    let retry = RetryTransientMiddleware::new_with_policy(
        ExponentialBackoff::builder().build_with_max_retries(3),
    );
    let middleware = ClientBuilder::new(reqwest_client()?).with(retry).build();
    let ctx = Arc::new(RequestContext::new().with_api_path("/ping"));

    let one = |which: Which, concurrency: usize, requests: usize| {
        let (raw, nango, middleware, url, ctx) =
            (raw.clone(), nango.clone(), middleware.clone(), url.clone(), ctx.clone());
        async move {
            // Requests borrow their client: no per-request clone of any client's handles.
            let (raw, nango, middleware, ctx) = (&raw, &nango, &middleware, &*ctx);
            match which {
                Which::Raw => {
                    rps(concurrency, requests, || {
                        let (c, u) = (raw, url.clone());
                        async move { Ok(c.get(u).send().await?.bytes().await.map(drop)?) }
                    })
                    .await
                }
                Which::RawTimeout => {
                    rps(concurrency, requests, || {
                        let (c, u) = (raw, url.clone());
                        async move {
                            let response = c.get(u).timeout(TIMEOUT).send().await?;
                            Ok(response.bytes().await.map(drop)?)
                        }
                    })
                    .await
                }
                Which::Nango => {
                    rps(concurrency, requests, || {
                        let (c, u) = (nango, url.clone());
                        async move {
                            let request = c.request(http::Method::GET, u).build()?;
                            Ok(c.send(request, ctx).await.map(drop)?)
                        }
                    })
                    .await
                }
                Which::Middleware => {
                    rps(concurrency, requests, || {
                        let (c, u) = (middleware, url.clone());
                        async move { Ok(c.get(u).send().await?.bytes().await.map(drop)?) }
                    })
                    .await
                }
            }
        }
    };

    // Profiling aid: `NANGO_BENCH_SOLO=raw|raw_timeout|nango|middleware[:concurrency]` sends
    // requests (`NANGO_BENCH_SOLO_REQUESTS`, default 20,000 x concurrency up to 5) through that
    // client alone (e.g. under `perf record` or callgrind), prints its figures, then stops.
    if let Ok(solo) = std::env::var("NANGO_BENCH_SOLO") {
        let (which, concurrency) = client_spec("NANGO_BENCH_SOLO", &solo)?;
        let requests = match std::env::var("NANGO_BENCH_SOLO_REQUESTS") {
            Ok(n) => n.parse()?,
            Err(_) => 20_000 * concurrency.min(5),
        };
        let m = one(which, concurrency, requests).await?;
        eprintln!("bench: {solo} alone: {:.0} req/s, {:.1} us CPU a request", m.rps, m.cpu_us);
        return Ok(Vec::new());
    }
    // Development aid: `NANGO_BENCH_PAIR=nango|raw_timeout|middleware[:concurrency]` alternates
    // raw reqwest and that client for 15 rounds and prints the median ratios to raw reqwest.
    if let Ok(pair) = std::env::var("NANGO_BENCH_PAIR") {
        let (which, concurrency) = client_spec("NANGO_BENCH_PAIR", &pair)?;
        let requests = if concurrency == 1 { 3_500 } else { 20_000 };
        one(Which::Raw, concurrency, requests).await?;
        one(which, concurrency, requests).await?;
        let (mut rps, mut cpu) = (Vec::new(), Vec::new());
        for round in 0..15 {
            let (a, b) = if round % 2 == 0 {
                let a = one(Which::Raw, concurrency, requests).await?;
                (a, one(which, concurrency, requests).await?)
            } else {
                let b = one(which, concurrency, requests).await?;
                (one(Which::Raw, concurrency, requests).await?, b)
            };
            rps.push(b.rps / a.rps);
            cpu.push(b.cpu_us / a.cpu_us);
        }
        let q = quartiles(rps.iter().copied());
        eprintln!(
            "bench: {pair} / raw: req/s {:.3} (quartiles {:.3} to {:.3}), CPU {:.3}",
            median(rps),
            q.0,
            q.1,
            median(cpu)
        );
        return Ok(Vec::new());
    }
    // Many short rounds: a burst of load from another process lands in a few rounds, which the
    // medians then discard, instead of in one client's long run.
    // Rounds of about half a second each: shorter ones are dominated by the machine's
    // scheduling noise (a round of 80 ms swung the ratio by 20%).
    let levels =
        if quick { [(1, 5, 500), (64, 5, 2_000)] } else { [(1, 31, 3_500), (64, 31, 25_000)] };
    let mut rows = Vec::new();
    for (concurrency, rounds, requests) in levels {
        for which in [Which::Raw, Which::RawTimeout, Which::Nango, Which::Middleware] {
            one(which, concurrency, requests).await?; // warm-up, not timed
        }
        let mut measured: [Vec<Measured>; 4] = Default::default();
        let mut order = [Which::Raw, Which::RawTimeout, Which::Nango, Which::Middleware];
        for _ in 0..rounds {
            for which in order {
                measured[which as usize].push(one(which, concurrency, requests).await?);
            }
            order.rotate_left(1);
        }
        let [raw, raw_t, nango, mw] = measured;
        eprintln!(
            "bench: concurrency {concurrency}: raw req/s {:.0?}, nango/raw {:.3?}",
            raw.iter().map(|m| m.rps).collect::<Vec<_>>(),
            nango.iter().zip(&raw).map(|(n, r)| n.rps / r.rps).collect::<Vec<_>>()
        );
        let ratio =
            |xs: &[Measured]| median(xs.iter().zip(&raw).map(|(x, r)| x.rps / r.rps).collect());
        let rps = |xs: &[Measured]| median(xs.iter().map(|m| m.rps).collect());
        let cpu = |xs: &[Measured]| median(xs.iter().map(|m| m.cpu_us).collect());
        rows.push(Row {
            concurrency,
            requests,
            rounds,
            raw_rps: rps(&raw),
            raw_timeout_rps: rps(&raw_t),
            nango_rps: rps(&nango),
            middleware_rps: rps(&mw),
            raw_timeout_ratio: ratio(&raw_t),
            nango_ratio: ratio(&nango),
            nango_ratio_quartiles: quartiles(nango.iter().zip(&raw).map(|(n, r)| n.rps / r.rps)),
            middleware_ratio: ratio(&mw),
            raw_cpu_us: cpu(&raw),
            raw_timeout_cpu_us: cpu(&raw_t),
            nango_cpu_us: cpu(&nango),
            middleware_cpu_us: cpu(&mw),
        });
    }
    Ok(rows)
}

/// `client[:concurrency]` of the development aids, e.g. `nango:64`.
fn client_spec(variable: &str, spec: &str) -> Result<(Which, usize)> {
    let (name, concurrency) = spec.split_once(':').unwrap_or((spec, "1"));
    let which = match name {
        "raw" => Which::Raw,
        "raw_timeout" => Which::RawTimeout,
        "nango" => Which::Nango,
        "middleware" => Which::Middleware,
        other => anyhow::bail!("{variable}: unknown client `{other}`"),
    };
    let concurrency =
        concurrency.parse().with_context(|| format!("{variable}: concurrency `{concurrency}`"))?;
    Ok((which, concurrency))
}

/// The lower and upper quartiles (nearest rank).
fn quartiles(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let mut xs: Vec<f64> = xs.collect();
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    xs.sort_by(f64::total_cmp);
    let at = |q: f64| xs[((xs.len() - 1) as f64 * q).round() as usize];
    (at(0.25), at(0.75))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

/// Throughput of `requests` calls of `call`, `concurrency` at a time.
/// What one round of one client measured.
#[derive(Debug, Clone, Copy)]
struct Measured {
    /// Requests per second.
    rps: f64,
    /// CPU time of the client thread per request, in microseconds: the work the client layers
    /// do, hardly touched by other processes competing for the machine.
    cpu_us: f64,
}

/// Throughput and client CPU of `requests` calls of `call`, `concurrency` at a time, on the
/// current (current-thread runtime) thread.
async fn rps<F, Fut>(concurrency: usize, requests: usize, call: F) -> Result<Measured>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let cpu_before = thread_cpu_ns()?;
    #[allow(clippy::disallowed_methods)] // a benchmark measures real time
    let start = Instant::now();
    let results: Vec<Result<()>> =
        stream::iter(0..requests).map(|_| call()).buffer_unordered(concurrency).collect().await;
    let elapsed = start.elapsed().max(Duration::from_micros(1));
    let cpu = thread_cpu_ns()?.saturating_sub(cpu_before);
    if let Some(err) = results.into_iter().find_map(Result::err) {
        return Err(err);
    }
    Ok(Measured {
        rps: requests as f64 / elapsed.as_secs_f64(),
        cpu_us: cpu as f64 / 1_000.0 / requests as f64,
    })
}

/// Nanoseconds this thread has run on a CPU, from /proc/thread-self/schedstat.
fn thread_cpu_ns() -> Result<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat")
        .context("reading /proc/thread-self/schedstat")?;
    Ok(stat.split_whitespace().next().context("empty schedstat")?.parse()?)
}
