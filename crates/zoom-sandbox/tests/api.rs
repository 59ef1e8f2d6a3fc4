//! The API host over real HTTP: bearer tokens, users, pagination, meetings.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use zoom_sandbox::{Plan, SandboxConfig};

#[tokio::test]
async fn missing_unknown_and_expired_tokens_get_401_code_124() {
    let sandbox = start_auto().await;
    let none = http().get(format!("{}/v2/users/me", sandbox.base_url())).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert!(none.headers().contains_key("x-zm-trackingid"));
    insta::assert_json_snapshot!("invalid_token", none.json::<Value>().await.unwrap());

    let unknown = api_get(&sandbox, "eyJnot-a-token", "/users/me").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);

    let token = s2s_token(&sandbox).await;
    sandbox.control().advance_clock(Duration::from_secs(3598));
    assert_eq!(api_get(&sandbox, &token, "/users/me").await.status(), StatusCode::OK);
    sandbox.control().advance_clock(Duration::from_secs(2));
    let expired = api_get(&sandbox, &token, "/users/me").await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    insta::assert_json_snapshot!("expired_token", expired.json::<Value>().await.unwrap());
}

#[tokio::test]
async fn users_me_by_id_and_by_email() {
    let sandbox = start_auto().await;
    let token = user_tokens(&sandbox).await["access_token"].as_str().unwrap().to_owned();
    let me = api_get(&sandbox, &token, "/users/me").await;
    assert_eq!(me.status(), StatusCode::OK);
    for header in
        ["x-ratelimit-category", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-type"]
    {
        assert!(me.headers().contains_key(header), "{header}");
    }
    assert_eq!(me.headers()["x-ratelimit-category"], "Light");
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["id"].as_str().unwrap().len(), 22);
    assert_eq!(me["role_name"], "Owner");
    for field in [
        "email",
        "first_name",
        "last_name",
        "type",
        "status",
        "created_at",
        "timezone",
        "pmi",
        "account_id",
    ] {
        assert!(me.get(field).is_some(), "{field}");
    }

    let by_id: Value = api_get(&sandbox, &token, &format!("/users/{}", me["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_id, me);
    let email = me["email"].as_str().unwrap().to_uppercase();
    let by_email: Value =
        api_get(&sandbox, &token, &format!("/users/{email}")).await.json().await.unwrap();
    assert_eq!(by_email["id"], me["id"]);

    let missing = api_get(&sandbox, &token, "/users/nobody-here").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    insta::assert_json_snapshot!("user_not_found", missing.json::<Value>().await.unwrap());
}

#[tokio::test]
async fn seeded_users_are_the_same_in_every_sandbox() {
    let one = start_auto().await;
    let two = start_auto().await;
    let a: Value =
        api_get(&one, &s2s_token(&one).await, "/users?page_size=50").await.json().await.unwrap();
    let b: Value =
        api_get(&two, &s2s_token(&two).await, "/users?page_size=50").await.json().await.unwrap();
    assert_eq!(a["users"], b["users"]);
}

#[tokio::test]
async fn pagination_over_thousands_of_users_returns_each_exactly_once() {
    let sandbox =
        start(SandboxConfig { seed_users: 2_999, plan: Plan::BusinessPlus, ..Default::default() })
            .await;
    let token = s2s_token(&sandbox).await;
    let mut all = Vec::new();
    let mut next = String::new();
    let mut pages = 0;
    let mut total;
    loop {
        let path = format!("/users?status=active&page_size=300&next_page_token={next}");
        let response = api_get(&sandbox, &token, &path).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["x-ratelimit-category"], "Medium");
        let body: Value = response.json().await.unwrap();
        pages += 1;
        total = body["total_records"].as_u64().unwrap();
        assert_eq!(body["page_size"], 300);
        assert_eq!(body["page_number"], pages);
        for user in body["users"].as_array().unwrap() {
            assert_eq!(user["status"], "active");
            all.push(user["id"].as_str().unwrap().to_owned());
        }
        next = body["next_page_token"].as_str().unwrap().to_owned();
        if next.is_empty() {
            break;
        }
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len());
    assert_eq!(all.len() as u64, total);
    assert!(total > 2_500, "most of the 3,000 users are active");
    assert_eq!(pages, total.div_ceil(300));
}

#[tokio::test]
async fn page_envelope_and_page_token_of_another_query() {
    let sandbox = start_auto().await;
    let token = s2s_token(&sandbox).await;
    let body: Value = api_get(&sandbox, &token, "/users").await.json().await.unwrap();
    assert_eq!(body["page_size"], 30);
    assert_eq!(body["users"].as_array().unwrap().len(), 30);
    let mut shape = body.clone();
    shape["users"] = json!([]);
    insta::assert_json_snapshot!("users_envelope", redact(shape, &["next_page_token"]));

    let next = body["next_page_token"].as_str().unwrap();
    assert_eq!(next.len(), 35);
    let other =
        api_get(&sandbox, &token, &format!("/users?status=inactive&next_page_token={next}")).await;
    assert_eq!(other.status(), StatusCode::BAD_REQUEST);
    assert_eq!(other.json::<Value>().await.unwrap()["code"], 300);

    let big: Value = api_get(&sandbox, &token, "/users?page_size=1000").await.json().await.unwrap();
    assert_eq!(big["page_size"], 300);
    assert_eq!(big["next_page_token"], "", "121 users fit one page of 300");
}

#[tokio::test]
async fn meetings_create_get_list_update_delete() {
    let sandbox = start_auto().await;
    let token = user_tokens(&sandbox).await["access_token"].as_str().unwrap().to_owned();
    let base = sandbox.base_url();

    let created = http()
        .post(format!("{base}/v2/users/me/meetings"))
        .bearer_auth(&token)
        .json(&json!({
            "topic": "Weekly sync",
            "type": 2,
            "start_time": "2030-01-02T15:00:00Z",
            "duration": 45
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["x-ratelimit-category"], "Medium");
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert!(id > 10_000_000_000);
    assert!(created.get("uuid").is_none() && created.get("host_id").is_none());
    assert_eq!(created["topic"], "Weekly sync");
    assert_eq!(created["start_time"], "2030-01-02T15:00:00Z");
    assert!(created["join_url"].as_str().unwrap().contains(&format!("/j/{id}")));

    let got = api_get(&sandbox, &token, &format!("/meetings/{id}")).await;
    assert_eq!(got.headers()["x-ratelimit-category"], "Light");
    let got: Value = got.json().await.unwrap();
    assert_eq!(got["status"], "waiting");
    assert!(got["uuid"].as_str().unwrap().ends_with("=="));
    assert_eq!(got["host_id"].as_str().unwrap().len(), 22);

    let list: Value = api_get(&sandbox, &token, "/users/me/meetings").await.json().await.unwrap();
    assert_eq!(list["total_records"], 1);
    assert_eq!(list["meetings"][0]["id"], id);
    assert_eq!(list["next_page_token"], "");

    let patched = http()
        .patch(format!("{base}/v2/meetings/{id}"))
        .bearer_auth(&token)
        .json(&json!({"topic": "Renamed", "settings": {"waiting_room": false}}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::NO_CONTENT);
    assert_eq!(patched.headers()["x-ratelimit-category"], "Light");
    let got: Value =
        api_get(&sandbox, &token, &format!("/meetings/{id}")).await.json().await.unwrap();
    assert_eq!(got["topic"], "Renamed");
    assert_eq!(got["settings"]["waiting_room"], false);

    let deleted =
        http().delete(format!("{base}/v2/meetings/{id}")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = api_get(&sandbox, &token, &format!("/meetings/{id}")).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let body: Value = gone.json().await.unwrap();
    assert_eq!(
        body,
        json!({"code": 3001, "message": format!("Meeting {id} is not found or has expired.")})
    );
    assert_eq!(sandbox.control().stats().meetings_created, 1);
}

#[tokio::test]
async fn meeting_validation_errors() {
    let sandbox = start_auto().await;
    let token = s2s_token(&sandbox).await;
    let url = format!("{}/v2/users/me/meetings", sandbox.base_url());

    let invalid = http()
        .post(&url)
        .bearer_auth(&token)
        .json(&json!({"topic": "x", "type": 7, "password": "far-too-long-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("validation_failed", invalid.json::<Value>().await.unwrap());

    let not_json = http().post(&url).bearer_auth(&token).body("topic=x").send().await.unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("not_json", not_json.json::<Value>().await.unwrap());

    let no_user = http()
        .post(format!("{}/v2/users/ghost/meetings", sandbox.base_url()))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_user.status(), StatusCode::NOT_FOUND);
    assert_eq!(no_user.json::<Value>().await.unwrap()["code"], 1001);
}

#[tokio::test]
async fn meeting_pages_walk_every_meeting_once() {
    let sandbox = start(SandboxConfig { plan: Plan::BusinessPlus, ..Default::default() }).await;
    let token = s2s_token(&sandbox).await;
    let url = format!("{}/v2/users/me/meetings", sandbox.base_url());
    for n in 0..45 {
        let response = http()
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({"topic": format!("m{n}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let mut seen = HashSet::new();
    let mut next = String::new();
    loop {
        let path = format!("/users/me/meetings?page_size=20&next_page_token={next}");
        let body: Value = api_get(&sandbox, &token, &path).await.json().await.unwrap();
        for m in body["meetings"].as_array().unwrap() {
            assert!(seen.insert(m["id"].as_i64().unwrap()));
        }
        next = body["next_page_token"].as_str().unwrap().to_owned();
        if next.is_empty() {
            break;
        }
    }
    assert_eq!(seen.len(), 45);
}

#[tokio::test]
async fn a_token_without_the_scope_gets_4711() {
    let sandbox = start_auto().await;
    let (status, body) = token_request(&sandbox, &[("grant_type", "client_credentials")]).await;
    assert_eq!(status, StatusCode::OK);
    let chatbot = body["access_token"].as_str().unwrap();
    let refused = api_get(&sandbox, chatbot, "/users/me/meetings").await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("missing_scope", refused.json::<Value>().await.unwrap());
}
