//! The HTTP clients an integration needs, built from its blueprint: one for the API (retries,
//! timeouts, quotas of the rate-limit plan, the provider's policy) and one for the token
//! endpoint.

use std::sync::Arc;

use nango_config::Integration;
use nango_http::{Clock, GenericPolicy, HttpClient, ProviderPolicy, Quota, RetryPolicy};

use crate::error::Result;

/// The retry policy the blueprint declares.
pub fn retry_policy(integration: &Integration) -> RetryPolicy {
    let retry = &integration.blueprint.api.retry;
    RetryPolicy {
        max_attempts: retry.max_attempts,
        base_delay: retry.base_delay,
        max_delay: retry.max_delay,
        deadline: retry.deadline,
    }
}

/// The quotas of the integration's rate-limit plan (its own, else the blueprint's default), by
/// category.
pub fn plan_quotas(integration: &Integration) -> Vec<(String, Quota)> {
    let limits = &integration.blueprint.api.rate_limits;
    let Some(plan) = integration.rate_limit_plan.as_ref().or(limits.default_plan.as_ref()) else {
        return Vec::new();
    };
    let Some(categories) = limits.plans.get(plan) else { return Vec::new() };
    categories
        .iter()
        .map(|(category, q)| {
            let quota =
                Quota { per_second: q.per_second, per_minute: q.per_minute, per_day: q.per_day };
            (category.clone(), quota)
        })
        .collect()
}

/// The API client of `integration`: the provider's `policy`, the blueprint's timeouts and
/// retries, and the plan's quotas for proactive throttling.
///
/// # Errors
/// When the HTTP client cannot be built.
pub fn api_client(
    integration: &Integration,
    policy: Arc<dyn ProviderPolicy>,
    clock: Arc<dyn Clock>,
) -> Result<HttpClient> {
    let timeouts = &integration.blueprint.api.timeouts;
    let mut builder = HttpClient::builder()
        .policy(policy)
        .clock(clock)
        .retry(retry_policy(integration))
        .connect_timeout(timeouts.connect)
        .request_timeout(timeouts.request);
    for (category, quota) in plan_quotas(integration) {
        builder = builder.quota(category, quota);
    }
    Ok(builder.build()?)
}

/// The token-endpoint client of `integration`: plain HTTP semantics and the blueprint's
/// timeouts and retries (a code exchange is still sent once: it is not idempotent).
///
/// # Errors
/// When the HTTP client cannot be built.
pub fn token_client(integration: &Integration, clock: Arc<dyn Clock>) -> Result<HttpClient> {
    let timeouts = &integration.blueprint.api.timeouts;
    Ok(HttpClient::builder()
        .policy(Arc::new(GenericPolicy))
        .clock(clock)
        .retry(retry_policy(integration))
        .connect_timeout(timeouts.connect)
        .request_timeout(timeouts.request)
        .build()?)
}
