//! Rate limits over real HTTP: per-second and daily 429s, and the per-user meeting cap.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use zoom_sandbox::{Plan, SandboxConfig};

#[tokio::test]
async fn per_second_429_has_zooms_body_and_headers() {
    let sandbox = start(SandboxConfig { plan: Plan::Free, ..Default::default() }).await;
    let token = s2s_token(&sandbox).await;

    let mut limited = None;
    for _ in 0..40 {
        let response = api_get(&sandbox, &token, "/users/me").await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
    }
    let response = limited.expect("40 back-to-back requests exceed 4 per second");
    let headers = response.headers();
    assert_eq!(headers["x-ratelimit-type"], "QPS");
    assert_eq!(headers["x-ratelimit-category"], "Light");
    assert_eq!(headers["x-ratelimit-limit"], "4");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(headers.contains_key("x-zm-trackingid"));
    assert!(!headers.contains_key("retry-after"));
    insta::assert_json_snapshot!("per_second_429", response.json::<Value>().await.unwrap());
    assert!(sandbox.control().stats().rate_limited >= 1);
    assert!(sandbox.control().stats().requests_by_category["Light"] >= 5);
}

#[tokio::test]
async fn daily_429_on_the_free_plan_has_an_rfc3339_retry_after_and_resets_at_midnight() {
    let sandbox = start(SandboxConfig { plan: Plan::Free, ..Default::default() }).await;
    let token = s2s_token(&sandbox).await;
    assert!(sandbox.control().set_daily_usage("demo-account", "Medium", 1_999));

    let last = api_get(&sandbox, &token, "/users").await;
    assert_eq!(last.status(), StatusCode::OK);
    assert_eq!(last.headers()["x-ratelimit-type"], "Daily-limit");
    assert_eq!(last.headers()["x-ratelimit-limit"], "2000");
    assert_eq!(last.headers()["x-ratelimit-remaining"], "0");

    let refused = api_get(&sandbox, &token, "/users").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let headers = refused.headers().clone();
    assert_eq!(headers["x-ratelimit-type"], "Daily-limit");
    assert_eq!(headers["x-ratelimit-category"], "Medium");
    let retry_after = headers["retry-after"].to_str().unwrap();
    let at: DateTime<Utc> = DateTime::parse_from_rfc3339(retry_after).unwrap().into();
    assert!(retry_after.ends_with("T00:00:00Z"), "{retry_after}");
    insta::assert_json_snapshot!("daily_429", refused.json::<Value>().await.unwrap());

    // Light has its own daily pool.
    assert_eq!(api_get(&sandbox, &token, "/users/me").await.status(), StatusCode::OK);

    // The next UTC day starts a fresh quota (the token is renewed: it expired meanwhile).
    sandbox.control().advance_clock(Duration::from_secs(24 * 3600));
    let token = s2s_token(&sandbox).await;
    assert_eq!(api_get(&sandbox, &token, "/users").await.status(), StatusCode::OK);
    assert!(at.timestamp() % 86_400 == 0);
}

#[tokio::test]
async fn per_user_meeting_writes_are_capped_at_100_a_day() {
    let sandbox = start(SandboxConfig { plan: Plan::BusinessPlus, ..Default::default() }).await;
    let token = s2s_token(&sandbox).await;
    let base = sandbox.base_url();
    let create = || {
        http()
            .post(format!("{base}/v2/users/me/meetings"))
            .bearer_auth(&token)
            .json(&json!({"topic": "t"}))
    };

    // 50 creates (Medium bucket) and 50 updates (Light bucket): 100 writes, no per-second 429.
    let mut id = 0;
    for _ in 0..50 {
        let response = create().send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        id = response.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    }
    let patch = || {
        http()
            .patch(format!("{base}/v2/meetings/{id}"))
            .bearer_auth(&token)
            .json(&json!({"agenda": "a"}))
    };
    for _ in 0..50 {
        assert_eq!(patch().send().await.unwrap().status(), StatusCode::NO_CONTENT);
    }

    let refused = patch().send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!refused.headers().contains_key("x-ratelimit-type"));
    assert!(!refused.headers().contains_key("retry-after"));
    insta::assert_json_snapshot!("per_user_429", refused.json::<Value>().await.unwrap());
    assert_eq!(create().send().await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);

    // Reads and deletes are not capped.
    assert_eq!(
        api_get(&sandbox, &token, &format!("/meetings/{id}")).await.status(),
        StatusCode::OK
    );

    sandbox.control().advance_clock(Duration::from_secs(24 * 3600));
    let token2 = s2s_token(&sandbox).await;
    let next_day = http()
        .patch(format!("{base}/v2/meetings/{id}"))
        .bearer_auth(&token2)
        .json(&json!({}))
        .send();
    assert_eq!(next_day.await.unwrap().status(), StatusCode::NO_CONTENT);
}
