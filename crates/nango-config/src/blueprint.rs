//! The blueprint schema: what a provider's API needs, declared once per provider version.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::redact;

/// A resolved blueprint: one version of one provider, with the integration's overrides merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Blueprint {
    /// Provider name, e.g. `zoom`.
    #[serde(default)]
    pub name: String,
    /// Version name, e.g. `v0`.
    #[serde(default)]
    pub version: String,
    /// Human name, e.g. `Zoom`.
    pub display_name: String,
    /// Where the provider documents its API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docs_url: Option<String>,
    /// How to obtain credentials.
    pub auth: AuthSpec,
    /// How to call the API.
    pub api: ApiSpec,
}

/// The OAuth2 grant a blueprint uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// Authorization code, with a user in a browser (and PKCE, per [`Pkce`]).
    Oauth2AuthorizationCode,
    /// Client credentials, including Zoom's `account_credentials` variant (see
    /// [`AuthSpec::grant_type`]).
    Oauth2ClientCredentials,
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// HTTP Basic `client_id:client_secret`.
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Body,
}

/// PKCE support of the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Pkce {
    /// Always send an S256 challenge.
    Required,
    /// Send an S256 challenge (the provider accepts it).
    #[default]
    Supported,
    /// Never send one.
    None,
}

/// Credentials: URLs and the shape of the grant.
///
/// `Debug` shows parameters whose names suggest a credential (`secret`, `token`, `key`, ...) as
/// `<redacted>`.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthSpec {
    /// The grant.
    pub mode: AuthMode,
    /// Authorization endpoint (authorization code only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    /// Token endpoint.
    pub token_url: String,
    /// Revocation endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke_url: Option<String>,
    /// Client authentication at the token endpoint. Default `basic`.
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// PKCE. Default `supported`.
    #[serde(default)]
    pub pkce: Pkce,
    /// Separator of scopes on the authorize URL and in token answers. Default a space.
    #[serde(default = "default_scope_separator")]
    pub scope_separator: String,
    /// Whether scopes are sent on the authorize URL (Zoom: no, they are configured on the app).
    /// Default true.
    #[serde(default = "default_true")]
    pub scopes_on_authorize: bool,
    /// Extra query parameters of the authorize URL.
    #[serde(default)]
    pub authorization_params: BTreeMap<String, String>,
    /// Extra form parameters of token requests.
    #[serde(default)]
    pub token_params: BTreeMap<String, String>,
    /// The `grant_type` of a client-credentials request. Default `client_credentials`; Zoom
    /// Server-to-Server uses `account_credentials`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<String>,
    /// Whether the client-credentials grant needs the integration's `account_id` (sent as the
    /// `account_id` form parameter). Default false.
    #[serde(default)]
    pub requires_account_id: bool,
    /// Refresh this long before expiry (capped at half the token lifetime). Default 5 min.
    #[serde(default = "default_refresh_margin", with = "humantime_serde")]
    #[schemars(with = "String")]
    pub refresh_margin: Duration,
}

/// The API: base URL, headers, timeouts, retries, pagination and rate limits.
///
/// `Debug` shows headers whose names suggest a credential (`Authorization`, `X-Api-Key`, ...)
/// as `<redacted>`.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiSpec {
    /// Base URL of the API, e.g. `https://api.zoom.us/v2`.
    pub base_url: String,
    /// Token field that names a regional API host to use instead of `base_url`'s host (Zoom:
    /// `api_url`). The path of `base_url` is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url_from_token_field: Option<String>,
    /// Headers sent with every API request.
    #[serde(default)]
    pub default_headers: BTreeMap<String, String>,
    /// Timeouts.
    #[serde(default)]
    pub timeouts: Timeouts,
    /// Retries.
    #[serde(default)]
    pub retry: RetrySpec,
    /// Pagination style, if the API paginates uniformly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<PaginationSpec>,
    /// Rate limits.
    #[serde(default)]
    pub rate_limits: RateLimits,
}

/// Timeouts of API calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    /// Connecting. Default 10 s.
    #[serde(default = "default_connect_timeout", with = "humantime_serde")]
    #[schemars(with = "String")]
    pub connect: Duration,
    /// One attempt, from sending to the end of the body. Default 30 s.
    #[serde(default = "default_request_timeout", with = "humantime_serde")]
    #[schemars(with = "String")]
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { connect: default_connect_timeout(), request: default_request_timeout() }
    }
}

