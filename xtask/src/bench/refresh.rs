//! Refresh under concurrency against the real sandbox: many `Session::request` calls on an
//! expired access token, in one process and in four processes sharing one SQLite store. Zoom
//! (and the sandbox) rotate the refresh token on every refresh, so a second refresh of the same
//! grant would fail; the figure that matters is the number of refreshes the sandbox counted.
//!
//! The child processes are this binary again: `xtask bench-refresh-child <args>`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, bail};
use base64::Engine;
use futures::stream::{self, StreamExt};
use nango_config::{Config, Integration};
use nango_http::time::Sleep;
use nango_http::{Clock, HttpClient, SystemClock};
use nango_oauth::{HttpBrowser, Keyring, OAuthClient, Session, SqliteStore, TokenStore, clients};
use serde::{Deserialize, Serialize};
use zoom_sandbox::{ClientApp, Sandbox, SandboxConfig};

/// One scenario's run.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) scenario: &'static str,
    pub(crate) processes: usize,
    pub(crate) calls: usize,
    /// Refreshes the sandbox counted during the run (the goal is 1).
    pub(crate) refreshes: u64,
    /// Calls answered with a 401 (the reactive path's rejections, before the replay).
    pub(crate) rejected: u64,
    pub(crate) failures: usize,
    pub(crate) seconds: f64,
}

/// How far the sandbox's clock (and, for the proactive path, the client's) jumps: past the
/// 3599 s lifetime of the access token.
const EXPIRE_BY: Duration = Duration::from_secs(2 * 3600);
const PROCESSES: usize = 4;
const CONNECTION: &str = "bench";
const KEY: [u8; 32] = [7; 32];
/// The hidden subcommand that runs one child process.
pub(crate) const CHILD: &str = "bench-refresh-child";

pub(crate) async fn run(quick: bool) -> Result<Vec<Row>> {
    let calls = if quick { 200 } else { 1_000 };
    let per_process = if quick { 50 } else { 250 };
    let mut rows = Vec::new();
    for proactive in [false, true] {
        rows.push(one_process(calls, proactive).await?);
    }
    for proactive in [false, true] {
        rows.push(processes(per_process, proactive).await?);
    }
    Ok(rows)
}

/// A sandbox whose per-second quotas are far above the bench's load (the bench measures
/// refresh, not throttling), and an integration extending `zoom:v0` pointed at it.
struct Setup {
    sandbox: zoom_sandbox::RunningSandbox,
    yaml: String,
}

async fn setup() -> Result<Setup> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let app = ClientApp { redirect_uris: vec![redirect_uri.clone()], ..ClientApp::demo() };
    let config = SandboxConfig {
        auto_approve: true,
        clients: vec![app.clone()],
        seed_users: 0,
        per_second_multiplier: 1_000,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await?;
    let yaml = integration_yaml(&sandbox.base_url(), &app, &redirect_uri);
    Ok(Setup { sandbox, yaml })
}

fn integration_yaml(base: &str, app: &ClientApp, redirect_uri: &str) -> String {
    format!(
        "integrations:
  zoom:
    extends_blueprint: zoom:v0
    oauth_client_id: {}
    oauth_client_secret: {}
    redirect_uri: {redirect_uri}
    rate_limit_plan: pro
    overrides:
      auth: {{ authorization_url: {base}/oauth/authorize, token_url: {base}/oauth/token }}
      api: {{ base_url: {base}/v2 }}
",
        app.client_id, app.client_secret
    )
}

fn integration(yaml: &str) -> Result<Arc<Integration>> {
    let config = Config::parse(yaml, "bench.yaml", &|_| None)?;
    Ok(Arc::new(config.integration("zoom").context("the zoom integration")?.clone()))
}

/// A session on `store` whose token client reads `clock`. The API client has no quotas and
/// the generic policy (a 401 is a rejected token, as Zoom's code 124 is).
fn session(
    integration: Arc<Integration>,
    store: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
) -> Result<Session> {
    let token_http = clients::token_client(&integration, clock)?;
    let api = HttpClient::builder().build()?;
    let oauth = OAuthClient::new(integration, token_http, store);
    Ok(Session::new(oauth, api, CONNECTION))
}

