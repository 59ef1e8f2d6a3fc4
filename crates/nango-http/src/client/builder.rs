//! [`HttpClientBuilder`]: the client's settings and their defaults.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;

use super::HttpClient;
use crate::classify::{GenericPolicy, ProviderPolicy};
use crate::error::{HttpError, HttpErrorKind};
use crate::retry::{Jitter, RandomJitter, RetryBudget, RetryPolicy};
use crate::throttle::{Quota, Throttle};
use crate::time::{Clock, SystemClock};
use crate::timeout::Timeouts;

/// Builds an [`HttpClient`]. Defaults: [`GenericPolicy`], [`SystemClock`], [`RandomJitter`],
/// [`RetryPolicy::default`], [`RetryBudget::default`], connect timeout 10 s, request timeout
/// 30 s, a fresh [`Throttle`] with no quotas.
pub struct HttpClientBuilder {
    policy: Arc<dyn ProviderPolicy>,
    clock: Arc<dyn Clock>,
    jitter: Arc<dyn Jitter>,
    retry: RetryPolicy,
    connect_timeout: Duration,
    request_timeout: Duration,
    throttle: Option<Arc<Throttle>>,
    default_headers: HeaderMap,
    budget: Option<Arc<RetryBudget>>,
    quotas: Vec<(String, Quota)>,
    default_quota: Option<Quota>,
}

impl HttpClientBuilder {
    pub(super) fn new() -> Self {
        Self {
            policy: Arc::new(GenericPolicy),
            clock: SystemClock::shared(),
            jitter: Arc::new(RandomJitter),
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            throttle: None,
            default_headers: HeaderMap::new(),
            budget: None,
            quotas: Vec::new(),
            default_quota: None,
        }
    }

    /// The provider policy. Default [`GenericPolicy`].
    pub fn policy(mut self, policy: Arc<dyn ProviderPolicy>) -> Self {
        self.policy = policy;
        self
    }

    /// The clock. Default [`SystemClock`].
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The jitter source. Default [`RandomJitter`].
    pub fn jitter(mut self, jitter: Arc<dyn Jitter>) -> Self {
        self.jitter = jitter;
        self
    }

    /// The retry policy. Default [`RetryPolicy::default`].
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The retry budget; share one `Arc` between clients to share the budget. Default a fresh
    /// [`RetryBudget::default`] per built client (shared by its clones).
    pub fn retry_budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Timeout for establishing a connection. Default 10 s. It never exceeds nine tenths of the
    /// request timeout: a connect that fails on its own timeout is known to have sent nothing,
    /// so even a POST is tried again, while one cut off by the request timeout counts as sent.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Timeout for one attempt, from sending to the end of the body. Default 30 s.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// A shared throttle (share one between clients of the same account). Its clock should be
    /// the client's. Default a fresh throttle on the client's clock.
    pub fn throttle(mut self, throttle: Arc<Throttle>) -> Self {
        self.throttle = Some(throttle);
        self
    }

    /// Sets a category's quota on the throttle when the client is built.
    pub fn quota(mut self, category: impl Into<String>, quota: Quota) -> Self {
        self.quotas.push((category.into(), quota));
        self
    }

    /// Sets the throttle's default quota (categories without their own) when the client is
    /// built. Default none: such categories are unlimited.
    pub fn default_quota(mut self, quota: Quota) -> Self {
        self.default_quota = Some(quota);
        self
    }

    /// Headers sent with every request. Default none.
    pub fn default_headers(mut self, headers: HeaderMap) -> Self {
        self.default_headers = headers;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`HttpErrorKind::InvalidRequest`] when a timeout is zero (every attempt would fail at
    /// once) or when reqwest cannot build its client (TLS setup).
    pub fn build(self) -> Result<HttpClient, HttpError> {
        for (name, timeout) in
            [("connect_timeout", self.connect_timeout), ("request_timeout", self.request_timeout)]
        {
            if timeout.is_zero() {
                return Err(HttpError::new(HttpErrorKind::InvalidRequest, "-", "-").with_detail(
                    format!(
                        "{name} is zero: every attempt would time out at once; give it a duration"
                    ),
                ));
            }
        }
        // Under the request timeout, so that a hung connect ends as a connect error (not sent)
        // before the attempt's own timeout ends it as a timeout (maybe sent).
        let connect_timeout = self.connect_timeout.min(self.request_timeout * 9 / 10);
        let inner = reqwest::Client::builder()
            .connect_timeout(connect_timeout.max(Duration::from_millis(1)))
            .default_headers(self.default_headers)
            .user_agent(concat!("nango/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                HttpError::new(HttpErrorKind::InvalidRequest, "-", "-")
                    .with_detail(e.without_url().to_string())
            })?;
        let throttle = self.throttle.unwrap_or_else(|| Arc::new(Throttle::new(self.clock.clone())));
        for (category, quota) in &self.quotas {
            throttle.set_quota(category, *quota);
        }
        if self.default_quota.is_some() {
            throttle.set_default_quota(self.default_quota);
        }
        Ok(HttpClient {
            inner,
            policy: self.policy,
            clock: self.clock,
            jitter: self.jitter,
            retry: self.retry,
            timeouts: Timeouts::new(self.request_timeout),
            throttle,
            budget: self.budget.unwrap_or_default(),
        })
    }
}
