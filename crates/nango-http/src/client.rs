//! The resilient client.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

use crate::classify::{GenericPolicy, ProviderPolicy};
use crate::error::{HttpError, HttpErrorKind};
use crate::retry::{Jitter, RandomJitter, RetryPolicy};
use crate::throttle::Throttle;
use crate::time::{Clock, SystemClock};

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

/// Builds an [`HttpClient`]. Defaults: [`GenericPolicy`], [`SystemClock`], [`RandomJitter`],
/// [`RetryPolicy::default`], connect timeout 10 s, request timeout 30 s, no quotas.
pub struct HttpClientBuilder {
    policy: Arc<dyn ProviderPolicy>,
    clock: Arc<dyn Clock>,
    jitter: Arc<dyn Jitter>,
    retry: RetryPolicy,
    connect_timeout: Duration,
    request_timeout: Duration,
    throttle: Option<Arc<Throttle>>,
    default_headers: HeaderMap,
}

impl HttpClientBuilder {
    /// The provider policy.
    pub fn policy(mut self, policy: Arc<dyn ProviderPolicy>) -> Self {
        self.policy = policy;
        self
    }

    /// The clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The jitter source.
    pub fn jitter(mut self, jitter: Arc<dyn Jitter>) -> Self {
        self.jitter = jitter;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Timeout for establishing a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Timeout for one attempt, from sending to the end of the body.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// A shared throttle (share one between clients of the same account).
    pub fn throttle(mut self, throttle: Arc<Throttle>) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// Headers sent with every request.
    pub fn default_headers(mut self, headers: HeaderMap) -> Self {
        self.default_headers = headers;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<HttpClient, HttpError> {
        let inner = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .default_headers(self.default_headers)
            .user_agent(concat!("nango/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                HttpError::new(HttpErrorKind::InvalidRequest, "-", "-").with_detail(e.to_string())
            })?;
        let throttle = self.throttle.unwrap_or_else(|| Arc::new(Throttle::new(self.clock.clone())));
        Ok(HttpClient {
            inner,
            policy: self.policy,
            clock: self.clock,
            jitter: self.jitter,
            retry: self.retry,
            request_timeout: self.request_timeout,
            throttle,
        })
    }
}

/// The resilient HTTP client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    policy: Arc<dyn ProviderPolicy>,
    clock: Arc<dyn Clock>,
    jitter: Arc<dyn Jitter>,
    retry: RetryPolicy,
    request_timeout: Duration,
    throttle: Arc<Throttle>,
}

impl HttpClient {
    /// A builder with the defaults listed on [`HttpClientBuilder`].
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder {
            policy: Arc::new(GenericPolicy),
            clock: SystemClock::shared(),
            jitter: Arc::new(RandomJitter),
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            throttle: None,
            default_headers: HeaderMap::new(),
        }
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

    /// Starts a request on the underlying reqwest client; send it with [`HttpClient::send`].
    pub fn request(&self, method: Method, url: url::Url) -> reqwest::RequestBuilder {
        self.inner.request(method, url)
    }

    /// Sends `request`: throttles, applies the timeout, classifies, retries what is safe.
    /// The body must be buffered (not a stream) so that it can be replayed.
    ///
    /// # Errors
    /// An [`HttpError`] naming the attempts made, the last status and the provider's message.
    pub async fn send(
        &self,
        request: reqwest::Request,
        ctx: &RequestContext,
    ) -> Result<Response, HttpError> {
        let _ = (request, ctx, &self.jitter, &self.retry, self.request_timeout);
        todo!("nango-http send loop")
    }
}
