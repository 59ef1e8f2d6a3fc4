//! Cursor pagination as a blueprint declares it ([`PaginationSpec`]): [`Session::pages`] and
//! [`Session::items`] follow the cursor page after page, lazily, until it is empty.
//!
//! Every page is a GET of the caller's path and query (its filters go with every page) plus the
//! page size (the blueprint's maximum unless the caller set one) and, after the first page, the
//! cursor, percent-encoded. A listing ends on an empty or missing cursor; a cursor the provider
//! sent before is an error rather than an endless loop, and so is an answer that is not a list
//! envelope. The next page is fetched only when the consumer asks for more.

use std::collections::HashSet;

use futures::stream::{self, Stream, TryStreamExt};
use http::{HeaderMap, Method};
use nango_config::blueprint::PaginationSpec;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::debug;
use url::form_urlencoded;

use crate::error::{Error, Result};
use crate::session::Session;

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T = Value> {
    /// The items of this page, in the provider's order.
    pub items: Vec<T>,
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// The body's `total_records` (items across all pages), when the provider sent it.
    pub total_records: Option<u64>,
}

/// A page body deserialised into a type of the caller's, for [`Session::items`]: it names its
/// list field by its shape and hands over the items.
pub trait ListPage: DeserializeOwned {
    /// What the listing lists.
    type Item;

    /// The items of this page, in order.
    fn into_items(self) -> Vec<Self::Item>;
}

/// Why a listing could not be followed page by page (in [`Error::Pagination`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationProblem {
    /// The answer is not a list envelope: it carries neither the cursor field nor `page_size`,
    /// or (for [`Session::pages`]) no list field. The endpoint returns one object.
    NotAList,
    /// The provider sent a cursor it had sent before, so following it would loop.
    RepeatedCursor,
    /// The answer is not JSON, or not the page type the caller asked for.
    Unreadable {
        /// What the JSON reader said.
        detail: String,
    },
}

impl Session {
    /// The pages of the listing `path_and_query` (relative to the API base URL), following the
    /// blueprint's cursor; `headers` go with every page. Each item is the JSON value of the
    /// body's list field (its first array).
    ///
    /// # Errors
    /// Each page may fail like [`Session::request`]; [`Error::Pagination`] when an answer is not
    /// a list envelope, is not JSON, or repeats an earlier cursor. The stream ends after an
    /// error.
    pub fn pages<'a>(
        &'a self,
        spec: &PaginationSpec,
        path_and_query: &str,
        headers: HeaderMap,
    ) -> impl Stream<Item = Result<Page>> + use<'a> {
        self.walk(spec, path_and_query, headers, |body, listing| {
            let items = body.as_object().and_then(|o| o.values().find_map(Value::as_array));
            items.cloned().ok_or_else(|| listing.problem(PaginationProblem::NotAList))
        })
    }

    /// Every item of every page of `path_and_query`, each page read as `P`, as
    /// [`Session::pages`] walks them.
    ///
    /// # Errors
    /// As [`Session::pages`]; [`PaginationProblem::Unreadable`] when a page is not a `P`.
    pub fn items<'a, P>(
        &'a self,
        spec: &PaginationSpec,
        path_and_query: &str,
        headers: HeaderMap,
    ) -> impl Stream<Item = Result<P::Item>> + use<'a, P>
    where
        P: ListPage + 'a,
        P::Item: 'a,
    {
        self.walk(spec, path_and_query, headers, |body, listing| {
            let page: P = serde_json::from_value(body).map_err(|e| listing.unreadable(e))?;
            Ok(page.into_items())
        })
        .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
    }

    /// Pages whose items `read` takes out of each body (already known to be an envelope).
    fn walk<'a, T: 'a>(
        &'a self,
        spec: &PaginationSpec,
        path_and_query: &str,
        headers: HeaderMap,
        read: fn(Value, &Listing) -> Result<Vec<T>>,
    ) -> impl Stream<Item = Result<Page<T>>> + use<'a, T> {
        let listing = Listing::new(spec, path_and_query);
        let start = Walk { listing, headers, next: Some(None), seen: HashSet::new(), number: 1 };
        // The listing travels in the walk's state, so a page borrows it instead of copying it.
        stream::try_unfold(start, move |mut walk| async move {
            let Some(cursor) = walk.next.take() else { return Ok(None) };
            let listing = &walk.listing;
            if let Some(cursor) = &cursor
                && !walk.seen.insert(cursor.clone())
            {
                return Err(listing.problem(PaginationProblem::RepeatedCursor));
            }

            let url = listing.page_url(cursor.as_deref());
            let response = self.request(Method::GET, &url, None, walk.headers.clone()).await?;
            let body: Value = response.json().map_err(|e| listing.unreadable(e))?;
            let (next_cursor, total_records) = listing.envelope(&body)?;
            let items = read(body, listing)?;
            debug!(
                path = %listing.path,
                page = walk.number,
                items = items.len(),
                last = next_cursor.is_none(),
                "read a page"
            );

            walk.next = next_cursor.clone().map(Some);
            walk.number += 1;
            Ok(Some((Page { items, next_cursor, total_records }, walk)))
        })
    }
}

