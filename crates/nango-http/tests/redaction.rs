//! Secrets never reach an error's Display or Debug, nor the logs at any level.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use http::Method;
use nango_http::RequestContext;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::{Mock, MockServer, ResponseTemplate};

const HEADER_CANARY: &str = "CANARY-HEADER-7f3a";
const QUERY_CANARY: &str = "CANARY-QUERY-91bc";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn subscriber(capture: &Capture) -> impl tracing::Subscriber + Send + Sync {
    let capture = capture.clone();
    tracing_subscriber::fmt()
        .with_env_filter("nango_http=trace")
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || capture.clone())
        .finish()
}

fn secret_request(client: &nango_http::HttpClient, url: url::Url) -> reqwest::Request {
    let mut url = url;
    url.query_pairs_mut().append_pair("page_size", "30").append_pair("access_token", QUERY_CANARY);
    client
        .request(Method::GET, url)
        .header(http::header::AUTHORIZATION, format!("Bearer {HEADER_CANARY}"))
        .build()
        .unwrap()
}

fn assert_clean(text: &str, what: &str) {
    assert!(!text.contains(HEADER_CANARY), "{what} leaks the Authorization header:\n{text}");
    assert!(!text.contains(QUERY_CANARY), "{what} leaks the query token:\n{text}");
}

#[tokio::test]
async fn tokens_never_reach_errors_or_logs() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(subscriber(&capture));
    let server = MockServer::start().await;
    let body = serde_json::json!({"code": 300, "message": "upstream failed"});
    let failing =
        ResponseTemplate::new(500).set_body_json(body).insert_header("x-request-id", "req-42");
    Mock::given(wiremock::matchers::any()).respond_with(failing).mount(&server).await;
    let clock = clock();
    let client = client(&clock);

    let error = client
        .send(secret_request(&client, url(&server, "/v2/users")), &RequestContext::new())
        .await
        .unwrap_err();

    assert_clean(&error.to_string(), "Display");
    assert_clean(&format!("{error:?}"), "Debug");
    assert!(error.to_string().contains("access_token=REDACTED"), "{error}");
    let logs = capture.text();
    assert_clean(&logs, "the log");
    for expected in ["http.request", "http.attempt", "path=/v2/users", "retrying", "req-42"] {
        assert!(logs.contains(expected), "the log lacks {expected:?}:\n{logs}");
    }
}

#[tokio::test]
async fn transport_errors_do_not_print_the_url() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(subscriber(&capture));
    let clock = clock();
    let client = client(&clock);

    let error = client
        .send(secret_request(&client, closed_port_url("/v2/users")), &RequestContext::new())
        .await
        .unwrap_err();

    assert!(error.is_network());
    assert_clean(&error.to_string(), "Display");
    assert_clean(&format!("{error:?}"), "Debug");
    assert_clean(&capture.text(), "the log");
}

#[tokio::test]
async fn a_path_template_with_a_token_is_redacted_too() {
    // Every test of this binary installs a subscriber: tracing caches per call site whether
    // anyone listens, and a test without one could turn the spans off for the others.
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(subscriber(&capture));
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let clock = clock();
    let client = client(&clock);
    let ctx = RequestContext::new().with_api_path(format!("/users?access_token={QUERY_CANARY}"));

    let error =
        client.send(secret_request(&client, url(&server, "/users")), &ctx).await.unwrap_err();

    assert_clean(&error.to_string(), "Display");
    assert_clean(&capture.text(), "the log");
}
