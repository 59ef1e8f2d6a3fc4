//! How a sandbox is configured: the registered OAuth apps, the plan and the token lifetimes.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The configuration of one sandbox.
///
/// Every field has a default (see [`SandboxConfig::default`]), so tests usually write
/// `SandboxConfig { auto_approve: true, ..Default::default() }`.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The loopback port to listen on. Default `None`: a free port chosen by the system.
    pub port: Option<u16>,
    /// The registered OAuth apps. Default: `[ClientApp::demo()]`.
    pub clients: Vec<ClientApp>,
    /// Whether `/oauth/authorize` redirects at once instead of showing a consent page.
    /// Default `false`.
    pub auto_approve: bool,
    /// How many users each account has besides its owner (`me`). Default 120.
    pub seed_users: usize,
    /// The Zoom plan of every account, which sets the rate limits. Default [`Plan::Pro`].
    pub plan: Plan,
    /// The lifetime of access tokens, sent as `expires_in`. Default 3599 s, as Zoom sends.
    pub access_token_ttl: Duration,
    /// The lifetime of refresh tokens. Default 90 days.
    pub refresh_token_ttl: Duration,
    /// Whether a new Server-to-Server (`account_credentials`) token revokes the app's earlier
    /// ones, as Zoom did in 2022. Default `false` (today's behaviour: many tokens live at once).
    pub single_active_s2s_token: bool,
    /// The `api_url` sent in token bodies. Default `None`: the sandbox's own base URL.
    pub api_url: Option<String>,
    /// Multiplies every per-second quota of the plan (not the daily caps), so that a test can
    /// walk many operations back to back without 429s. Default 1: Zoom's quotas; 0 counts as 1.
    pub per_second_multiplier: u32,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            port: None,
            clients: vec![ClientApp::demo()],
            auto_approve: false,
            seed_users: 120,
            plan: Plan::Pro,
            access_token_ttl: Duration::from_secs(3599),
            refresh_token_ttl: Duration::from_secs(90 * 24 * 3600),
            single_active_s2s_token: false,
            api_url: None,
            per_second_multiplier: 1,
        }
    }
}

/// An OAuth app registered with the sandbox, as an app is registered in the Zoom Marketplace.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientApp {
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: String,
    /// The redirect URIs; `/oauth/authorize` accepts only an exact match.
    pub redirect_uris: Vec<String>,
    /// The account the app belongs to (and the `account_id` of `account_credentials`).
    pub account_id: String,
    /// The scopes configured on the app; every token of the app is granted them all.
    pub scopes: Vec<String>,
}

impl ClientApp {
    /// The demo app: client id `nango-demo-client`, secret `nango-demo-secret`, the one redirect
    /// URI `http://127.0.0.1:53682/callback`, account `demo-account`, scopes `meeting:read`,
    /// `meeting:write` and `user:read`.
    pub fn demo() -> Self {
        Self {
            client_id: "nango-demo-client".to_owned(),
            client_secret: "nango-demo-secret".to_owned(),
            redirect_uris: vec!["http://127.0.0.1:53682/callback".to_owned()],
            account_id: "demo-account".to_owned(),
            scopes: vec!["meeting:read".into(), "meeting:write".into(), "user:read".into()],
        }
    }
}

impl std::fmt::Debug for ClientApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uris", &self.redirect_uris)
            .field("account_id", &self.account_id)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// A Zoom plan; it sets the per-second and daily quotas of each rate-limit category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Plan {
    /// Free: small per-second quotas plus daily caps per category.
    Free,
    /// Pro: per-second quotas; Heavy and Resource-intensive share 30,000 a day.
    #[default]
    Pro,
    /// Business, Education, Enterprise, Partners: larger quotas; 60,000 a day shared cap.
    BusinessPlus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_secret() {
        let text = format!("{:?}", ClientApp::demo());
        assert!(!text.contains("nango-demo-secret"));
        assert!(text.contains("nango-demo-client"));
    }

    #[test]
    fn defaults_match_zoom() {
        let cfg = SandboxConfig::default();
        assert_eq!(cfg.access_token_ttl.as_secs(), 3599);
        assert_eq!(cfg.seed_users, 120);
        assert_eq!(cfg.plan, Plan::Pro);
        assert_eq!(cfg.per_second_multiplier, 1);
        assert_eq!(cfg.clients, vec![ClientApp::demo()]);
    }
}
