//! Injected faults and the admin HTTP API, over real HTTP.

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use zoom_sandbox::{Fault, FaultRule};

fn rule(method: &str, path_prefix: &str, fault: Fault) -> FaultRule {
    FaultRule { method: Some(method.into()), path_prefix: path_prefix.into(), fault, times: 1 }
}

#[tokio::test]
async fn delay_exceeds_a_client_timeout_then_the_rule_is_spent() {
    let sandbox = start_auto().await;
    let token = s2s_token(&sandbox).await;
    sandbox.control().inject_fault(rule(
        "GET",
        "/v2/users/me",
        Fault::Delay(Duration::from_secs(5)),
    ));
    let client = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().unwrap();
    let url = format!("{}/v2/users/me", sandbox.base_url());

    let error = client.get(&url).bearer_auth(&token).send().await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert_eq!(client.get(&url).bearer_auth(&token).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(sandbox.control().stats().faults_injected, 1);
}

#[tokio::test]
async fn status_fault_answers_5xx_without_processing() {
    let sandbox = start_auto().await;
    let tokens = user_tokens(&sandbox).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    sandbox.control().inject_fault(FaultRule {
        method: None,
        path_prefix: "/oauth/token".into(),
        fault: Fault::Status(503),
        times: 2,
    });
    for _ in 0..2 {
        let (status, body) =
            token_request(&sandbox, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
                .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body, json!({"code": 503, "message": "Service Unavailable."}));
    }
    // Not processed: the refresh token was not rotated.
    let (status, _) =
        token_request(&sandbox, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sandbox.control().stats().refreshes, 1);
}

#[tokio::test]
async fn drop_after_processing_rotates_the_refresh_token_and_loses_the_answer() {
    let sandbox = start_auto().await;
    let tokens = user_tokens(&sandbox).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    sandbox.control().inject_fault(rule("POST", "/oauth/token", Fault::DropAfterProcessing));

    let lost = http()
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .basic_auth(ID, Some(SECRET))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .await;
    let error = lost.unwrap_err();
    assert!(!error.is_timeout(), "the connection is closed, not left hanging: {error}");
    assert_eq!(sandbox.control().stats().refreshes, 1, "the refresh was processed");

    let (status, body) =
        token_request(&sandbox, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["reason"], "Invalid Token!");
}

#[tokio::test]
async fn drop_after_processing_still_creates_the_meeting() {
    let sandbox = start_auto().await;
    let token = s2s_token(&sandbox).await;
    sandbox.control().inject_fault(rule(
        "POST",
        "/v2/users/me/meetings",
        Fault::DropAfterProcessing,
    ));
    let lost = http()
        .post(format!("{}/v2/users/me/meetings", sandbox.base_url()))
        .bearer_auth(&token)
        .json(&json!({"topic": "lost answer"}))
        .send()
        .await;
    assert!(lost.is_err());
    let list: Value = api_get(&sandbox, &token, "/users/me/meetings").await.json().await.unwrap();
    assert_eq!(list["total_records"], 1);
    assert_eq!(list["meetings"][0]["topic"], "lost answer");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn admin_http_api() {
    let sandbox = start(zoom_sandbox::SandboxConfig::default()).await;
    let base = sandbox.base_url();
    let client = http();

    let on =
        client.post(format!("{base}/_sandbox/auto-approve")).json(&json!({"enabled": true})).send();
    assert_eq!(on.await.unwrap().status(), StatusCode::OK);
    code(&sandbox, &[]).await;

    let token = s2s_token(&sandbox).await;
    let advance = client
        .post(format!("{base}/_sandbox/clock/advance"))
        .json(&json!({"seconds": 3600}))
        .send();
    let advanced: Value = advance.await.unwrap().json().await.unwrap();
    assert!(advanced["now"].as_str().unwrap().ends_with('Z'));
    assert_eq!(api_get(&sandbox, &token, "/users/me").await.status(), StatusCode::UNAUTHORIZED);

    let fault = json!({
        "method": "GET",
        "path_prefix": "/v2/users",
        "fault": {"type": "status", "status": 502},
        "times": 1
    });
    let armed = client.post(format!("{base}/_sandbox/faults")).json(&fault).send().await.unwrap();
    assert_eq!(armed.status(), StatusCode::CREATED);
    let token = s2s_token(&sandbox).await;
    assert_eq!(api_get(&sandbox, &token, "/users/me").await.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(api_get(&sandbox, &token, "/users/me").await.status(), StatusCode::OK);

    let app = json!({
        "client_id": "cli",
        "client_secret": "s",
        "redirect_uris": ["http://127.0.0.1:1/cb"],
        "account_id": "acct-2",
        "scopes": ["user:read"]
    });
    let added = client.post(format!("{base}/_sandbox/clients")).json(&app).send().await.unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let other = client
        .post(format!("{base}/oauth/token"))
        .basic_auth("cli", Some("s"))
        .form(&[("grant_type", "account_credentials"), ("account_id", "acct-2")])
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);

    let usage = json!({"account_id": "demo-account", "category": "Light", "used": 1});
    let refused =
        client.post(format!("{base}/_sandbox/daily-usage")).json(&usage).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "Pro has no daily cap on Light");

    let stats: Value =
        client.get(format!("{base}/_sandbox/stats")).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats["faults_injected"], 1);
    assert_eq!(stats["tokens_issued"], 3);
    assert_eq!(stats["requests_by_category"]["Light"], 1, "only the answered, authorised call");
    assert_eq!(stats["requests"], 7, "/_sandbox/ calls are not counted");
    let typed = sandbox.control().stats();
    assert_eq!(serde_json::to_value(&typed).unwrap()["faults_injected"], 1);
}
