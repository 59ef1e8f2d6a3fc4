//! A resolved integration: an integrations.yaml entry with its blueprint merged in.

use secrecy::SecretString;

use crate::blueprint::Blueprint;

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
    /// Redirect URI of the authorization-code flow, sent byte for byte as written.
    pub redirect_uri: Option<String>,
    /// Account id for client-credentials grants that need one (Zoom Server-to-Server).
    pub account_id: Option<String>,
    /// The rate-limit plan (a key of the blueprint's `rate_limits.plans`).
    pub rate_limit_plan: Option<String>,
}
