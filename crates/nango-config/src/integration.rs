//! A resolved integration: an integrations.yaml entry with its blueprint merged in.

use secrecy::SecretString;

use crate::blueprint::{Blueprint, QuotaSpec, SharedDailyQuota};

/// The redirect URI of an authorization-code integration that names none: a loopback address
/// that `nango connect` listens on. Register it on the provider's app.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:53682/callback";

/// One integration, ready for use: blueprint resolved, overrides merged, variables interpolated,
/// validated.
#[derive(Debug, Clone)]
pub struct Integration {
    /// The integration's key in integrations.yaml, e.g. `zoom`.
    pub name: String,
    /// The blueprint reference as resolved, e.g. `zoom:v0`.
    pub blueprint_ref: String,
    /// The merged blueprint.
    pub blueprint: Blueprint,
    /// OAuth client id.
    pub oauth_client_id: String,
    /// OAuth client secret.
    pub oauth_client_secret: Option<SecretString>,
    /// Scopes to request (sent on the authorize URL only when the blueprint says so).
    pub oauth_scopes: Vec<String>,
    /// Redirect URI of the authorization-code flow, sent byte for byte as written. An
    /// authorization-code integration without one gets [`DEFAULT_REDIRECT_URI`].
    pub redirect_uri: Option<String>,
    /// Account id for client-credentials grants that need one (Zoom Server-to-Server).
    pub account_id: Option<String>,
    /// The rate-limit plan (a key of the blueprint's `rate_limits.plans`).
    pub rate_limit_plan: Option<String>,
}

impl Integration {
    /// The rate-limit plan in force: the integration's `rate_limit_plan`, else the blueprint's
    /// `default_plan`.
    pub fn plan(&self) -> Option<&str> {
        self.rate_limit_plan.as_deref().or(self.blueprint.api.rate_limits.default_plan.as_deref())
    }

    /// The quota of `category` (e.g. `Light`) under the plan in force, if the blueprint defines
    /// one. Category names are matched exactly.
    pub fn quota(&self, category: &str) -> Option<&QuotaSpec> {
        self.blueprint.api.rate_limits.plans.get(self.plan()?)?.get(category)
    }

    /// The daily caps that `category` shares with other categories under the plan in force
    /// (Zoom: Heavy and Resource-intensive on paid plans).
    pub fn shared_daily_quotas(&self, category: &str) -> Vec<&SharedDailyQuota> {
        let Some(caps) =
            self.plan().and_then(|p| self.blueprint.api.rate_limits.shared_daily.get(p))
        else {
            return Vec::new();
        };
        caps.iter().filter(|cap| cap.categories.iter().any(|c| c == category)).collect()
    }
}
