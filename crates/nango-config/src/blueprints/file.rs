//! One blueprint file: a provider with named versions.
//!
//! ```yaml
//! name: zoom                 # must match the file name, zoom.yaml
//! display_name: Zoom
//! docs_url: https://...      # optional; a version may set its own
//! versions:
//!   v0: { auth: ..., api: ... }
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::reference;
use crate::error::{ConfigError, ErrorKind};
use crate::yaml::node::{Key, Kind, Node, join};
use crate::yaml::{from_node, parse};

/// The top of a blueprint file; versions are read node by node.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    #[allow(dead_code, reason = "read to check its type; the node is used")]
    name: String,
    #[allow(dead_code, reason = "read to check its type; the node is used")]
    display_name: String,
    #[serde(default)]
    #[allow(dead_code, reason = "read to check its type; the node is used")]
    docs_url: Option<String>,
    #[allow(dead_code, reason = "read to check its shape; the node is used")]
    versions: BTreeMap<String, IgnoredAny>,
}

/// A parsed blueprint file.
#[derive(Debug, Clone)]
pub(crate) struct BlueprintFile {
    /// The provider name, e.g. `zoom`.
    pub(crate) name: String,
    /// The file's text, as written.
    pub(crate) text: String,
    /// Version names, lowest first (`v2` before `v10`).
    pub(crate) versions: Vec<String>,
    root: Node,
}

impl BlueprintFile {
    /// Parses `text`; `expected_name` is the file name without `.yaml`.
    pub(crate) fn parse(
        text: &str,
        source_name: &str,
        expected_name: &str,
    ) -> Result<Self, ConfigError> {
        let root = parse(text, source_name)?;
        from_node::<Head>(&root)?;

        let name_node = root.get("name").ok_or_else(|| missing(&root, "name"))?;
        let name = name_node.as_text().unwrap_or_default().to_owned();
        if name != expected_name {
            return Err(ConfigError::new(
                ErrorKind::Validation,
                format!("the blueprint is named `{name}` but its file is `{expected_name}.yaml`"),
            )
            .at(&name_node.loc.place())
            .with_path("name")
            .with_help(format!(
                "rename the file to `{name}.yaml` or set `name: {expected_name}`"
            )));
        }

        let versions_node = root.get("versions").ok_or_else(|| missing(&root, "versions"))?;
        let mut versions = Vec::new();
        for (key, value) in versions_node.as_map().unwrap_or_default() {
            if reference::number(&key.text).is_none() {
                return Err(ConfigError::new(
                    ErrorKind::InvalidValue,
                    format!("`{}` is not a version name", key.text),
                )
                .at(&key.loc.place())
                .with_path(join("versions", &key.text))
                .with_help("name versions `v` and a number: v0, v1, v2, ..."));
            }
            if value.as_map().is_none() {
                return Err(ConfigError::new(
                    ErrorKind::InvalidValue,
                    format!("expected a mapping with `auth` and `api`, found {}", value.shape()),
                )
                .at(&value.loc.place())
                .with_path(value.path.clone()));
            }
            versions.push(key.text.clone());
        }
        if versions.is_empty() {
            return Err(ConfigError::new(ErrorKind::Validation, "the blueprint has no versions")
                .at(&versions_node.loc.place())
                .with_path("versions")
                .with_help("add a version, e.g. `v0: { auth: ..., api: ... }`"));
        }
        versions.sort_by(|a, b| reference::compare(a, b));

        Ok(Self { name, text: text.to_owned(), versions, root })
    }

    /// The tree of one version: the file's `name`, `display_name` and `docs_url`, the version's
    /// name, and the version's own keys on top.
    pub(crate) fn version_node(&self, version: &str) -> Option<Node> {
        let versions = self.root.get("versions")?;
        let (version_key, body) = versions.as_map()?.iter().find(|(k, _)| k.text == version)?;

        let mut entries: Vec<(Key, Node)> = Vec::new();
        for (key, value) in self.root.as_map()? {
            if key.text != "versions" {
                entries.push((key.clone(), value.clone()));
            }
        }
        let version_value =
            Node::string(version, version_key.loc.clone(), version_key.text.clone());
        entries.push((Key { text: "version".into(), loc: version_key.loc.clone() }, version_value));

        let mut node =
            Node { kind: Kind::Map(entries), loc: body.loc.clone(), path: String::new() };
        node.merge(body.clone());
        Some(node)
    }
}

fn missing(root: &Node, key: &str) -> ConfigError {
    ConfigError::new(ErrorKind::MissingKey, format!("missing key `{key}`")).at(&root.loc.place())
}
