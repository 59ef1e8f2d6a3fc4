//! What a person reads when a request fails: snapshots of the final errors.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use http::Method;
use nango_http::{Clock, RequestContext, RetryBudget};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn fail(server: &MockServer, verb: Method, route: &str, ctx: RequestContext) -> String {
    let clock = clock();
    let client = builder(&clock)
        .policy(Arc::new(DailyAwarePolicy))
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    client.send(request(&client, verb, url(server, route)), &ctx).await.unwrap_err().to_string()
}

fn zoom_error(code: u32, message: &str) -> serde_json::Value {
    serde_json::json!({"code": code, "message": message})
}

#[tokio::test]
async fn final_errors_read_well() {
    let server = MockServer::start().await;
    let routes = [
        (
            "/missing",
            ResponseTemplate::new(404).set_body_json(zoom_error(1001, "User does not exist")),
        ),
        ("/down", ResponseTemplate::new(503).set_body_json(zoom_error(503, "Service unavailable"))),
        ("/long", ResponseTemplate::new(429).insert_header("retry-after", "120")),
        (
            "/daily",
            ResponseTemplate::new(429)
                .insert_header("x-ratelimit-type", "Daily-limit")
                .set_body_json(zoom_error(429, "You have reached the maximum daily rate limit")),
        ),
        (
            "/auth",
            ResponseTemplate::new(401).set_body_json(zoom_error(124, "Invalid access token.")),
        ),
        ("/slow", ResponseTemplate::new(201).set_delay(Duration::from_secs(5))),
    ];
    for (route, template) in routes {
        Mock::given(path(route)).respond_with(template).mount(&server).await;
    }
    let keyed = || RequestContext::new().with_throttle_key("acct");

    insta::assert_snapshot!(
        "not_found",
        fail(&server, Method::GET, "/missing", RequestContext::new()).await
    );
    insta::assert_snapshot!(
        "transient_after_all_attempts",
        fail(&server, Method::GET, "/down", RequestContext::new()).await
    );
    insta::assert_snapshot!(
        "retry_after_past_the_cap",
        fail(&server, Method::GET, "/long", RequestContext::new()).await
    );
    insta::assert_snapshot!("daily_limit", fail(&server, Method::GET, "/daily", keyed()).await);
    insta::assert_snapshot!(
        "auth_rejected",
        fail(&server, Method::GET, "/auth", RequestContext::new()).await
    );
    insta::assert_snapshot!(
        "post_timeout_not_retried",
        fail(&server, Method::POST, "/slow", RequestContext::new().with_api_path("/meetings"))
            .await
    );
    insta::assert_snapshot!(
        "deadline",
        fail(
            &server,
            Method::GET,
            "/down",
            RequestContext::new().with_deadline(Duration::from_millis(250))
        )
        .await
    );
}

#[tokio::test]
async fn local_refusals_read_well() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let clock = clock();
    let client =
        builder(&clock).retry_budget(Arc::new(RetryBudget::new(0, 5, 10, 1))).build().unwrap();
    let error = client
        .send(request(&client, Method::GET, url(&server, "/users")), &RequestContext::new())
        .await
        .unwrap_err();
    insta::assert_snapshot!("budget_spent", error.to_string());

    let ctx = RequestContext::new().with_throttle_key("acct").with_category("Heavy");
    let reset = clock.now_utc() + Duration::from_secs(3600);
    client.throttle().block_until("acct", "Heavy", reset, nango_http::RateLimitScope::Daily);
    let error =
        client.send(request(&client, Method::GET, url(&server, "/users")), &ctx).await.unwrap_err();
    insta::assert_snapshot!("blocked_locally", error.to_string());
}
