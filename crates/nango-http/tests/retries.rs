//! The retry loop against a local server, in virtual time.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::*;
use http::Method;
use nango_http::{FixedJitter, HttpErrorKind, Idempotency, RateLimitScope, RequestContext};
use nango_http::{RetryBudget, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn mount(server: &MockServer, verb: &str, status: u16, times: Option<u64>) {
    mount_template(server, verb, ResponseTemplate::new(status), times).await;
}

async fn mount_template(
    server: &MockServer,
    verb: &str,
    template: ResponseTemplate,
    times: Option<u64>,
) {
    let mock = Mock::given(method(verb)).and(path("/x")).respond_with(template);
    match times {
        Some(n) => mock.up_to_n_times(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

async fn received(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn get_retries_transient_statuses_with_full_jitter_backoff() {
    let server = MockServer::start().await;
    mount(&server, "GET", 500, Some(1)).await;
    mount(&server, "GET", 502, Some(1)).await;
    mount(&server, "GET", 504, Some(1)).await;
    mount(&server, "GET", 200, None).await;
    let clock = clock();
    let client = client(&clock);

    let response = send(&client, Method::GET, &server).await.unwrap();

    assert_eq!(response.attempts, 4);
    // Jitter pinned at 0.5: half of 200, 400 and 800 ms.
    assert_eq!(clock.sleeps(), ms(&[100, 200, 400]));
}

#[tokio::test]
async fn gives_up_after_the_maximum_attempts() {
    let server = MockServer::start().await;
    mount(&server, "GET", 503, None).await;
    let clock = clock();
    let client = client(&clock);

    let error = send(&client, Method::GET, &server).await.unwrap_err();

    assert_eq!(error.kind(), &HttpErrorKind::Status);
    assert_eq!(error.attempts(), 4);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(received(&server).await, 4);
    assert_eq!(clock.sleeps(), ms(&[100, 200, 400]));
}

#[tokio::test]
async fn post_is_not_retried_after_a_timeout() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(201).set_delay(Duration::from_secs(5));
    mount_template(&server, "POST", slow, None).await;
    let clock = clock();
    let client = builder(&clock).request_timeout(Duration::from_millis(200)).build().unwrap();

    let error = send(&client, Method::POST, &server).await.unwrap_err();

    assert_eq!(error.kind(), &HttpErrorKind::Timeout { sent: true });
    assert_eq!(error.attempts(), 1);
    assert_eq!(received(&server).await, 1, "no second meeting");
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_hung_server_fails_the_attempt_and_get_is_retried() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200).set_delay(Duration::from_secs(5));
    mount_template(&server, "GET", slow, Some(1)).await;
    mount(&server, "GET", 200, None).await;
    let clock = clock();
    let client = builder(&clock).request_timeout(Duration::from_millis(200)).build().unwrap();

    let response = send(&client, Method::GET, &server).await.unwrap();

    assert_eq!(response.attempts, 2);
}

#[tokio::test]
async fn post_is_retried_after_a_timeout_when_the_caller_opts_in() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(201).set_delay(Duration::from_secs(5));
    mount_template(&server, "POST", slow, Some(1)).await;
    mount(&server, "POST", 201, None).await;
    let clock = clock();
    let client = builder(&clock).request_timeout(Duration::from_millis(200)).build().unwrap();
    let ctx = RequestContext::new().with_idempotency(Idempotency::Idempotent);

    let response =
        client.send(request(&client, Method::POST, url(&server, "/x")), &ctx).await.unwrap();

    assert_eq!(response.attempts, 2);
}

#[tokio::test]
async fn post_is_retried_after_a_connect_error() {
    let clock = clock();
    let client = client(&clock);

    let error = client
        .send(request(&client, Method::POST, closed_port_url("/x")), &RequestContext::new())
        .await
        .unwrap_err();

    assert_eq!(error.kind(), &HttpErrorKind::Connect);
    assert_eq!(error.attempts(), 4);
    assert_eq!(clock.sleeps(), ms(&[100, 200, 400]));
}

#[tokio::test]
async fn not_idempotent_is_still_retried_when_nothing_was_sent() {
    let clock = clock();
    let client = client(&clock);
    let ctx = RequestContext::new().with_idempotency(Idempotency::NotIdempotent);

    let error =
        client.send(request(&client, Method::GET, closed_port_url("/x")), &ctx).await.unwrap_err();

    assert_eq!(error.attempts(), 4);
}

#[tokio::test]
async fn post_is_retried_after_429_and_waits_at_least_a_second() {
    let server = MockServer::start().await;
    mount(&server, "POST", 429, Some(1)).await;
    mount(&server, "POST", 201, None).await;
    let clock = clock();
    let client = client(&clock);

    let response = send(&client, Method::POST, &server).await.unwrap();

    assert_eq!(response.attempts, 2);
    assert_eq!(clock.sleeps(), ms(&[1100]));
}

#[tokio::test]
async fn post_is_retried_after_503_with_retry_after_only() {
    let server = MockServer::start().await;
    let refused = ResponseTemplate::new(503).insert_header("retry-after", "2");
    mount_template(&server, "POST", refused, Some(1)).await;
    mount(&server, "POST", 201, None).await;
    let clock = clock();
    let client = client(&clock);

    let response = send(&client, Method::POST, &server).await.unwrap();
    assert_eq!(response.attempts, 2);
    assert_eq!(clock.sleeps(), ms(&[2100]));

    let server = MockServer::start().await;
    mount(&server, "POST", 503, None).await;
    let error = send(&client, Method::POST, &server).await.unwrap_err();
    assert_eq!(error.attempts(), 1, "a 503 without Retry-After may have been processed");
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn retry_after_in_every_form() {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(START);
    let in_3s = start + Duration::from_secs(3);
    let rfc3339 = chrono::DateTime::<chrono::Utc>::from(in_3s).to_rfc3339();
    let cases = [
        ("3".to_owned(), 3100),
        (httpdate::fmt_http_date(in_3s), 3100),
        (rfc3339, 3100),
        ("Thu, 01 Jan 2026 00:00:00 GMT".to_owned(), 100),
        ("in a moment".to_owned(), 100),
    ];
    for (value, wait_ms) in cases {
        let server = MockServer::start().await;
        let refused = ResponseTemplate::new(503).insert_header("retry-after", value.as_str());
        mount_template(&server, "GET", refused, Some(1)).await;
        mount(&server, "GET", 200, None).await;
        let clock = clock();
        let client = client(&clock);

        let response = send(&client, Method::GET, &server).await.unwrap();

        assert_eq!(response.attempts, 2, "{value}");
        assert_eq!(clock.sleeps(), ms(&[wait_ms]), "{value}");
    }
}

#[tokio::test]
async fn a_long_retry_after_fails_at_once_with_the_time_to_retry() {
    let server = MockServer::start().await;
    let refused = ResponseTemplate::new(429).insert_header("retry-after", "3600");
    mount_template(&server, "GET", refused, None).await;
    let clock = clock();
    let client = client(&clock);

    let error = send(&client, Method::GET, &server).await.unwrap_err();

    assert_eq!(error.kind(), &HttpErrorKind::RateLimited { scope: RateLimitScope::Unknown });
    let expected = SystemTime::UNIX_EPOCH + Duration::from_secs(START + 3600);
    assert_eq!(error.retry_after(), Some(expected));
    assert!(error.is_retryable());
    assert!(clock.sleeps().is_empty(), "a wait past the cap is not slept");
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn the_deadline_counts_from_the_start_and_is_never_overslept() {
    let server = MockServer::start().await;
    mount(&server, "GET", 500, None).await;
    let clock = clock();
    let client = client(&clock);
    let ctx = RequestContext::new().with_deadline(Duration::from_millis(500));

    let error =
        client.send(request(&client, Method::GET, url(&server, "/x")), &ctx).await.unwrap_err();

    assert_eq!(error.kind(), &HttpErrorKind::DeadlineExceeded);
    assert_eq!(error.attempts(), 3);
    assert_eq!(clock.sleeps(), ms(&[100, 200]), "the 400 ms wait would pass the deadline");
    assert!(clock.elapsed() <= Duration::from_millis(500));
}

#[tokio::test]
async fn the_retry_budget_is_shared_and_refilled_by_successes() {
    let server = MockServer::start().await;
    Mock::given(path("/down")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    Mock::given(path("/up")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let clock = clock();
    let budget = Arc::new(RetryBudget::new(10, 5, 10, 5));
    let client = builder(&clock).retry_budget(budget.clone()).build().unwrap();
    let clone = client.clone();

    let first = client
        .send(request(&client, Method::GET, url(&server, "/down")), &RequestContext::new())
        .await
        .unwrap_err();
    assert_eq!(first.kind(), &HttpErrorKind::RetryBudgetExhausted);
    assert_eq!(first.attempts(), 3, "two retries of 5 tokens each");
    assert_eq!(budget.available(), 0);

    let second = clone
        .send(request(&clone, Method::GET, url(&server, "/down")), &RequestContext::new())
        .await
        .unwrap_err();
    assert_eq!(second.kind(), &HttpErrorKind::RetryBudgetExhausted);
    assert_eq!(second.attempts(), 1, "clones share the budget");

    client
        .send(request(&client, Method::GET, url(&server, "/up")), &RequestContext::new())
        .await
        .unwrap();
    assert_eq!(budget.available(), 5);
}

#[tokio::test]
async fn auth_rejected_and_final_statuses_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/auth")).respond_with(ResponseTemplate::new(401)).mount(&server).await;
    Mock::given(path("/missing")).respond_with(ResponseTemplate::new(404)).mount(&server).await;
    let clock = clock();
    let client = client(&clock);

    let error = client
        .send(request(&client, Method::GET, url(&server, "/auth")), &RequestContext::new())
        .await
        .unwrap_err();
    assert!(error.is_auth_rejected());
    assert_eq!(error.attempts(), 1);

    let error = client
        .send(request(&client, Method::GET, url(&server, "/missing")), &RequestContext::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &HttpErrorKind::Status);
    assert_eq!(error.attempts(), 1);
    assert!(!error.is_retryable());
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_zero_jitter_retries_at_once_without_waiting() {
    let server = MockServer::start().await;
    mount(&server, "GET", 500, Some(1)).await;
    mount(&server, "GET", 200, None).await;
    let clock = clock();
    let client = builder(&clock)
        .jitter(Arc::new(FixedJitter(0.0)))
        .retry(RetryPolicy { max_attempts: 2, ..RetryPolicy::default() })
        .build()
        .unwrap();

    let response = send(&client, Method::GET, &server).await.unwrap();

    assert_eq!(response.attempts, 2);
    assert_eq!(clock.sleeps(), ms(&[0]));
}

#[tokio::test]
async fn a_streamed_body_is_sent_once_since_it_cannot_be_replayed() {
    let server = MockServer::start().await;
    mount(&server, "PUT", 500, None).await;
    let clock = clock();
    let client = client(&clock);
    let chunks = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from("{}"))]);
    let request = client
        .request(Method::PUT, url(&server, "/x"))
        .body(reqwest::Body::wrap_stream(chunks))
        .build()
        .unwrap();

    let error = client.send(request, &RequestContext::new()).await.unwrap_err();

    assert_eq!(error.attempts(), 1);
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn a_success_reports_the_provider_request_id() {
    let server = MockServer::start().await;
    let ok = ResponseTemplate::new(200)
        .insert_header("x-zm-trackingid", "v=2.0;rid=WEB_1")
        .set_body_json(serde_json::json!({"id": "me"}));
    mount_template(&server, "GET", ok, None).await;
    let clock = clock();
    let client = builder(&clock).policy(Arc::new(DailyAwarePolicy)).build().unwrap();

    let response = send(&client, Method::GET, &server).await.unwrap();

    assert_eq!(response.request_id.as_deref(), Some("v=2.0;rid=WEB_1"));
    let body: serde_json::Value = response.json().unwrap();
    assert_eq!(body["id"], "me");
    assert_eq!(client.retry_budget().available(), client.retry_budget().capacity());
}

#[tokio::test]
async fn a_deadline_too_far_to_represent_does_not_overflow_the_clock() {
    let server = MockServer::start().await;
    mount(&server, "GET", 200, None).await;
    let clock = clock();
    let client = client(&clock);
    let ctx = RequestContext::new().with_deadline(Duration::MAX);

    let response = client.send(request(&client, Method::GET, url(&server, "/x")), &ctx).await;

    assert_eq!(response.unwrap().attempts, 1);
}

#[tokio::test]
async fn a_timeout_set_on_the_request_replaces_the_clients() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(201).set_delay(Duration::from_millis(1_500));
    mount_template(&server, "POST", slow, None).await;
    let clock = clock();

    // Shorter than the client's: the request's wins, and the POST is not repeated.
    let patient = builder(&clock).request_timeout(Duration::from_secs(30)).build().unwrap();
    let request = patient
        .request(Method::POST, url(&server, "/x"))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = patient.send(request, &RequestContext::new()).await.unwrap_err();
    assert_eq!(error.kind(), &HttpErrorKind::Timeout { sent: true });
    assert_eq!(error.attempts(), 1);

    // Longer than the client's: the request's wins too, as in reqwest.
    let hasty = builder(&clock).request_timeout(Duration::from_millis(200)).build().unwrap();
    let request =
        hasty.request(Method::POST, url(&server, "/x")).timeout(Duration::from_secs(30)).build();
    let response = hasty.send(request.unwrap(), &RequestContext::new()).await.unwrap();
    assert_eq!(response.status.as_u16(), 201);
}

#[tokio::test]
async fn the_deadline_starts_when_the_future_is_first_polled() {
    let server = MockServer::start().await;
    mount(&server, "GET", 503, Some(1)).await;
    mount(&server, "GET", 200, None).await;
    let clock = clock();
    let client = client(&clock);
    let ctx = RequestContext::new().with_deadline(Duration::from_secs(10));
    let throttled = ctx.clone().with_throttle_key("acct");

    // Built now, polled later (queued behind other requests): the deadline has not started.
    let future = client.send(request(&client, Method::GET, url(&server, "/x")), &ctx);
    let queued = client.send(request(&client, Method::GET, url(&server, "/x")), &throttled);
    clock.advance(Duration::from_secs(11));

    assert_eq!(future.await.unwrap().attempts, 2);
    assert_eq!(queued.await.unwrap().attempts, 1);
}

#[tokio::test]
async fn the_request_span_is_a_child_of_the_span_it_is_polled_in() {
    use tracing::Instrument as _;

    let server = MockServer::start().await;
    mount(&server, "GET", 200, None).await;
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(logs.clone())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let clock = clock();
    let client = client(&clock);
    let ctx = RequestContext::new();

    let future = client.send(request(&client, Method::GET, url(&server, "/x")), &ctx);
    future.instrument(tracing::info_span!("job", id = 7)).await.unwrap();

    let text = logs.text();
    assert!(text.contains("job{id=7}:http.request{"), "{text}");
}

#[tokio::test]
async fn not_modified_is_an_answer_not_an_error() {
    let server = MockServer::start().await;
    mount(&server, "GET", 304, None).await;
    let clock = clock();
    let client = client(&clock);

    let response = send(&client, Method::GET, &server).await.unwrap();

    assert_eq!(response.status.as_u16(), 304);
    assert_eq!(response.attempts, 1);
}

/// Log lines written by a `tracing_subscriber::fmt` subscriber.
#[derive(Clone, Default)]
struct Logs(Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

#[tokio::test]
async fn every_attempt_sends_the_same_body_and_headers() {
    let server = MockServer::start().await;
    mount(&server, "PUT", 503, Some(2)).await;
    mount(&server, "PUT", 204, None).await;
    let clock = clock();
    let client = client(&clock);
    let request = client
        .request(Method::PUT, url(&server, "/x?page=2"))
        .header("x-custom", "kept")
        .json(&serde_json::json!({"topic": "weekly", "duration": 30}))
        .build()
        .unwrap();

    let response = client.send(request, &RequestContext::new()).await.unwrap();

    assert_eq!(response.attempts, 3);
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    for attempt in &received {
        assert_eq!(attempt.url.query(), Some("page=2"));
        assert_eq!(attempt.headers.get("x-custom").unwrap(), "kept");
        assert_eq!(attempt.headers.get("content-type").unwrap(), "application/json");
        let body: serde_json::Value = serde_json::from_slice(&attempt.body).unwrap();
        assert_eq!(body, serde_json::json!({"topic": "weekly", "duration": 30}));
    }
}

#[tokio::test]
async fn a_large_body_arrives_whole() {
    let server = MockServer::start().await;
    // Large enough to arrive in many chunks.
    let body: Vec<u8> = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
    mount_template(&server, "GET", ResponseTemplate::new(200).set_body_bytes(body.clone()), None)
        .await;
    let clock = clock();
    let client = client(&clock);

    let response = send(&client, Method::GET, &server).await.unwrap();

    assert_eq!(response.body.len(), body.len());
    assert!(response.body == body, "the body differs from what the server sent");
}

#[tokio::test]
async fn a_zero_timeout_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    mount(&server, "GET", 200, None).await;
    let clock = clock();

    let error = builder(&clock).request_timeout(Duration::ZERO).build().unwrap_err();
    assert_eq!(error.kind(), &HttpErrorKind::InvalidRequest);
    assert!(error.to_string().contains("request_timeout is zero"), "{error}");
    let error = builder(&clock).connect_timeout(Duration::ZERO).build().unwrap_err();
    assert!(error.to_string().contains("connect_timeout is zero"), "{error}");

    let client = client(&clock);
    let request =
        client.request(Method::GET, url(&server, "/x")).timeout(Duration::ZERO).build().unwrap();
    let error = client.send(request, &RequestContext::new()).await.unwrap_err();
    assert_eq!(error.kind(), &HttpErrorKind::InvalidRequest);
    assert_eq!(error.attempts(), 0);
    assert!(error.to_string().contains("timeout is zero"), "{error}");
    assert_eq!(received(&server).await, 0);
}

/// Regression: the jitter added to a `Retry-After` equal to the cap pushed the wait over the
/// cap, and the request failed with "asked to wait 10 s, more than the cap".
#[tokio::test]
async fn a_retry_after_equal_to_the_cap_is_waited() {
    let server = MockServer::start().await;
    let refused = ResponseTemplate::new(503).insert_header("retry-after", "10");
    mount_template(&server, "GET", refused, Some(1)).await;
    mount_template(&server, "GET", ResponseTemplate::new(200), None).await;
    let clock = clock();
    let client = client(&clock);

    let response = send(&client, Method::GET, &server).await.unwrap();

    assert_eq!(response.attempts, 2);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(10)], "the cap, jitter cut off");
}

/// Regression: a retry's wait that ended exactly at the deadline gave an error without the
/// last attempt's status.
#[tokio::test]
async fn a_retry_wait_reaching_the_deadline_fails_with_the_last_status() {
    let server = MockServer::start().await;
    mount_template(&server, "GET", ResponseTemplate::new(500), None).await;
    let clock = clock();
    let client = builder(&clock)
        .jitter(Arc::new(FixedJitter(1.0)))
        .retry(RetryPolicy { deadline: Duration::from_millis(200), ..RetryPolicy::default() })
        .build()
        .unwrap();

    let error = send(&client, Method::GET, &server).await.unwrap_err();

    assert_eq!(error.kind(), &HttpErrorKind::DeadlineExceeded);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500), "{error}");
    assert_eq!(received(&server).await, 1);
}

