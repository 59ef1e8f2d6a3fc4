//! The guard in front of every `/v2/*` route: the bearer token, then the operation (Zoom
//! authenticates before it routes), then the account's rate limit, then the `X-RateLimit-*`
//! headers on the answer. Operations the sandbox does not model by hand are answered here from
//! the catalogue.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::api_error;
use super::catalogue::{self, Resolved};
use crate::clock::zoom_time;
use crate::ratelimit::{RateHeaders, Verdict};
use crate::state::Shared;

/// Who is calling: set on the request for the handlers.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) account_id: String,
    pub(crate) scopes: Vec<String>,
}

/// Set on a response that must carry no `X-RateLimit-Type` (the per-user meeting cap 429, which
/// Zoom sends without it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoRateLimitType;

/// Zoom's answer to a method and path that name no operation (modelled: FACTS gives no body).
fn no_such_operation(method: &Method, path: &str) -> Response {
    let message = format!("No API found for {method} {path}.");
    api_error(StatusCode::NOT_FOUND, 404, message)
}

fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Caller, Response> {
    let invalid = || api_error(StatusCode::UNAUTHORIZED, 124, "Invalid access token.");
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .ok_or_else(invalid)?;

    let store = shared.store();
    let record = store.access.get(token).filter(|t| !t.revoked).ok_or_else(invalid)?;
    if record.expires_at <= shared.clock.now_utc() {
        return Err(api_error(StatusCode::UNAUTHORIZED, 124, "Access token is expired."));
    }
    Ok(Caller { account_id: record.account_id.clone(), scopes: record.scopes.clone() })
}

fn set_headers(response: &mut Response, h: &RateHeaders, with_type: bool) {
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-category", HeaderValue::from_static(h.category.as_str()));
    headers.insert("x-ratelimit-limit", HeaderValue::from(h.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(h.remaining));
    if with_type {
        headers.insert("x-ratelimit-type", HeaderValue::from_static(h.kind));
    }
}

/// The middleware.
pub(crate) async fn guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let caller = match authenticate(&shared, req.headers()) {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };
    let Some(resolved) = catalogue::resolve(req.method().as_str(), req.uri().path()) else {
        tracing::debug!(method = %req.method(), path = req.uri().path(), "no such operation");
        return no_such_operation(req.method(), req.uri().path());
    };
    let modelled = super::is_modelled(resolved.op);
    if modelled
        && let Err(refused) = super::scopes::check(&caller.scopes, req.method(), req.uri().path())
    {
        return refused;
    }
    let category = resolved.op.category;
    shared.stats_mut(|s| {
        *s.requests_by_category.entry(category.as_str().to_owned()).or_default() += 1;
        *s.requests_by_operation.entry(resolved.op.key()).or_default() += 1;
    });

    let verdict = shared.limiter.check(
        &caller.account_id,
        category,
        shared.clock.monotonic(),
        shared.clock.now_utc(),
    );
    match verdict {
        Verdict::Allowed(h) => {
            let mut response = answer(req, next, caller, resolved, modelled).await;
            let with_type = response.extensions().get::<NoRateLimitType>().is_none();
            if response.status() == StatusCode::TOO_MANY_REQUESTS {
                shared.stats_mut(|s| s.rate_limited += 1);
            }
            set_headers(&mut response, &h, with_type);
            response
        }
        Verdict::PerSecond(h) => {
            shared.stats_mut(|s| s.rate_limited += 1);
            let category = h.category.as_str();
            tracing::debug!(account = %caller.account_id, category, "per-second limit");
            let message =
                "You have reached the maximum per-second rate limit for this API. Try again later.";
            let mut response = api_error(StatusCode::TOO_MANY_REQUESTS, 429, message);
            set_headers(&mut response, &h, true);
            response
        }
        Verdict::Daily(h, retry_after) => {
            shared.stats_mut(|s| s.rate_limited += 1);
            let category = h.category.as_str();
            tracing::debug!(account = %caller.account_id, category, "daily limit");
            let message = "You have reached the maximum daily rate limit for this API. Refer to \
                           the response header for details on when you can make another request.";
            let mut response = api_error(StatusCode::TOO_MANY_REQUESTS, 429, message);
            set_headers(&mut response, &h, true);
            if let Ok(value) = HeaderValue::from_str(&zoom_time(retry_after)) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

/// The hand-written handler of a modelled operation, or the catalogue's answer. A request such
/// as `GET /v2/users/email` reaches the `/v2/users/{user_id}` route but names another operation,
/// so it is answered from the catalogue too.
async fn answer(
    mut req: Request,
    next: Next,
    caller: Caller,
    resolved: Resolved,
    modelled: bool,
) -> Response {
    if !modelled {
        tracing::debug!(operation = %resolved.op.key(), "answered from the catalogue");
        return super::generic::answer(&resolved);
    }
    req.extensions_mut().insert(caller);
    req.extensions_mut().insert(resolved);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ratelimit::Category;

    fn category_of(method: &Method, path: &str) -> Category {
        catalogue::resolve(method.as_str(), path).unwrap().op.category
    }

    #[test]
    fn categories_follow_the_spec_labels() {
        assert_eq!(category_of(&Method::GET, "/v2/users/me"), Category::Light);
        assert_eq!(category_of(&Method::GET, "/v2/users"), Category::Medium);
        assert_eq!(category_of(&Method::GET, "/v2/users/me/meetings"), Category::Medium);
        assert_eq!(category_of(&Method::POST, "/v2/users/me/meetings"), Category::Medium);
        assert_eq!(category_of(&Method::GET, "/v2/meetings/1"), Category::Light);
        assert_eq!(category_of(&Method::PATCH, "/v2/meetings/1"), Category::Light);
        assert_eq!(category_of(&Method::DELETE, "/v2/meetings/1"), Category::Light);
        assert_eq!(category_of(&Method::GET, "/v2/report/meetings/1"), Category::Heavy);
    }
}
