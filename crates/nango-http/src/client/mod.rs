//! The resilient client: [`HttpClient::send`] throttles, sends with a timeout, classifies the
//! outcome through the [`ProviderPolicy`], and retries what is safe inside the deadline.

mod attempt;
mod builder;
mod decide;
mod send;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

use crate::classify::ProviderPolicy;
use crate::error::HttpError;
use crate::retry::{Jitter, RetryBudget, RetryPolicy};
use crate::throttle::Throttle;
use crate::time::Clock;
use crate::timeout::Timeouts;

pub use builder::HttpClientBuilder;

/// Whether a request may be retried after it may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Idempotency {
    /// By method: GET, HEAD, OPTIONS, PUT and DELETE are idempotent; POST and PATCH are not.
    #[default]
    Auto,
    /// The caller asserts the request is safe to repeat.
    Idempotent,
    /// Never repeat once it may have been processed.
    NotIdempotent,
}

impl Idempotency {
    /// Whether a request of `method` may be repeated after the server may have processed it.
    pub fn allows_replay(self, method: &Method) -> bool {
        match self {
            Idempotency::Auto => {
                matches!(
                    *method,
                    Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE
                ) || method == Method::TRACE
            }
            Idempotency::Idempotent => true,
            Idempotency::NotIdempotent => false,
        }
    }
}

/// Per-request settings.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The throttle key: an account or connection id. `None` skips throttling.
    pub throttle_key: Option<String>,
    /// The rate-limit category; `None` asks the policy, then falls back to `"default"`.
    pub category: Option<String>,
    /// The path relative to the API base, for the policy's category lookup and for logs.
    pub api_path: Option<String>,
    /// Retry safety of the request.
    pub idempotency: Idempotency,
    /// Overrides the client's per-request deadline.
    pub deadline: Option<Duration>,
}

impl RequestContext {
    /// An empty context: no throttle key, category from the policy, idempotency by method.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the throttle key (an account or connection id).
    pub fn with_throttle_key(mut self, key: impl Into<String>) -> Self {
        self.throttle_key = Some(key.into());
        self
    }

    /// Sets the rate-limit category.
    pub fn with_category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }

    /// Sets the path relative to the API base (the path template shown in logs).
    pub fn with_api_path(mut self, path: impl Into<String>) -> Self {
        self.api_path = Some(path.into());
        self
    }

    /// Sets the retry safety.
    pub fn with_idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Sets the deadline of this request, measured from its start.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }
}

/// A buffered response.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
    /// Attempts it took.
    pub attempts: u32,
    /// The provider's request id, if any.
    pub request_id: Option<String>,
}

impl Response {
    /// Deserializes the body as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// The resilient HTTP client. Cheap to clone; clones share the throttle and the retry budget.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    policy: Arc<dyn ProviderPolicy>,
    clock: Arc<dyn Clock>,
    jitter: Arc<dyn Jitter>,
    retry: RetryPolicy,
    /// The request timeout and the queue of the attempts running under it.
    timeouts: Timeouts,
    throttle: Arc<Throttle>,
    budget: Arc<RetryBudget>,
}

impl HttpClient {
    /// A builder with the defaults listed on [`HttpClientBuilder`].
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder::new()
    }

    /// The clock this client reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The provider policy.
    pub fn policy(&self) -> &Arc<dyn ProviderPolicy> {
        &self.policy
    }

    /// The throttle.
    pub fn throttle(&self) -> &Arc<Throttle> {
        &self.throttle
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The retry budget shared by this client and its clones.
    pub fn retry_budget(&self) -> &Arc<RetryBudget> {
        &self.budget
    }

    /// Starts a request on the underlying reqwest client; send it with [`HttpClient::send`].
    pub fn request(&self, method: Method, url: url::Url) -> reqwest::RequestBuilder {
        self.inner.request(method, url)
    }

    /// Sends `request`: throttles, applies the timeout, classifies, retries what is safe.
    /// The body must be buffered (not a stream) so that it can be replayed; a streamed body is
    /// sent once, without retries.
    ///
    /// Each attempt is bounded by the client's request timeout, or by the request's own when it
    /// has one (`RequestBuilder::timeout`), and by what is left of the deadline. The deadline and
    /// the request's span start when the returned future is first polled, so the span is a
    /// child of the span it is polled in.
    ///
    /// # Errors
    /// An [`HttpError`] naming the attempts made, the last status and the provider's message.
    // Not an `async fn`: that would wrap the send future in one more state machine, and every
    // layer copies the request and the response once more.
    pub fn send<'a>(
        &'a self,
        request: reqwest::Request,
        ctx: &'a RequestContext,
    ) -> impl Future<Output = Result<Response, HttpError>> + Send + 'a {
        send::send(self, request, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_by_method() {
        let auto = Idempotency::Auto;
        for method in [Method::GET, Method::HEAD, Method::OPTIONS, Method::PUT, Method::DELETE] {
            assert!(auto.allows_replay(&method), "{method}");
        }
        for method in [Method::POST, Method::PATCH] {
            assert!(!auto.allows_replay(&method), "{method}");
            assert!(Idempotency::Idempotent.allows_replay(&method));
        }
        assert!(!Idempotency::NotIdempotent.allows_replay(&Method::GET));
    }
}