/// Where a walk stands.
struct Walk {
    listing: Listing,
    /// Sent with every page.
    headers: HeaderMap,
    /// The page to fetch next: `Some(None)` the first, `Some(Some(cursor))` a later one, `None`
    /// when the listing has ended.
    next: Option<Option<String>>,
    /// Every cursor followed so far.
    seen: HashSet<String>,
    /// The number of the page to fetch next, from 1, for the logs.
    number: u64,
}

/// One listing: its path, the caller's query and how the blueprint pages it.
#[derive(Debug)]
struct Listing {
    path: String,
    query: String,
    cursor_param: String,
    cursor_field: String,
    /// The page size parameter and its value, when nango sets it.
    page_size: Option<(String, u32)>,
}

impl Listing {
    fn new(spec: &PaginationSpec, path_and_query: &str) -> Self {
        let PaginationSpec::Cursor { cursor_param, cursor_field, page_size_param, max_page_size } =
            spec;
        let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
        let caller_set =
            |param: &str| form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == param);
        let page_size = match (page_size_param, max_page_size) {
            (Some(param), Some(max)) if !caller_set(param) => Some((param.clone(), *max)),
            _ => None,
        };
        Self {
            path: path.to_owned(),
            query: query.to_owned(),
            cursor_param: cursor_param.clone(),
            cursor_field: cursor_field.clone(),
            page_size,
        }
    }

    /// The path and query of the page after `cursor` (the first page without one): the
    /// caller's query as it was given, then the page size and the cursor, encoded.
    fn page_url(&self, cursor: Option<&str>) -> String {
        let mut query = form_urlencoded::Serializer::for_suffix(self.query.clone(), 0);
        if let Some((param, size)) = &self.page_size {
            query.append_pair(param, &size.to_string());
        }
        if let Some(cursor) = cursor {
            query.append_pair(&self.cursor_param, cursor);
        }
        let query = query.finish();
        if query.is_empty() { self.path.clone() } else { format!("{}?{query}", self.path) }
    }

    /// The next cursor (`None` when empty or missing) and `total_records` of an envelope: an
    /// object with the cursor field or `page_size`. A single object such as a user's profile
    /// may hold arrays of its own but has neither.
    fn envelope(&self, body: &Value) -> Result<(Option<String>, Option<u64>)> {
        let object = body
            .as_object()
            .filter(|o| o.contains_key(&self.cursor_field) || o.contains_key("page_size"));
        let object = object.ok_or_else(|| self.problem(PaginationProblem::NotAList))?;
        let next = object.get(&self.cursor_field).and_then(Value::as_str);
        let next = next.filter(|cursor| !cursor.is_empty()).map(str::to_owned);
        Ok((next, object.get("total_records").and_then(Value::as_u64)))
    }

    fn problem(&self, problem: PaginationProblem) -> Error {
        Error::Pagination { path: self.path.clone(), problem }
    }

    fn unreadable(&self, e: serde_json::Error) -> Error {
        self.problem(PaginationProblem::Unreadable { detail: e.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use futures::StreamExt;
    use nango_config::blueprint::AuthMode;
    use serde_json::json;
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::client::OAuthClient;
    use crate::store::{Connection, ConnectionStatus, MemoryStore, TokenStore};
    use crate::test_support::{integration, manual_http, t0};
    use crate::token::TokenSet;

    fn spec(page_size_param: Option<&str>) -> PaginationSpec {
        PaginationSpec::Cursor {
            cursor_param: "cursor".into(),
            cursor_field: "next_cursor".into(),
            page_size_param: page_size_param.map(str::to_owned),
            max_page_size: Some(300),
        }
    }

    #[test]
    fn the_cursor_is_percent_encoded_after_the_callers_filters() {
        let listing = Listing::new(&spec(Some("limit")), "/things?status=active");
        assert_eq!(listing.page_url(None), "/things?status=active&limit=300");
        assert_eq!(
            listing.page_url(Some("a b+c/d&e=f?g#h")),
            "/things?status=active&limit=300&cursor=a+b%2Bc%2Fd%26e%3Df%3Fg%23h"
        );
    }

    #[test]
    fn the_callers_page_size_and_query_are_kept_as_given() {
        let listing = Listing::new(&spec(Some("limit")), "/things?limit=5&q=a%20b");
        assert_eq!(listing.page_url(Some("x")), "/things?limit=5&q=a%20b&cursor=x");
        let bare = Listing::new(&spec(Some("limit")), "/things");
        assert_eq!(bare.page_url(None), "/things?limit=300");
        let no_size = Listing::new(&spec(None), "/things");
        assert_eq!(no_size.page_url(None), "/things");
        assert_eq!(no_size.page_url(Some("x")), "/things?cursor=x");
    }

    #[test]
    fn an_empty_or_missing_cursor_ends_the_listing() {
        let listing = Listing::new(&spec(None), "/things");
        let body = json!({"next_cursor": "abc", "total_records": 3, "things": [1, 2]});
        assert_eq!(listing.envelope(&body).unwrap(), (Some("abc".into()), Some(3)));
        let empty = json!({"next_cursor": "", "things": [3]});
        assert_eq!(listing.envelope(&empty).unwrap(), (None, None));
        let missing = json!({"page_size": 30, "things": []});
        assert_eq!(listing.envelope(&missing).unwrap(), (None, None));
    }

    #[test]
    fn a_body_that_is_not_an_envelope_is_not_a_list() {
        let listing = Listing::new(&spec(None), "/things/1");
        for body in [json!({"id": "u1", "group_ids": ["g1"]}), json!([1, 2]), json!("text")] {
            let e = listing.envelope(&body).unwrap_err();
            assert_eq!(e.pagination_problem(), Some(&PaginationProblem::NotAList), "{body}");
            assert_eq!(
                e.to_string(),
                "the answer of /things/1 has no list field, so there are no pages to follow; \
                 request it once instead"
            );
        }
    }

    /// A session of a connection with a valid token, on an API at `server`, paginated by
    /// [`spec`] with `limit` as the page size parameter.
    async fn session(server: &MockServer) -> Session {
        let mut integration = integration(AuthMode::Oauth2AuthorizationCode, &server.uri());
        integration.blueprint.api.base_url = format!("{}/v1", server.uri());
        let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
        let tokens = TokenSet {
            access_token: "access-0".into(),
            refresh_token: None,
            token_type: "bearer".into(),
            expires_at: Some(t0() + std::time::Duration::from_secs(3600)),
            obtained_at: t0(),
            scopes: vec![],
            extra: Default::default(),
        };
        let status = ConnectionStatus::Active;
        let (integration_name, connection_id) = ("acme".into(), "me".into());
        let (created_at, updated_at) = (t0(), t0());
        let connection = Connection {
            integration: integration_name,
            connection_id,
            tokens,
            status,
            created_at,
            updated_at,
        };
        store.put(&connection).await.unwrap();
        let (http, _clock) = manual_http();
        let oauth = OAuthClient::new(Arc::new(integration), http.clone(), store);
        Session::new(oauth, http, "me")
    }

    fn page(next: &str, items: &[u32]) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(json!({"next_cursor": next, "things": items}))
    }

    #[tokio::test]
    async fn a_cursor_sent_twice_is_an_error_not_a_loop() {
        let server = MockServer::start().await;
        let first = Mock::given(method("GET")).and(path("/v1/things"));
        first.respond_with(page("c1", &[1])).up_to_n_times(1).mount(&server).await;
        let again = Mock::given(method("GET")).and(path("/v1/things"));
        let again = again.and(query_param("cursor", "c1"));
        again.respond_with(page("c1", &[2])).expect(1).mount(&server).await;
        let session = session(&server).await;

        let spec = spec(Some("limit"));
        // At most 5 pages, so that a regression fails instead of looping.
        let pages = session.pages(&spec, "/things", HeaderMap::new()).take(5);
        let pages: Vec<_> = pages.collect().await;
        assert_eq!(pages.len(), 3, "{pages:?}");
        assert_eq!(pages[0].as_ref().unwrap().items, [json!(1)]);
        assert_eq!(pages[1].as_ref().unwrap().items, [json!(2)]);
        let e = pages[2].as_ref().unwrap_err();
        assert_eq!(e.pagination_problem(), Some(&PaginationProblem::RepeatedCursor));
        assert!(e.to_string().contains("/things"), "{e}");
        assert_eq!(server.received_requests().await.unwrap().len(), 2, "c1 followed once");
    }

    #[tokio::test]
    async fn an_answer_without_a_list_field_or_not_json_fails_clearly() {
        let server = MockServer::start().await;
        let no_list = ResponseTemplate::new(200).set_body_json(json!({"next_cursor": ""}));
        Mock::given(path("/v1/empty")).respond_with(no_list).mount(&server).await;
        let html = ResponseTemplate::new(200).set_body_string("<html>");
        Mock::given(path("/v1/html")).respond_with(html).mount(&server).await;
        let session = session(&server).await;
        let spec = spec(None);

        let mut empty = std::pin::pin!(session.pages(&spec, "/empty", HeaderMap::new()));
        let e = empty.next().await.unwrap().unwrap_err();
        assert_eq!(e.pagination_problem(), Some(&PaginationProblem::NotAList));
        assert!(empty.next().await.is_none(), "the stream ends after an error");

        let mut html = std::pin::pin!(session.pages(&spec, "/html", HeaderMap::new()));
        let e = html.next().await.unwrap().unwrap_err();
        assert!(matches!(e.pagination_problem(), Some(PaginationProblem::Unreadable { .. })));
        assert!(e.to_string().starts_with("a page of /html could not be read ("), "{e}");
    }

    #[derive(serde::Deserialize)]
    struct Things {
        things: Vec<u32>,
    }

    impl ListPage for Things {
        type Item = u32;

        fn into_items(self) -> Vec<u32> {
            self.things
        }
    }

    #[tokio::test]
    async fn typed_items_come_from_the_page_type() {
        let server = MockServer::start().await;
        let last = Mock::given(path("/v1/things")).and(query_param("cursor", "c1"));
        last.respond_with(page("", &[3])).mount(&server).await;
        let first = Mock::given(path("/v1/things")).and(query_param("limit", "300"));
        first.respond_with(page("c1", &[1, 2])).up_to_n_times(1).mount(&server).await;
        let wrong = ResponseTemplate::new(200)
            .set_body_json(json!({"next_cursor": "", "things": ["not a number"]}));
        Mock::given(path("/v1/wrong")).respond_with(wrong).mount(&server).await;
        let session = session(&server).await;
        let spec = spec(Some("limit"));

        let items = session.items::<Things>(&spec, "/things", HeaderMap::new());
        // A listing can be consumed on another task.
        fn sendable<S: Send>(stream: S) -> S {
            stream
        }
        let items: Vec<u32> = sendable(items).try_collect().await.unwrap();
        assert_eq!(items, [1, 2, 3]);
        let wrong = session.items::<Things>(&spec, "/wrong", HeaderMap::new());
        let e = wrong.try_collect::<Vec<_>>().await.unwrap_err();
        assert!(matches!(e.pagination_problem(), Some(PaginationProblem::Unreadable { .. })));
    }
}