/// Retries of API calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// Attempts per request, the first included. Default 4.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Base of the exponential backoff. Default 200 ms.
    #[serde(default = "default_base_delay", with = "humantime_serde")]
    #[schemars(with = "String")]
    pub base_delay: Duration,
    /// Cap of one wait. Default 10 s.
    #[serde(default = "default_max_delay", with = "humantime_serde")]
    #[schemars(with = "String")]
    pub max_delay: Duration,
    /// Deadline of one request, all attempts included. Default 60 s.
    #[serde(default = "default_deadline", with = "humantime_serde")]
    #[schemars(with = "String")]
    pub deadline: Duration,
}

impl Default for RetrySpec {
    fn default() -> Self {
        Self {
            max_attempts: default_max_attempts(),
            base_delay: default_base_delay(),
            max_delay: default_max_delay(),
            deadline: default_deadline(),
        }
    }
}

/// Pagination styles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "style", rename_all = "snake_case", deny_unknown_fields)]
pub enum PaginationSpec {
    /// A cursor returned in the body and sent back as a query parameter; an empty or missing
    /// cursor ends the listing.
    Cursor {
        /// Query parameter that carries the cursor (Zoom: `next_page_token`).
        cursor_param: String,
        /// Body field that returns the next cursor (Zoom: `next_page_token`).
        cursor_field: String,
        /// Query parameter for the page size (Zoom: `page_size`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page_size_param: Option<String>,
        /// Largest page size the API accepts (Zoom: 300).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_page_size: Option<u32>,
    },
}

/// Rate limits: quotas per plan and category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// The plan used when the integration names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_plan: Option<String>,
    /// The category of requests the provider policy cannot place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_category: Option<String>,
    /// Quotas: plan → category → quota.
    #[serde(default)]
    pub plans: BTreeMap<String, BTreeMap<String, QuotaSpec>>,
    /// Daily caps that several categories share: plan → caps. Zoom: Heavy and
    /// Resource-intensive requests share one daily cap on Pro and Business+. Default none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shared_daily: BTreeMap<String, Vec<SharedDailyQuota>>,
}

/// A daily cap shared by several categories of one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SharedDailyQuota {
    /// The categories that count against the cap.
    pub categories: Vec<String>,
    /// Requests per UTC day, all the categories together.
    pub per_day: u32,
}

/// One category's quota. Unset windows are unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct QuotaSpec {
    /// Requests per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_second: Option<u32>,
    /// Requests per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_minute: Option<u32>,
    /// Requests per UTC day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_day: Option<u32>,
}

fn default_scope_separator() -> String {
    " ".to_owned()
}
fn default_true() -> bool {
    true
}
fn default_refresh_margin() -> Duration {
    Duration::from_secs(300)
}
fn default_connect_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_request_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_max_attempts() -> u32 {
    4
}
fn default_base_delay() -> Duration {
    Duration::from_millis(200)
}
fn default_max_delay() -> Duration {
    Duration::from_secs(10)
}
fn default_deadline() -> Duration {
    Duration::from_secs(60)
}

impl fmt::Debug for AuthSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSpec")
            .field("mode", &self.mode)
            .field("authorization_url", &self.authorization_url)
            .field("token_url", &self.token_url)
            .field("revoke_url", &self.revoke_url)
            .field("client_auth", &self.client_auth)
            .field("pkce", &self.pkce)
            .field("scope_separator", &self.scope_separator)
            .field("scopes_on_authorize", &self.scopes_on_authorize)
            .field("authorization_params", &redact::Redacted(&self.authorization_params))
            .field("token_params", &redact::Redacted(&self.token_params))
            .field("grant_type", &self.grant_type)
            .field("requires_account_id", &self.requires_account_id)
            .field("refresh_margin", &self.refresh_margin)
            .finish()
    }
}

impl fmt::Debug for ApiSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiSpec")
            .field("base_url", &self.base_url)
            .field("base_url_from_token_field", &self.base_url_from_token_field)
            .field("default_headers", &redact::Redacted(&self.default_headers))
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("pagination", &self.pagination)
            .field("rate_limits", &self.rate_limits)
            .finish()
    }
}
