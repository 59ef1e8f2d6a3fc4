//! Requests per second through raw reqwest, nango-http and reqwest-middleware + reqwest-retry.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures::stream::{self, StreamExt};
use nango_http::{HttpClient, RequestContext};
use reqwest_middleware::ClientBuilder;
use reqwest_retry::{RetryTransientMiddleware, policies::ExponentialBackoff};
use serde::Serialize;

/// One concurrency level.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) concurrency: usize,
    pub(crate) requests: usize,
    pub(crate) raw_rps: f64,
    pub(crate) nango_rps: f64,
    pub(crate) middleware_rps: f64,
}

const ROUNDS: usize = 5;

pub(crate) async fn run(quick: bool) -> Result<Vec<Row>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = url::Url::parse(&format!("http://{}/v2/ping", listener.local_addr()?))?;
    let app = axum::Router::new().route(
        "/v2/ping",
        axum::routing::get(|| async { axum::Json(serde_json::json!({"ok": true, "n": 1})) }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let raw = reqwest::Client::new();
    let nango = HttpClient::builder().build()?;
    let retry = RetryTransientMiddleware::new_with_policy(ExponentialBackoff::builder().build_with_max_retries(3));
    let middleware = ClientBuilder::new(reqwest::Client::new()).with(retry).build();

    let mut rows = Vec::new();
    for (concurrency, requests) in [(1, if quick { 500 } else { 3_000 }), (64, if quick { 2_000 } else { 20_000 })] {
        let (mut raw_best, mut nango_best, mut mw_best) = (0f64, 0f64, 0f64);
        // Interleave the clients round by round so that drift in the machine's load hits all.
        for _ in 0..ROUNDS {
            let u = url.clone();
            raw_best = raw_best.max(rps(concurrency, requests, || {
                let (c, u) = (raw.clone(), u.clone());
                async move { c.get(u).send().await?.bytes().await.map(|_| ()).map_err(Into::into) }
            }).await?);
            let u = url.clone();
            let ctx = Arc::new(RequestContext::new().with_api_path("/ping"));
            nango_best = nango_best.max(rps(concurrency, requests, || {
                let (c, u, ctx) = (nango.clone(), u.clone(), ctx.clone());
                async move {
                    let request = c.request(http::Method::GET, u).build()?;
                    c.send(request, &ctx).await.map(|_| ()).map_err(Into::into)
                }
            }).await?);
            let u = url.clone();
            mw_best = mw_best.max(rps(concurrency, requests, || {
                let (c, u) = (middleware.clone(), u.clone());
                async move { c.get(u).send().await?.bytes().await.map(|_| ()).map_err(Into::into) }
            }).await?);
        }
        rows.push(Row { concurrency, requests, raw_rps: raw_best, nango_rps: nango_best, middleware_rps: mw_best });
    }
    server.abort();
    Ok(rows)
}

/// Best-of-rounds throughput of `requests` calls of `call`, `concurrency` at a time.
async fn rps<F, Fut>(concurrency: usize, requests: usize, call: F) -> Result<f64>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    #[allow(clippy::disallowed_methods)] // a benchmark measures real time
    let start = Instant::now();
    let results: Vec<Result<()>> =
        stream::iter(0..requests).map(|_| call()).buffer_unordered(concurrency).collect().await;
    let elapsed = start.elapsed().max(Duration::from_micros(1));
    if let Some(err) = results.into_iter().find_map(Result::err) {
        return Err(err);
    }
    Ok(requests as f64 / elapsed.as_secs_f64())
}
