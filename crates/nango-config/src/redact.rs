//! What counts as a secret when showing configuration, and how it is hidden.

use std::collections::BTreeMap;
use std::fmt;

/// What replaces a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// Whether a header or parameter name suggests a credential.
pub(crate) fn is_sensitive(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["auth", "secret", "token", "key", "password", "cookie", "assertion", "signature", "session"]
        .iter()
        .any(|word| name.contains(word))
}

/// `Debug` of a name → value map with sensitive values redacted.
pub(crate) struct Redacted<'a>(pub(crate) &'a BTreeMap<String, String>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, value)| {
                (name, if is_sensitive(name) { REDACTED } else { value.as_str() })
            }))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_names() {
        for name in ["Authorization", "X-Api-Key", "client_secret", "refresh_token", "Cookie"] {
            assert!(is_sensitive(name), "{name}");
        }
        for name in ["Accept", "User-Agent", "audience", "prompt"] {
            assert!(!is_sensitive(name), "{name}");
        }
    }

    #[test]
    fn debug_redacts_sensitive_values() {
        let map = BTreeMap::from([
            ("Accept".to_owned(), "application/json".to_owned()),
            ("X-Api-Key".to_owned(), "hunter2".to_owned()),
        ]);
        let shown = format!("{:?}", Redacted(&map));
        assert_eq!(shown, r#"{"Accept": "application/json", "X-Api-Key": "<redacted>"}"#);
    }
}
