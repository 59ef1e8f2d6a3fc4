//! The whole catalogue over real HTTP: every operation of `data/operations.json` answers its
//! documented success status in its rate-limit category, behind the same token check and the
//! same limits as the operations modelled by hand.

mod common;

use std::collections::BTreeMap;

use common::*;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use zoom_sandbox::{Plan, RunningSandbox, SandboxConfig};

/// The catalogue, read here independently of the crate's own parser.
const OPERATIONS_JSON: &str = include_str!("../data/operations.json");

/// The operations with hand-written bodies (tested in `api.rs`); the rest answer the example.
const MODELLED: &[&str] = &[
    "GET /users",
    "GET /users/{userId}",
    "GET /users/{userId}/meetings",
    "POST /users/{userId}/meetings",
    "GET /meetings/{meetingId}",
];

#[derive(Debug, Deserialize)]
struct Operation {
    method: String,
    path: String,
    category: Option<String>,
    status: u16,
    example: Option<Value>,
}

impl Operation {
    fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn category(&self) -> &str {
        self.category.as_deref().unwrap_or("Light")
    }

    /// The template with its parameters filled: `{userId}` is `me`, `{meetingId}` the given
    /// meeting, other ids numbers, anything else a word.
    fn concrete_path(&self, meeting_id: &str) -> String {
        let segments = self.path.split('/').map(|segment| {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                None => segment.to_owned(),
                Some("userId") => "me".to_owned(),
                Some("meetingId") => meeting_id.to_owned(),
                Some(name) if name.ends_with("Id") || name == "id" => "4242".to_owned(),
                Some(_) => "walk-value".to_owned(),
            }
        });
        segments.collect::<Vec<_>>().join("/")
    }
}

fn catalogue() -> Vec<Operation> {
    serde_json::from_str(OPERATIONS_JSON).unwrap()
}

/// A Business+ sandbox whose per-second quotas are raised so that a walk of a few hundred
/// back-to-back requests sees no 429.
async fn roomy() -> RunningSandbox {
    let cfg =
        SandboxConfig { plan: Plan::BusinessPlus, per_second_multiplier: 100, ..<_>::default() };
    start(cfg).await
}