/// `calls` concurrent requests of one process on an expired token: reactive (the client
/// believes the token valid and learns otherwise from a 401) or proactive (the client's clock
/// is moved past expiry too, so it refreshes before sending).
async fn one_process(calls: usize, proactive: bool) -> Result<Row> {
    let s = setup().await?;
    let control = s.sandbox.control();
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn TokenStore> =
        Arc::new(SqliteStore::open(&dir.path().join("c.db"), Keyring::new(KEY, None))?);
    let offset = Arc::new(OffsetClock::default());
    let session = session(integration(&s.yaml)?, store, offset.clone())?;
    session.oauth().connect(CONNECTION, &HttpBrowser::new()?, Duration::from_secs(20)).await?;

    control.advance_clock(EXPIRE_BY);
    if proactive {
        offset.set(EXPIRE_BY);
    }
    let before = control.stats();
    let start = SystemClock.now();
    let failures = calls_at_once(&session, calls).await;
    let seconds = start.elapsed().as_secs_f64();
    let after = control.stats();
    Ok(Row {
        scenario: if proactive { "one process, proactive" } else { "one process, reactive" },
        processes: 1,
        calls,
        refreshes: after.refreshes - before.refreshes,
        rejected: rejected(&before, &after),
        failures,
        seconds,
    })
}

/// Four processes, each making `per_process` concurrent calls on one SQLite store after
/// expiry. They start together at an agreed wall time after spawning (so that process
/// start-up is not timed and the processes really overlap), timed from that moment to the last
/// process's last answer.
async fn processes(per_process: usize, proactive: bool) -> Result<Row> {
    let s = setup().await?;
    let control = s.sandbox.control();
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("connections.db");
    let store: Arc<dyn TokenStore> = Arc::new(SqliteStore::open(&db, Keyring::new(KEY, None))?);
    let parent = session(integration(&s.yaml)?, store, SystemClock::shared())?;
    parent.oauth().connect(CONNECTION, &HttpBrowser::new()?, Duration::from_secs(20)).await?;
    drop(parent);

    control.advance_clock(EXPIRE_BY);
    let offset = if proactive { EXPIRE_BY.as_secs() } else { 0 };
    let yaml_file = dir.path().join("integrations.yaml");
    std::fs::write(&yaml_file, &s.yaml)?;
    let exe = std::env::current_exe()?;
    let key = base64::engine::general_purpose::STANDARD.encode(KEY);
    let before = control.stats();
    let start_at = SystemClock.now_utc() + START_DELAY;
    let start_ms = unix_millis(start_at);
    let children = (0..PROCESSES)
        .map(|_| {
            Command::new(&exe)
                .args([CHILD, &path(&yaml_file)?, &path(&db)?])
                .arg(per_process.to_string())
                .arg(offset.to_string())
                .arg(start_ms.to_string())
                .env("NANGO_ENCRYPTION_KEY", &key)
                .env_remove("NANGO_ENCRYPTION_KEY_PREVIOUS")
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .context("starting a refresh child")
        })
        .collect::<Result<Vec<_>>>()?;
    let outputs = tokio::task::spawn_blocking(move || {
        children.into_iter().map(|c| c.wait_with_output()).collect::<std::io::Result<Vec<_>>>()
    })
    .await??;
    let after = control.stats();

    let mut failures = 0;
    let mut finished_ms = start_ms;
    for output in outputs {
        if !output.status.success() {
            bail!("a refresh child failed: {}", output.status);
        }
        let report: ChildReport =
            serde_json::from_slice(&output.stdout).context("reading a refresh child's report")?;
        failures += report.failures;
        finished_ms = finished_ms.max(report.finished_ms);
    }
    let seconds = (finished_ms - start_ms) as f64 / 1000.0;
    let calls = per_process * PROCESSES;
    Ok(Row {
        scenario: if proactive { "4 processes, proactive" } else { "4 processes, reactive" },
        processes: PROCESSES,
        calls,
        refreshes: after.refreshes - before.refreshes,
        rejected: rejected(&before, &after),
        failures,
        seconds,
    })
}

