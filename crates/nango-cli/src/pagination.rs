//! Cursor pagination as a blueprint declares it: follow the cursor until it is empty.

use http::{HeaderMap, Method};
use nango_config::blueprint::PaginationSpec;
use nango_oauth::Session;
use serde_json::Value;

use crate::error::{CliError, CliResult, ExitKind};

/// One page: its items and the cursor of the next page (`None` at the end).
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) items: Vec<Value>,
    pub(crate) next: Option<String>,
    pub(crate) total: Option<u64>,
}

/// Walks every page of `path` (which may carry a query string), sending `headers` with each
/// request and calling `on_page` for each page.
/// The page size is set to the blueprint's maximum unless the caller set one.
pub(crate) async fn for_each_page<F>(
    session: &Session,
    spec: &PaginationSpec,
    path: &str,
    headers: &HeaderMap,
    mut on_page: F,
) -> CliResult<()>
where
    F: FnMut(Page) -> CliResult<()>,
{
    let PaginationSpec::Cursor { cursor_param, cursor_field, page_size_param, max_page_size } =
        spec;
    let mut cursor: Option<String> = None;
    loop {
        let mut url = url::Url::parse("http://page.invalid")
            .and_then(|base| base.join(path.trim_start_matches('/')))
            .map_err(|e| CliError::new(ExitKind::Usage, format!("invalid path {path}: {e}")))?;
        let has_size = page_size_param
            .as_ref()
            .is_some_and(|p| url.query_pairs().any(|(k, _)| k == p.as_str()));
        {
            let mut query = url.query_pairs_mut();
            if let (Some(param), Some(max), false) = (page_size_param, max_page_size, has_size) {
                query.append_pair(param, &max.to_string());
            }
            if let Some(cursor) = &cursor {
                query.append_pair(cursor_param, cursor);
            }
        }
        let path_and_query = match url.query() {
            Some(q) if !q.is_empty() => format!("{}?{q}", url.path()),
            _ => url.path().to_owned(),
        };
        let response = session.request(Method::GET, &path_and_query, None, headers.clone()).await?;
        let body: Value = response.json().map_err(|e| {
            CliError::new(ExitKind::Provider, format!("page of {path} is not JSON: {e}"))
        })?;
        let page = split_page(&body, cursor_field).ok_or_else(|| {
            CliError::new(
                ExitKind::Usage,
                format!("the answer of {path} has no list field, so there are no pages to follow"),
            )
            .with_hint("Call this endpoint without --paginate; it returns one object.")
        })?;
        let next = page.next.clone();
        on_page(page)?;
        match next {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            Some(_) => {
                return Err(CliError::new(
                    ExitKind::Provider,
                    format!("the provider returned the same cursor twice for {path}; stopping"),
                ));
            }
            None => return Ok(()),
        }
    }
}

/// The items of a page are its array field; the cursor is `cursor_field`. `None` when the body
/// is not a list envelope: it carries neither the cursor field (empty on the last page) nor
/// `page_size`, or it has no array field. A single object such as Zoom's `/users/me` has arrays
/// of its own but no envelope.
fn split_page(body: &Value, cursor_field: &str) -> Option<Page> {
    let object = body.as_object()?;
    if !object.contains_key(cursor_field) && !object.contains_key("page_size") {
        return None;
    }
    let next =
        body.get(cursor_field).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let items = body.as_object().and_then(|o| o.values().find_map(Value::as_array)).cloned()?;
    let total = body.get("total_records").and_then(Value::as_u64);
    Some(Page { items, next, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_splits_into_items_and_cursor() {
        let body = serde_json::json!({"page_size": 2, "next_page_token": "abc", "total_records": 3,
            "users": [{"id": 1}, {"id": 2}]});
        let page = split_page(&body, "next_page_token").unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.next.as_deref(), Some("abc"));
        assert_eq!(page.total, Some(3));
        let last = serde_json::json!({"next_page_token": "", "users": [{"id": 3}]});
        assert_eq!(split_page(&last, "next_page_token").unwrap().next, None);
        let empty = serde_json::json!({"next_page_token": "", "users": []});
        assert!(split_page(&empty, "next_page_token").unwrap().items.is_empty());
    }

    #[test]
    fn a_body_without_a_list_is_not_a_page() {
        let me = serde_json::json!({"id": "u1", "email": "a@b.c", "group_ids": ["g1"]});
        assert!(split_page(&me, "next_page_token").is_none());
        let no_list = serde_json::json!({"next_page_token": "", "page_size": 30});
        assert!(split_page(&no_list, "next_page_token").is_none());
    }
}
