//! Shared set-up: a client on a [`ManualClock`] with pinned jitter, talking to wiremock.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};
use nango_http::{
    Classification, FixedJitter, HttpClient, HttpClientBuilder, ManualClock, ProviderPolicy,
    RateLimitScope, RetryPolicy,
};

/// 2026-12-03T17:00:00Z, the virtual start of every test.
pub const START: u64 = 1_796_317_200;

pub fn clock() -> ManualClock {
    ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(START))
}

/// A builder on `clock` with jitter pinned at one half and a short real timeout per attempt.
pub fn builder(clock: &ManualClock) -> HttpClientBuilder {
    HttpClient::builder()
        .clock(Arc::new(clock.clone()))
        .jitter(Arc::new(FixedJitter(0.5)))
        .retry(RetryPolicy::default())
        .request_timeout(Duration::from_secs(5))
}

pub fn client(clock: &ManualClock) -> HttpClient {
    builder(clock).build().unwrap()
}

pub fn url(server: &wiremock::MockServer, path: &str) -> url::Url {
    url::Url::parse(&format!("{}{path}", server.uri())).unwrap()
}

pub fn request(client: &HttpClient, method: Method, url: url::Url) -> reqwest::Request {
    client.request(method, url).body("{}").build().unwrap()
}

pub fn ms(values: &[u64]) -> Vec<Duration> {
    values.iter().map(|v| Duration::from_millis(*v)).collect()
}

/// A provider whose 429 says in a header whether the daily quota is used, like Zoom's.
#[derive(Debug)]
pub struct DailyAwarePolicy;

impl ProviderPolicy for DailyAwarePolicy {
    fn category(&self, method: &Method, path: &str) -> Option<String> {
        (method == Method::POST && path.starts_with("/meetings")).then(|| "Heavy".to_owned())
    }

    fn classify(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        now_utc: SystemTime,
    ) -> Classification {
        let daily = headers.get("x-ratelimit-type").is_some_and(|v| v == "Daily-limit");
        match status.as_u16() {
            429 if daily => Classification::RateLimited {
                scope: RateLimitScope::Daily,
                retry_at: nango_http::retry::retry_after(headers, now_utc),
            },
            429 => Classification::RateLimited {
                scope: RateLimitScope::PerSecond,
                retry_at: nango_http::retry::retry_after(headers, now_utc),
            },
            _ => nango_http::GenericPolicy.classify(status, headers, body, now_utc),
        }
    }

    fn request_id(&self, headers: &HeaderMap) -> Option<String> {
        headers.get("x-zm-trackingid")?.to_str().ok().map(str::to_owned)
    }
}

/// A port on 127.0.0.1 where nothing listens.
pub fn closed_port_url(path: &str) -> url::Url {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    url::Url::parse(&format!("http://127.0.0.1:{port}{path}")).unwrap()
}

/// Sends `method /x` on `server` with no request context: the call most tests make.
pub async fn send(
    client: &HttpClient,
    method: Method,
    server: &wiremock::MockServer,
) -> Result<nango_http::Response, nango_http::HttpError> {
    client
        .send(request(client, method, url(server, "/x")), &nango_http::RequestContext::new())
        .await
}
