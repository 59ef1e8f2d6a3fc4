//! PKCE (S256) and the `state` value of one authorization, from the `oauth2` crate.

use std::fmt;

use oauth2::{CsrfToken, PkceCodeChallenge, PkceCodeVerifier};
use subtle::ConstantTimeEq;

/// The secrets of one authorization attempt: a random, single-use `state` bound to its own PKCE
/// verifier. Consumed by the code exchange, so it cannot be used twice.
pub struct FlowSecrets {
    state: CsrfToken,
    challenge: Option<PkceCodeChallenge>,
    verifier: Option<PkceCodeVerifier>,
}

impl FlowSecrets {
    /// A fresh random state, and an S256 challenge and verifier when `with_pkce`.
    pub fn new(with_pkce: bool) -> Self {
        let (challenge, verifier) = if with_pkce {
            let (c, v) = PkceCodeChallenge::new_random_sha256();
            (Some(c), Some(v))
        } else {
            (None, None)
        };
        Self { state: CsrfToken::new_random(), challenge, verifier }
    }

    /// Fixed secrets, for exact URL snapshots.
    #[cfg(test)]
    pub(crate) fn fixed(state: &str, verifier: Option<String>) -> Self {
        let verifier = verifier.map(PkceCodeVerifier::new);
        let challenge = verifier.as_ref().map(PkceCodeChallenge::from_code_verifier_sha256);
        Self { state: CsrfToken::new(state.to_owned()), challenge, verifier }
    }

    /// The `state` to put on the authorize URL.
    pub fn state(&self) -> &str {
        self.state.secret()
    }

    /// The `code_challenge` and its method (`S256`), if PKCE is used.
    pub fn challenge(&self) -> Option<(&str, &str)> {
        self.challenge.as_ref().map(|c| (c.as_str(), c.method().as_str()))
    }

    /// The verifier to send with the code exchange.
    pub(crate) fn verifier(&self) -> Option<&str> {
        self.verifier.as_ref().map(|v| v.secret().as_str())
    }

    /// Whether `received` is this flow's state, compared in constant time. A missing state
    /// never matches.
    pub fn state_matches(&self, received: Option<&str>) -> bool {
        Self::state_eq(self.state.secret(), received)
    }

    /// Constant-time comparison of an expected state with a received one.
    pub(crate) fn state_eq(expected: &str, received: Option<&str>) -> bool {
        let Some(received) = received else {
            return false;
        };
        expected.as_bytes().ct_eq(received.as_bytes()).into()
    }
}

impl fmt::Debug for FlowSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowSecrets")
            .field("state", &"<redacted>")
            .field("pkce", &self.challenge.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn challenge_is_s256_of_the_verifier() {
        let s = FlowSecrets::new(true);
        let (challenge, method) = s.challenge().unwrap();
        assert_eq!(method, "S256");
        let digest = Sha256::digest(s.verifier().unwrap().as_bytes());
        let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        assert_eq!(challenge, expected);
        assert!((43..=128).contains(&s.verifier().unwrap().len()));
    }

    #[test]
    fn state_is_random_and_checked_exactly() {
        let a = FlowSecrets::new(false);
        let b = FlowSecrets::new(false);
        assert_ne!(a.state(), b.state());
        assert!(a.challenge().is_none() && a.verifier().is_none());
        assert!(a.state_matches(Some(a.state())));
        assert!(!a.state_matches(Some(b.state())));
        assert!(!a.state_matches(None));
        assert!(!a.state_matches(Some("")));
        assert!(!a.state_matches(Some(&a.state()[1..])));
    }

    #[test]
    fn debug_hides_state_and_verifier() {
        let s = FlowSecrets::new(true);
        let text = format!("{s:?}");
        assert!(!text.contains(s.state()) && !text.contains(s.verifier().unwrap()));
    }
}
