//! Rate-limit responses and proactive throttling through the client, in virtual time.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::*;
use http::Method;
use nango_http::{HttpErrorKind, Quota, RateLimitScope, RequestContext};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ctx(path: &str) -> RequestContext {
    RequestContext::new().with_throttle_key("account-1").with_api_path(path)
}

#[tokio::test]
async fn a_daily_429_blocks_later_calls_locally_until_the_reset() {
    let server = MockServer::start().await;
    let reset = "2026-12-04T00:00:00Z";
    let daily = ResponseTemplate::new(429)
        .insert_header("x-ratelimit-type", "Daily-limit")
        .insert_header("retry-after", reset)
        .set_body_json(serde_json::json!({"code": 429, "message": "daily limit reached"}));
    Mock::given(method("POST")).and(path("/meetings")).respond_with(daily).mount(&server).await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let clock = clock();
    let client = builder(&clock).policy(Arc::new(DailyAwarePolicy)).build().unwrap();
    let reset_at = SystemTime::from(chrono::DateTime::parse_from_rfc3339(reset).unwrap());

    let first = client
        .send(request(&client, Method::POST, url(&server, "/meetings")), &ctx("/meetings"))
        .await
        .unwrap_err();
    assert_eq!(first.kind(), &HttpErrorKind::RateLimited { scope: RateLimitScope::Daily });
    assert_eq!(first.attempts(), 1, "a daily limit is never retried");
    assert_eq!(first.retry_after(), Some(reset_at));

    let second = client
        .send(request(&client, Method::POST, url(&server, "/meetings")), &ctx("/meetings"))
        .await
        .unwrap_err();
    assert_eq!(second.kind(), &HttpErrorKind::RateLimited { scope: RateLimitScope::Daily });
    assert_eq!(second.attempts(), 0, "failed locally");
    assert_eq!(second.retry_after(), Some(reset_at));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    client
        .send(request(&client, Method::GET, url(&server, "/users/me")), &ctx("/users/me"))
        .await
        .expect("other categories are not blocked");
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_daily_429_without_a_reset_blocks_until_utc_midnight() {
    let server = MockServer::start().await;
    let daily = ResponseTemplate::new(429).insert_header("x-ratelimit-type", "Daily-limit");
    Mock::given(method("POST")).respond_with(daily).mount(&server).await;
    let clock = clock();
    let client = builder(&clock).policy(Arc::new(DailyAwarePolicy)).build().unwrap();

    let error = client
        .send(request(&client, Method::POST, url(&server, "/meetings")), &ctx("/meetings"))
        .await
        .unwrap_err();

    let midnight = SystemTime::UNIX_EPOCH + Duration::from_secs((START / 86_400 + 1) * 86_400);
    assert_eq!(error.retry_after(), Some(midnight));
    clock.advance(Duration::from_secs(7 * 3600));
    let _ = client
        .send(request(&client, Method::POST, url(&server, "/meetings")), &ctx("/meetings"))
        .await;
    assert_eq!(server.received_requests().await.unwrap().len(), 2, "sent again after the reset");
}

#[tokio::test]
async fn a_per_second_429_blocks_the_key_so_the_next_caller_waits() {
    let server = MockServer::start().await;
    let refused = ResponseTemplate::new(429).insert_header("retry-after", "5");
    Mock::given(method("GET")).respond_with(refused).up_to_n_times(1).mount(&server).await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let clock = clock();
    let client = builder(&clock)
        .policy(Arc::new(DailyAwarePolicy))
        .retry(nango_http::RetryPolicy::no_retries())
        .build()
        .unwrap();

    let error = client
        .send(request(&client, Method::GET, url(&server, "/users")), &ctx("/users"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &HttpErrorKind::RateLimited { scope: RateLimitScope::PerSecond });

    client
        .send(request(&client, Method::GET, url(&server, "/users")), &ctx("/users"))
        .await
        .unwrap();
    assert_eq!(clock.sleeps(), ms(&[5000]), "the next caller waited for the block");
}

#[tokio::test]
async fn requests_are_spaced_by_the_quota_of_their_category() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(201)).mount(&server).await;
    let clock = clock();
    let client = builder(&clock)
        .policy(Arc::new(DailyAwarePolicy))
        .quota("Heavy", Quota::per_second(4))
        .default_quota(Quota::per_second(100))
        .build()
        .unwrap();

    for _ in 0..9 {
        client
            .send(request(&client, Method::POST, url(&server, "/meetings")), &ctx("/meetings"))
            .await
            .unwrap();
    }
    // 1/Q apart over the window plus the throttle's 2 ms wake-up slack.
    let elapsed = clock.elapsed();
    assert_eq!(elapsed, Duration::from_micros(8 * 250_500), "9 requests at 4 per second");

    let explicit = ctx("/meetings").with_category("Light");
    let before = clock.elapsed();
    for _ in 0..3 {
        client
            .send(request(&client, Method::GET, url(&server, "/users")), &explicit)
            .await
            .unwrap();
    }
    assert_eq!(clock.elapsed() - before, Duration::from_micros(20_040), "the default quota");
}

#[tokio::test]
async fn a_throttle_wait_past_the_deadline_fails_without_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let clock = clock();
    let client = builder(&clock).quota("default", Quota::per_minute(1)).build().unwrap();
    let ctx = ctx("/users").with_deadline(Duration::from_secs(10));

    client.send(request(&client, Method::GET, url(&server, "/users")), &ctx).await.unwrap();
    let error =
        client.send(request(&client, Method::GET, url(&server, "/users")), &ctx).await.unwrap_err();

    assert!(error.is_rate_limited());
    assert_eq!(error.attempts(), 0);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn remaining_count_headers_pace_a_key_without_a_quota() {
    let server = MockServer::start().await;
    let none_left = ResponseTemplate::new(200)
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", "4");
    Mock::given(method("GET")).respond_with(none_left).up_to_n_times(1).mount(&server).await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let clock = clock();
    let client = client(&clock);

    for _ in 0..2 {
        client
            .send(request(&client, Method::GET, url(&server, "/users")), &ctx("/users"))
            .await
            .unwrap();
    }

    assert_eq!(clock.sleeps(), ms(&[4000]), "the second call waited for the reset");
}

#[tokio::test]
async fn a_429_without_a_known_quota_paces_the_key_afterwards() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let clock = clock();
    let client = builder(&clock).retry(nango_http::RetryPolicy::no_retries()).build().unwrap();

    let _ =
        client.send(request(&client, Method::GET, url(&server, "/users")), &ctx("/users")).await;
    assert_eq!(client.throttle().learned_rate("account-1", "default"), Some(1.0));
    for _ in 0..3 {
        client
            .send(request(&client, Method::GET, url(&server, "/users")), &ctx("/users"))
            .await
            .unwrap();
    }
    assert!(client.throttle().learned_rate("account-1", "default").unwrap() > 1.0, "speeds up");
    // The 429 blocks the key for a second; then the pace starts at one a second and speeds up
    // with every success (2 a second after the first).
    assert_eq!(clock.sleeps(), ms(&[1000, 1000, 500]));
}