/// A listener whose accept queue is full, so that further connects hang (the kernel drops their
/// SYNs); the streams that filled it are returned to keep it full.
fn unconnectable_url() -> (url::Url, Vec<std::net::TcpStream>, tokio::net::TcpListener) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = socket.local_addr().unwrap();
    let listener = socket.listen(0).unwrap();
    let fillers = (0..4)
        .filter_map(|_| {
            std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)).ok()
        })
        .collect();
    (url::Url::parse(&format!("http://{address}/x")).unwrap(), fillers, listener)
}

/// Regression: with a request timeout shorter than the connect timeout, a connect that hung
/// was ended by the attempt's timeout and counted as sent, so a POST was not tried again.
#[tokio::test]
async fn a_hung_connect_under_a_short_request_timeout_is_known_unsent() {
    let (url, _fillers, _listener) = unconnectable_url();
    let clock = clock();
    // The connect timeout stays at its 10 s default; the client keeps it under 300 ms.
    let retry = RetryPolicy { max_attempts: 2, ..RetryPolicy::default() };
    let client =
        builder(&clock).retry(retry).request_timeout(Duration::from_millis(300)).build().unwrap();

    let request = client.request(Method::POST, url).body("{}").build().unwrap();
    let error = client.send(request, &RequestContext::new()).await.unwrap_err();

    assert_eq!(error.kind(), &HttpErrorKind::Timeout { sent: false }, "{error}");
    assert_eq!(error.attempts(), 2, "a POST that was never sent is tried again");
}
