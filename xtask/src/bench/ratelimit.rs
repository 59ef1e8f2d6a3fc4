//! N requests at a known quota Q against the sandbox: proactive throttling versus a client that
//! only reacts to 429s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures::stream::{self, StreamExt};
use nango_http::{Clock, HttpClient, Quota, RequestContext, SystemClock};
use serde::Serialize;
use zoom_sandbox::{ClientApp, Plan, Sandbox, SandboxConfig};

/// One client's run.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) client: &'static str,
    pub(crate) plan: &'static str,
    pub(crate) requests: usize,
    pub(crate) quota: u32,
    pub(crate) floor_seconds: f64,
    pub(crate) seconds: f64,
    pub(crate) rate_limited: u64,
}

/// The Light quotas the sandbox enforces per plan (FACTS: Pro 30/s; Free 4/s and 6,000 a day).
const PRO_LIGHT: u32 = 30;
const FREE_LIGHT: u32 = 4;
const FREE_LIGHT_DAILY: u32 = 6_000;
const CONCURRENCY: usize = 16;

pub(crate) async fn run(quick: bool) -> Result<Vec<Row>> {
    let pro = Quota::per_second(PRO_LIGHT);
    let mut rows = job(Plan::Pro, "Pro", pro, if quick { 91 } else { 301 }, true).await?;
    let free = Quota::per_second(FREE_LIGHT).and_per_day(FREE_LIGHT_DAILY);
    rows.extend(job(Plan::Free, "Free", free, if quick { 13 } else { 41 }, false).await?);
    Ok(rows)
}

/// `requests` calls at `quota` against a sandbox on `plan`: nango-http, then (when `reactive`)
/// the client that only reacts to 429s.
async fn job(
    plan: Plan,
    plan_name: &'static str,
    quota: Quota,
    requests: usize,
    reactive: bool,
) -> Result<Vec<Row>> {
    let per_second = quota.per_second.context("a per-second quota")?;
    let config = SandboxConfig { seed_users: 0, plan, ..SandboxConfig::default() };
    let sandbox = Sandbox::start(config).await?;
    let control = sandbox.control();
    let token = token(&sandbox.base_url()).await?;
    let url = url::Url::parse(&format!("{}/v2/users/me", sandbox.base_url()))?;
    let floor = (requests - 1) as f64 / f64::from(per_second);
    let row = |client, seconds, rate_limited| Row {
        client,
        plan: plan_name,
        requests,
        quota: per_second,
        floor_seconds: floor,
        seconds,
        rate_limited,
    };

    let nango = HttpClient::builder().quota("Light", quota).build()?;
    let ctx = Arc::new(
        RequestContext::new()
            .with_throttle_key("bench-account")
            .with_category("Light")
            .with_api_path("/users/me"),
    );
    // Both clients start on a full sandbox bucket, after the same pause.
    SystemClock.sleep(Duration::from_secs(2)).await;
    let before = control.stats().rate_limited;
    let seconds = timed(requests, || {
        let (c, u, ctx, token) = (nango.clone(), url.clone(), ctx.clone(), token.clone());
        async move {
            let request = c.request(http::Method::GET, u).bearer_auth(token).build()?;
            let response = c.send(request, &ctx).await?;
            anyhow::ensure!(response.status.is_success(), "status {}", response.status);
            Ok(())
        }
    })
    .await?;
    let mut rows =
        vec![row("nango-http (proactive)", seconds, control.stats().rate_limited - before)];
    if !reactive {
        sandbox.shutdown().await;
        return Ok(rows);
    }

    SystemClock.sleep(Duration::from_secs(2)).await; // let the sandbox's bucket refill
    let raw = reqwest::Client::new();
    let before = control.stats().rate_limited;
    let seconds = timed(requests, || {
        let (c, u, token) = (raw.clone(), url.clone(), token.clone());
        async move {
            loop {
                let response = c.get(u.clone()).bearer_auth(&token).send().await?;
                if response.status() != reqwest::StatusCode::TOO_MANY_REQUESTS {
                    anyhow::ensure!(response.status().is_success(), "status {}", response.status());
                    return Ok(());
                }
                let jitter = Duration::from_millis(rand_millis(250));
                SystemClock.sleep(Duration::from_secs(1) + jitter).await;
            }
        }
    })
    .await?;
    rows.push(row("reqwest, reacting to 429 only", seconds, control.stats().rate_limited - before));
    sandbox.shutdown().await;
    Ok(rows)
}

/// A Server-to-Server token from the sandbox's default app.
async fn token(base: &str) -> Result<String> {
    let app = ClientApp::demo();
    let body: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/oauth/token"))
        .basic_auth(&app.client_id, Some(&app.client_secret))
        .form(&[("grant_type", "account_credentials"), ("account_id", app.account_id.as_str())])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    body["access_token"].as_str().map(str::to_owned).context("no access_token in the answer")
}

async fn timed<F, Fut>(requests: usize, call: F) -> Result<f64>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    #[allow(clippy::disallowed_methods)] // a benchmark measures real time
    let start = Instant::now();
    let results: Vec<Result<()>> =
        stream::iter(0..requests).map(|_| call()).buffer_unordered(CONCURRENCY).collect().await;
    let seconds = start.elapsed().as_secs_f64();
    if let Some(err) = results.into_iter().find_map(Result::err) {
        return Err(err);
    }
    Ok(seconds)
}

fn rand_millis(max: u64) -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(0u8) % max
}