async fn send(sandbox: &RunningSandbox, token: Option<&str>, method: &str, path: &str) -> Response {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http().request(method.clone(), format!("{}/v2{path}", sandbox.base_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if matches!(method, Method::POST | Method::PATCH | Method::PUT) {
        request = request.json(&json!({"topic": "catalogue walk"}));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let category =
        response.headers().get("x-ratelimit-category").map(|v| v.to_str().unwrap().to_owned());
    let body = response.bytes().await.unwrap().to_vec();
    Response { status, category, body }
}

struct Response {
    status: StatusCode,
    category: Option<String>,
    body: Vec<u8>,
}

impl Response {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[tokio::test]
async fn every_catalogue_operation_succeeds_in_its_category() {
    let sandbox = roomy().await;
    let token = s2s_token(&sandbox).await;
    let created = send(&sandbox, Some(&token), "POST", "/users/me/meetings").await;
    assert_eq!(created.status, StatusCode::CREATED);
    let meeting_id = created.json()["id"].to_string();

    let mut operations = catalogue();
    // The modelled delete removes the meeting the modelled get and update need: it goes last.
    operations.sort_by_key(|op| op.key() == "DELETE /meetings/{meetingId}");
    let mut failures = Vec::new();
    for op in &operations {
        let path = op.concrete_path(&meeting_id);
        let response = send(&sandbox, Some(&token), &op.method, &path).await;
        if response.status.as_u16() != op.status
            || response.category.as_deref() != Some(op.category())
        {
            let body = String::from_utf8_lossy(&response.body).into_owned();
            failures.push(format!(
                "{} {path}: {} {:?} {body}",
                op.method, response.status, response.category
            ));
            continue;
        }
        match &op.example {
            _ if response.status == StatusCode::NO_CONTENT => assert!(response.body.is_empty()),
            None => assert!(response.body.is_empty(), "{} {path}", op.method),
            Some(Value::Object(example)) if !MODELLED.contains(&op.key().as_str()) => {
                let body = response.json();
                let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
                assert_eq!(keys, example.keys().collect::<Vec<_>>(), "{}", op.key());
            }
            Some(_) => drop(response.json()),
        }
    }
    assert!(failures.is_empty(), "{} failed:\n{}", failures.len(), failures.join("\n"));

    let stats = sandbox.control().stats();
    assert_eq!(stats.rate_limited, 0);
    let mut expected_by_operation: BTreeMap<String, u64> =
        operations.iter().map(|op| (op.key(), 1)).collect();
    *expected_by_operation.get_mut("POST /users/{userId}/meetings").unwrap() += 1;
    assert_eq!(stats.requests_by_operation, expected_by_operation);

    let mut expected_by_category: BTreeMap<String, u64> = BTreeMap::new();
    for op in &operations {
        *expected_by_category.entry(op.category().to_owned()).or_default() += 1;
    }
    *expected_by_category.get_mut("Medium").unwrap() += 1;
    assert_eq!(stats.requests_by_category, expected_by_category);
    assert_eq!(expected_by_category.len(), 4, "the walk covers every category");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_operation_is_a_404_with_zooms_body_after_authentication() {
    let sandbox = roomy().await;
    let token = s2s_token(&sandbox).await;

    let unknown = send(&sandbox, Some(&token), "GET", "/no/such/endpoint").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.category, None);
    insta::assert_json_snapshot!("unknown_operation", unknown.json());

    // A known path with a method Zoom does not serve there names no operation either.
    let wrong_method = send(&sandbox, Some(&token), "PUT", "/meetings/1").await;
    assert_eq!(wrong_method.status, StatusCode::NOT_FOUND);
    assert_eq!(wrong_method.json()["code"], 404);

    // The bare API root and a trailing slash name no operation.
    for path in ["", "/", "/users/"] {
        let bare = send(&sandbox, Some(&token), "GET", path).await;
        assert_eq!(bare.status, StatusCode::NOT_FOUND, "{path:?}");
        assert_eq!(bare.json()["code"], 404, "{path:?}");
    }

    for path in ["/no/such/endpoint", ""] {
        let anonymous = send(&sandbox, None, "GET", path).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path:?}");
        assert_eq!(anonymous.json(), json!({"code": 124, "message": "Invalid access token."}));
    }

    let stats = sandbox.control().stats();
    assert!(stats.requests_by_operation.is_empty(), "{stats:?}");
    assert!(stats.requests_by_category.is_empty(), "{stats:?}");
}

#[tokio::test]
async fn catalogue_operations_need_a_valid_token() {
    let sandbox = roomy().await;
    for (method, path) in [("GET", "/report/meetings/1"), ("DELETE", "/contacts/groups/7")] {
        let anonymous = send(&sandbox, None, method, path).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(anonymous.json()["code"], 124);
        let forged = send(&sandbox, Some("eyJnot-a-token"), method, path).await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    assert!(sandbox.control().stats().requests_by_category.is_empty());
}

#[tokio::test]
async fn a_literal_template_beats_the_modelled_user_route() {
    let sandbox = roomy().await;
    let token = s2s_token(&sandbox).await;
    // `/users/email` is Zoom's "check a user email" operation, not a user called "email".
    let email = send(&sandbox, Some(&token), "GET", "/users/email").await;
    assert_eq!(email.status, StatusCode::OK);
    assert_eq!(email.json(), json!({"existed_email": true}));
    let stats = sandbox.control().stats();
    assert_eq!(stats.requests_by_operation["GET /users/email"], 1);
    assert!(!stats.requests_by_operation.contains_key("GET /users/{userId}"));
}

#[tokio::test]
async fn path_identifiers_fill_the_example_body() {
    let sandbox = roomy().await;
    let token = s2s_token(&sandbox).await;
    let report = send(&sandbox, Some(&token), "GET", "/report/meetings/987654321").await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.category.as_deref(), Some("Heavy"));
    assert_eq!(report.json()["id"], 987654321);
}

#[tokio::test]
async fn catalogue_operations_share_the_per_second_bucket_of_their_category() {
    let sandbox = start(SandboxConfig { plan: Plan::Free, ..Default::default() }).await;
    let token = s2s_token(&sandbox).await;
    // Free allows 1 Heavy request a second: the second back-to-back one is refused.
    let first = send(&sandbox, Some(&token), "GET", "/report/meetings/1").await;
    assert_eq!(first.status, StatusCode::OK);
    let second = send(&sandbox, Some(&token), "GET", "/report/daily").await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.category.as_deref(), Some("Heavy"));
    assert_eq!(second.json()["code"], 429);
    assert_eq!(sandbox.control().stats().rate_limited, 1);
}

#[tokio::test]
async fn catalogue_operations_draw_from_the_daily_pool() {
    let sandbox = start(SandboxConfig { plan: Plan::Pro, ..Default::default() }).await;
    let token = s2s_token(&sandbox).await;
    // Pro: Heavy and Resource-intensive share 30,000 a day.
    assert!(sandbox.control().set_daily_usage("demo-account", "Heavy", 30_000));
    let refused = http()
        .get(format!("{}/v2/report/meetings/1", sandbox.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.headers()["x-ratelimit-type"], "Daily-limit");
    assert!(refused.headers()["retry-after"].to_str().unwrap().ends_with("T00:00:00Z"));
}