/// The requests the sandbox refused before any handler (401s: the reactive path's rejected
/// tokens): all requests, less those that passed authentication, less the token requests.
fn rejected(before: &zoom_sandbox::Stats, after: &zoom_sandbox::Stats) -> u64 {
    let api = |s: &zoom_sandbox::Stats| s.requests_by_category.values().sum::<u64>();
    let all = after.requests - before.requests;
    all.saturating_sub(api(after) - api(before)).saturating_sub(after.refreshes - before.refreshes)
}

fn path(p: &Path) -> Result<String> {
    p.to_str().map(str::to_owned).context("a non-UTF-8 temporary path")
}

/// `calls` requests of `GET /users/me` at once; how many failed.
async fn calls_at_once(session: &Session, calls: usize) -> usize {
    let results: Vec<_> = stream::iter(0..calls)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move {
                let r = session
                    .request(http::Method::GET, "/users/me", None, http::HeaderMap::new())
                    .await;
                r.is_ok_and(|response| response.status.is_success())
            })
        })
        .buffer_unordered(calls)
        .collect()
        .await;
    results.into_iter().filter(|ok| !matches!(ok, Ok(true))).count()
}

/// What a child prints on stdout.
#[derive(Debug, Serialize, Deserialize)]
struct ChildReport {
    failures: usize,
    /// When its last call was answered, in Unix milliseconds.
    finished_ms: u64,
}

/// How long after spawning the children start calling.
const START_DELAY: Duration = Duration::from_millis(1_000);

fn unix_millis(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// `bench-refresh-child <integrations.yaml> <db> <calls> <clock-offset-s> <start-unix-ms>`: one
/// of the four processes.
pub(crate) fn child(args: &[String]) -> Result<()> {
    let [yaml_file, db, calls, offset, start_ms] = args else {
        bail!("usage: {CHILD} <integrations.yaml> <db> <calls> <clock-offset-s> <start-unix-ms>");
    };
    let start_at = SystemTime::UNIX_EPOCH + Duration::from_millis(start_ms.parse()?);
    let yaml = std::fs::read_to_string(yaml_file)?;
    let db = PathBuf::from(db);
    let calls: usize = calls.parse()?;
    let offset = Duration::from_secs(offset.parse()?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (failures, finished_ms) = runtime.block_on(async {
        let keys = Keyring::from_env_or_file(Path::new("/nonexistent/bench-key"))?;
        let store: Arc<dyn TokenStore> = Arc::new(SqliteStore::open(&db, keys)?);
        let clock = Arc::new(OffsetClock::default());
        clock.set(offset);
        let session = session(integration(&yaml)?, store, clock)?;
        let wait = start_at.duration_since(SystemClock.now_utc()).unwrap_or_default();
        SystemClock.sleep(wait).await;
        let failures = calls_at_once(&session, calls).await;
        anyhow::Ok((failures, unix_millis(SystemClock.now_utc())))
    })?;
    println!("{}", serde_json::to_string(&ChildReport { failures, finished_ms })?);
    Ok(())
}

/// The real clock with its wall time moved forward by an offset: the client's view of "now"
/// after the token's expiry, without waiting an hour.
#[derive(Debug, Default)]
struct OffsetClock {
    offset_secs: std::sync::atomic::AtomicU64,
}

impl OffsetClock {
    fn set(&self, by: Duration) {
        self.offset_secs.store(by.as_secs(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Instant {
        SystemClock.now()
    }

    fn now_utc(&self) -> SystemTime {
        let offset = self.offset_secs.load(std::sync::atomic::Ordering::SeqCst);
        SystemClock.now_utc() + Duration::from_secs(offset)
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        SystemClock.sleep(duration)
    }
}
