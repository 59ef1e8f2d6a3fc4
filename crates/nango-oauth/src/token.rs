//! Tokens: what a token endpoint granted, and the access token handed to callers.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// What a token endpoint granted, as nango keeps it.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenSet {
    /// The access token.
    #[serde(with = "secret_string")]
    pub access_token: SecretString,
    /// The refresh token, if the grant has one.
    #[serde(with = "secret_string_opt", default)]
    pub refresh_token: Option<SecretString>,
    /// The token type as the provider wrote it, lowercased (`bearer`). Always sent as `Bearer`.
    pub token_type: String,
    /// Absolute expiry, computed on receipt from the injected clock; `None` when the provider
    /// gave no lifetime.
    pub expires_at: Option<SystemTime>,
    /// When the token was received (the start of its lifetime).
    pub obtained_at: SystemTime,
    /// The granted scopes exactly as returned (empty when the provider did not say).
    pub scopes: Vec<String>,
    /// The provider's other fields (e.g. Zoom's `api_url`).
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl TokenSet {
    /// The lifetime granted, if the provider gave one.
    pub fn lifetime(&self) -> Option<Duration> {
        let expires_at = self.expires_at?;
        Some(expires_at.duration_since(self.obtained_at).unwrap_or(Duration::ZERO))
    }

    /// Whether the access token should be renewed at `now`: within `margin` of expiry, where
    /// the margin is capped at half the lifetime so short-lived tokens are not renewed on every
    /// call. A token without expiry never needs renewal.
    pub fn needs_refresh(&self, now: SystemTime, margin: Duration) -> bool {
        let Some(expires_at) = self.expires_at else {
            return false;
        };
        let margin = margin.min(self.lifetime().unwrap_or(Duration::ZERO) / 2);
        now + margin >= expires_at
    }

    /// Whether the access token equals `other`, compared in constant time.
    pub fn same_access_token(&self, other: &SecretString) -> bool {
        secret_eq(&self.access_token, other)
    }

    /// A string field of `extra`, if present.
    pub fn extra_str(&self, field: &str) -> Option<&str> {
        self.extra.get(field).and_then(serde_json::Value::as_str)
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "<redacted>"))
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("obtained_at", &self.obtained_at)
            .field("scopes", &self.scopes)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A usable access token of one connection.
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    expires_at: Option<SystemTime>,
    extra: BTreeMap<String, serde_json::Value>,
}

impl AccessToken {
    pub(crate) fn from_tokens(tokens: &TokenSet) -> Self {
        Self {
            secret: tokens.access_token.clone(),
            expires_at: tokens.expires_at,
            extra: tokens.extra.clone(),
        }
    }

    /// The token itself; put it only in an `Authorization` header.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// The `Authorization` header value, `Bearer <token>`.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.secret.expose_secret())
    }

    /// When it expires, if known.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// The provider's extra token fields (e.g. Zoom's `api_url`).
    pub fn extra(&self) -> &BTreeMap<String, serde_json::Value> {
        &self.extra
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        secret_eq(&self.secret, &other.secret)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Constant-time equality of two secrets.
pub(crate) fn secret_eq(a: &SecretString, b: &SecretString) -> bool {
    a.expose_secret().as_bytes().ct_eq(b.expose_secret().as_bytes()).into()
}

mod secret_string {
    use secrecy::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &SecretString, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.expose_secret())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
        Ok(SecretString::from(String::deserialize(d)?))
    }
}

mod secret_string_opt {
    use secrecy::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        v: &Option<SecretString>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(v.expose_secret()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SecretString>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.map(SecretString::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(lifetime: u64) -> TokenSet {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        TokenSet {
            access_token: SecretString::from("canary-access"),
            refresh_token: Some(SecretString::from("canary-refresh")),
            token_type: "bearer".into(),
            expires_at: Some(t0 + Duration::from_secs(lifetime)),
            obtained_at: t0,
            scopes: vec![],
            extra: BTreeMap::new(),
        }
    }

    #[test]
    fn margin_is_capped_at_half_the_lifetime() {
        let t = tokens(60);
        let margin = Duration::from_secs(300);
        assert!(!t.needs_refresh(t.obtained_at + Duration::from_secs(29), margin));
        assert!(t.needs_refresh(t.obtained_at + Duration::from_secs(30), margin));
    }

    #[test]
    fn long_tokens_refresh_a_margin_before_expiry() {
        let t = tokens(3599);
        let margin = Duration::from_secs(300);
        assert!(!t.needs_refresh(t.obtained_at + Duration::from_secs(3298), margin));
        assert!(t.needs_refresh(t.obtained_at + Duration::from_secs(3299), margin));
    }

    #[test]
    fn debug_hides_secrets() {
        let t = tokens(10);
        let text = format!("{t:?} {:?}", AccessToken::from_tokens(&t));
        assert!(!text.contains("canary"), "{text}");
    }

    #[test]
    fn serde_round_trip_keeps_secrets() {
        let t = tokens(10);
        let json = serde_json::to_string(&t).unwrap();
        let back: TokenSet = serde_json::from_str(&json).unwrap();
        assert!(back.same_access_token(&SecretString::from("canary-access")));
        assert_eq!(back.refresh_token.unwrap().expose_secret(), "canary-refresh");
    }
}
