//! Zoom's list envelope: `page_size` (default 30, at most 300), `next_page_token` (empty on the
//! last page, valid 15 minutes, only for the query that made it) and the legacy `page_number`.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::api_error;
use crate::state::PageCursor;

const DEFAULT_SIZE: usize = 30;
const MAX_SIZE: usize = 300;
const TOKEN_TTL: TimeDelta = TimeDelta::minutes(15);

/// A page request read from the query string.
#[derive(Debug, Clone)]
pub(crate) struct PageRequest {
    size: usize,
    token: Option<String>,
    page_number: Option<u64>,
}

fn invalid(field: &str) -> Response {
    api_error(StatusCode::BAD_REQUEST, 300, format!("Invalid field: {field}."))
}

impl PageRequest {
    /// Reads `page_size` (larger than 300 means 300, as Zoom documents the maximum),
    /// `next_page_token` and `page_number`.
    pub(crate) fn read(q: &HashMap<String, String>) -> Result<Self, Response> {
        let size = match q.get("page_size").map(|s| s.parse::<usize>()) {
            None => DEFAULT_SIZE,
            Some(Ok(0)) => DEFAULT_SIZE,
            Some(Ok(n)) => n.min(MAX_SIZE),
            Some(Err(_)) => return Err(invalid("page_size")),
        };
        let page_number = match q.get("page_number").map(|s| s.parse::<u64>()) {
            None => None,
            Some(Ok(n)) if n >= 1 => Some(n),
            Some(_) => return Err(invalid("page_number")),
        };
        let token = q.get("next_page_token").filter(|t| !t.is_empty()).cloned();
        Ok(Self { size, token, page_number })
    }
}

/// One page: which items (by position) and the envelope fields.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) range: std::ops::Range<usize>,
    envelope: Map<String, Value>,
}

impl Page {
    /// The envelope with the items under `name` (`users`, `meetings`).
    pub(crate) fn body(mut self, name: &str, items: Vec<Value>) -> Value {
        self.envelope.insert(name.to_owned(), Value::Array(items));
        Value::Object(self.envelope)
    }
}

/// Cuts a page out of items with the sorted, unique `keys`, for the query named `query`.
pub(crate) fn paginate(
    pages: &mut HashMap<String, PageCursor>,
    query: &str,
    keys: &[i64],
    req: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page, Response> {
    let (start, page_number) = match (&req.token, req.page_number) {
        (Some(token), _) => {
            let cursor = pages
                .get(token)
                .filter(|c| c.query == query && c.expires_at > now)
                .ok_or_else(|| {
                    api_error(
                        StatusCode::BAD_REQUEST,
                        300,
                        "The next page token is invalid or expired.",
                    )
                })?;
            (keys.partition_point(|k| *k <= cursor.after), cursor.page_number + 1)
        }
        (None, Some(n)) => (((n - 1) as usize).saturating_mul(req.size).min(keys.len()), n),
        (None, None) => (0, 1),
    };
    let end = (start + req.size).min(keys.len());

    let next_page_token = if end < keys.len() && end > start {
        pages.retain(|_, c| c.expires_at > now);
        let token = crate::ids::alnum(35);
        let cursor = PageCursor {
            query: query.to_owned(),
            after: keys[end - 1],
            page_number,
            expires_at: now + TOKEN_TTL,
        };
        pages.insert(token.clone(), cursor);
        token
    } else {
        String::new()
    };

    let envelope = json!({
        "page_count": keys.len().div_ceil(req.size),
        "page_number": page_number,
        "page_size": req.size,
        "total_records": keys.len(),
        "next_page_token": next_page_token,
    });
    Ok(Page { range: start..end, envelope: envelope.as_object().cloned().unwrap_or_default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(pairs: &[(&str, &str)]) -> PageRequest {
        let q = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        PageRequest::read(&q).unwrap()
    }

    #[test]
    fn walks_every_key_once_then_ends_with_an_empty_token() {
        let now = "2024-05-30T13:14:15Z".parse().unwrap();
        let keys: Vec<i64> = (0..70).collect();
        let mut pages = HashMap::new();
        let mut seen = Vec::new();
        let mut request = req(&[]);
        loop {
            let page = paginate(&mut pages, "q", &keys, &request, now).unwrap();
            seen.extend(keys[page.range.clone()].iter().copied());
            let body = page.body("items", vec![]);
            let token = body["next_page_token"].as_str().unwrap().to_owned();
            if token.is_empty() {
                break;
            }
            request = req(&[("next_page_token", &token)]);
        }
        assert_eq!(seen, keys);
    }

    #[test]
    fn a_token_of_another_query_is_refused() {
        let now = "2024-05-30T13:14:15Z".parse().unwrap();
        let keys: Vec<i64> = (0..70).collect();
        let mut pages = HashMap::new();
        let body = paginate(&mut pages, "q", &keys, &req(&[]), now).unwrap().body("x", vec![]);
        let token = body["next_page_token"].as_str().unwrap().to_owned();
        let other = paginate(&mut pages, "other", &keys, &req(&[("next_page_token", &token)]), now);
        assert_eq!(other.unwrap_err().status(), StatusCode::BAD_REQUEST);
        let later = now + TimeDelta::minutes(16);
        let expired = paginate(&mut pages, "q", &keys, &req(&[("next_page_token", &token)]), later);
        assert_eq!(expired.unwrap_err().status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn page_size_is_capped_at_300() {
        assert_eq!(req(&[("page_size", "1000")]).size, 300);
        assert_eq!(req(&[]).size, 30);
    }
}
