//! Blueprint references (`zoom:v0`, `zoom`) and the numeric order of versions.

use std::cmp::Ordering;

use crate::error::{ConfigError, ErrorKind};

/// A parsed reference: a name and, when pinned, a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference<'a> {
    pub(crate) name: &'a str,
    pub(crate) version: Option<&'a str>,
}

/// Parses `name` or `name:version`.
pub(crate) fn parse(reference: &str) -> Result<Reference<'_>, ConfigError> {
    let (name, version) = match reference.split_once(':') {
        Some((name, version)) => (name, Some(version)),
        None => (reference, None),
    };
    let bad = name.is_empty()
        || version.is_some_and(|v| number(v).is_none())
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bad {
        return Err(ConfigError::new(
            ErrorKind::InvalidValue,
            format!("`{reference}` is not a blueprint reference"),
        )
        .with_help("write `name:version`, e.g. `zoom:v0`, or `name` for the highest version"));
    }
    Ok(Reference { name, version })
}

/// The number of a version name `v<digits>`.
pub(crate) fn number(version: &str) -> Option<u64> {
    let digits = version.strip_prefix('v')?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Orders versions by number: `v2` < `v9` < `v10`.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    number(a).cmp(&number(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse() {
        assert_eq!(parse("zoom:v0").ok(), Some(Reference { name: "zoom", version: Some("v0") }));
        assert_eq!(parse("zoom").ok(), Some(Reference { name: "zoom", version: None }));
        assert_eq!(
            parse("zoom-server-to-server:v12").ok(),
            Some(Reference { name: "zoom-server-to-server", version: Some("v12") })
        );
        for bad in ["", ":v0", "zoom:", "zoom:0", "zoom:vx", "zoom:v0:v1", "zo om", "zoom:V1"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn versions_order_numerically() {
        let mut versions = vec!["v10", "v9", "v0", "v2", "v100", "v1"];
        versions.sort_by(|a, b| compare(a, b));
        assert_eq!(versions, ["v0", "v1", "v2", "v9", "v10", "v100"]);
    }

    #[test]
    fn version_numbers() {
        assert_eq!(number("v0"), Some(0));
        assert_eq!(number("v010"), Some(10));
        assert_eq!(number("v"), None);
        assert_eq!(number("1"), None);
    }
}
