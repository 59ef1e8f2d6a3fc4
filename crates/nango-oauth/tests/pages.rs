//! `Session::items` and `Session::pages` against a real loopback API: every page carries the
//! caller's filters, headers, the blueprint's page size and the encoded cursor, and the next
//! page is requested only when the consumer asks for more.

mod common;

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use http::{HeaderMap, HeaderValue};
use nango_config::Integration;
use nango_config::blueprint::{Blueprint, PaginationSpec};
use nango_oauth::{
    ConnectionStatus, ListPage, MemoryStore, OAuthClient, Session, TokenSet, TokenStore,
};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use common::{manual_http, t0};

const ITEMS: u32 = 7;
const PAGE_SIZE: u32 = 3;

/// A cursor with characters that must be encoded in a query.
fn cursor_after(n: u32) -> String {
    format!("after {n}/+&=")
}

/// `GET /v1/things?status=active&limit=N[&cursor=...]`: items 0..7, `limit` a page, answering
/// 400 when the filter or the page size is missing.
fn things(request: &Request) -> ResponseTemplate {
    let pairs: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if get("status").as_deref() != Some("active") {
        return ResponseTemplate::new(400).set_body_string("the status filter was dropped");
    }
    let Some(limit) = get("limit").and_then(|l| l.parse::<u32>().ok()) else {
        return ResponseTemplate::new(400).set_body_string("no page size");
    };
    let start = match get("cursor") {
        None => 0,
        Some(cursor) => match (0..ITEMS).find(|n| cursor_after(*n) == cursor) {
            Some(n) => n + 1,
            None => return ResponseTemplate::new(400).set_body_string("unknown cursor"),
        },
    };
    let end = (start + limit).min(ITEMS);
    let next = if end < ITEMS { cursor_after(end - 1) } else { String::new() };
    let items: Vec<_> = (start..end).map(|n| json!({"id": n})).collect();
    ResponseTemplate::new(200).set_body_json(
        json!({"total_records": ITEMS, "next_cursor": next, "things": items, "page_size": limit}),
    )
}

fn spec() -> PaginationSpec {
    PaginationSpec::Cursor {
        cursor_param: "cursor".into(),
        cursor_field: "next_cursor".into(),
        page_size_param: Some("limit".into()),
        max_page_size: Some(PAGE_SIZE),
    }
}

/// A session of a connection with a valid access token, on the API of `server`.
async fn session(server: &MockServer) -> Session {
    let uri = server.uri();
    let blueprint: Blueprint = serde_json::from_value(json!({
        "name": "acme", "version": "v0", "display_name": "Acme",
        "auth": { "mode": "oauth2_authorization_code", "token_url": format!("{uri}/oauth/token"),
                  "authorization_url": format!("{uri}/oauth/authorize") },
        "api": { "base_url": format!("{uri}/v1"), "pagination": spec() },
    }))
    .unwrap();
    let integration = Integration {
        name: "acme".into(),
        blueprint_ref: "acme:v0".into(),
        blueprint,
        oauth_client_id: "client-1".into(),
        oauth_client_secret: Some(SecretString::from("client-secret")),
        oauth_scopes: vec![],
        redirect_uri: None,
        account_id: None,
        rate_limit_plan: None,
    };
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    let tokens = TokenSet {
        access_token: SecretString::from("access-1"),
        refresh_token: None,
        token_type: "bearer".into(),
        expires_at: Some(t0() + std::time::Duration::from_secs(3600)),
        obtained_at: t0(),
        scopes: vec![],
        extra: Default::default(),
    };
    let connection = nango_oauth::Connection {
        integration: "acme".into(),
        connection_id: "me".into(),
        tokens,
        status: ConnectionStatus::Active,
        created_at: t0(),
        updated_at: t0(),
    };
    store.put(&connection).await.unwrap();
    let (http, _clock) = manual_http();
    let oauth = OAuthClient::new(Arc::new(integration), http.clone(), store);
    Session::new(oauth, http, "me")
}

#[derive(Debug, serde::Deserialize)]
struct Things {
    things: Vec<Thing>,
}

#[derive(Debug, serde::Deserialize)]
struct Thing {
    id: u32,
}

impl ListPage for Things {
    type Item = Thing;

    fn into_items(self) -> Vec<Thing> {
        self.things
    }
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

#[tokio::test]
async fn items_are_fetched_a_page_at_a_time_as_the_consumer_asks() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/v1/things")).respond_with(things).mount(&server).await;
    let session = session(&server).await;
    let spec = session.oauth().integration().blueprint.api.pagination.clone().unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("x-trace", HeaderValue::from_static("t-1"));

    let items = session.items::<Things>(&spec, "/things?status=active", headers);
    let mut items = std::pin::pin!(items);
    assert!(requests(&server).await.is_empty(), "nothing is sent before the first ask");
    for expected in 0..PAGE_SIZE {
        assert_eq!(items.next().await.unwrap().unwrap().id, expected);
    }
    tokio::task::yield_now().await;
    assert_eq!(requests(&server).await.len(), 1, "page 2 waits until an item of it is asked");
    assert_eq!(items.next().await.unwrap().unwrap().id, PAGE_SIZE);
    assert_eq!(requests(&server).await.len(), 2);
    let rest: Vec<u32> = items.map_ok(|t| t.id).try_collect().await.unwrap();
    assert_eq!(rest, [4, 5, 6]);

    let sent = requests(&server).await;
    assert_eq!(sent.len(), 3, "7 items in pages of 3");
    let queries: Vec<_> = sent.iter().map(|r| r.url.query().unwrap_or("").to_owned()).collect();
    assert_eq!(
        queries,
        [
            "status=active&limit=3",
            "status=active&limit=3&cursor=after+2%2F%2B%26%3D",
            "status=active&limit=3&cursor=after+5%2F%2B%26%3D",
        ]
    );
    for request in &sent {
        assert_eq!(request.headers["x-trace"], "t-1", "headers go with every page");
        assert_eq!(request.headers["authorization"], "Bearer access-1");
    }
}

#[tokio::test]
async fn pages_carry_the_total_and_the_next_cursor_and_keep_the_callers_page_size() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/v1/things")).respond_with(things).mount(&server).await;
    let session = session(&server).await;

    let pages = session.pages(&spec(), "/things?limit=5&status=active", HeaderMap::new());
    let pages: Vec<_> = pages.try_collect().await.unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].items.len(), 5);
    assert_eq!(pages[0].next_cursor.as_deref(), Some("after 4/+&="));
    assert_eq!(pages[0].total_records, Some(u64::from(ITEMS)));
    assert_eq!(pages[1].items, [json!({"id": 5}), json!({"id": 6})]);
    assert_eq!(pages[1].next_cursor, None);
    let first = &requests(&server).await[0];
    assert_eq!(first.url.query(), Some("limit=5&status=active"), "the caller's size is kept");
}
