//! One `integrations:` entry: read, blueprint resolved, overrides merged, validated.

use secrecy::SecretString;
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::blueprint::{AuthMode, Blueprint};
use crate::blueprints::Blueprints;
use crate::error::{ConfigError, ErrorKind};
use crate::integration::Integration;
use crate::validate;
use crate::yaml::from_node;
use crate::yaml::node::{Key, Kind, Node};

/// The keys of an integration. Deliberately not `Debug`: it holds the client secret as text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    extends_blueprint: String,
    oauth_client_id: String,
    #[serde(default)]
    oauth_client_secret: Option<String>,
    #[serde(default)]
    oauth_scopes: Vec<String>,
    #[serde(default)]
    redirect_uri: Option<String>,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    rate_limit_plan: Option<String>,
    #[serde(default)]
    log_level: Option<LogLevel>,
    #[serde(default)]
    #[allow(dead_code, reason = "read to reject unknown keys; merged as a node")]
    timeouts: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code, reason = "read to reject unknown keys; merged as a node")]
    retry: Option<IgnoredAny>,
    #[serde(default)]
    #[allow(dead_code, reason = "read to reject unknown keys; merged as a node")]
    overrides: Option<IgnoredAny>,
}

/// The log levels an integration may ask for.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// An integration and what it asked for beyond the [`Integration`] fields.
pub(crate) struct Built {
    pub(crate) integration: Integration,
    pub(crate) log_level: Option<&'static str>,
}

/// Builds the integration `key` from its mapping `entry`.
pub(crate) fn build(
    key: &Key,
    entry: &Node,
    blueprints: &Blueprints,
) -> Result<Built, ConfigError> {
    check_name(key)?;
    if entry.as_map().is_none() {
        return Err(ConfigError::new(
            ErrorKind::InvalidValue,
            format!(
                "expected a mapping with `extends_blueprint` and the OAuth keys, found {}",
                entry.shape()
            ),
        )
        .at(&entry.loc.place())
        .with_path(entry.path.clone()));
    }
    let raw: Entry = from_node(entry)?;

    let reference_node = entry.get("extends_blueprint").unwrap_or(entry);
    let resolved = blueprints
        .resolve(&raw.extends_blueprint)
        .map_err(|e| e.at(&reference_node.loc.place()).with_path(reference_node.path.clone()))?;
    if !resolved.pinned {
        tracing::warn!(
            integration = %key.text,
            blueprint = %resolved.reference,
            "extends_blueprint has no version; using the highest. Pin it: `extends_blueprint: {}`",
            resolved.reference
        );
    }

    let mut node = resolved.node;
    if let Some(overrides) = entry.get("overrides") {
        check_overrides(overrides)?;
        node.merge(overrides.clone());
    }
    for shorthand in ["timeouts", "retry"] {
        if let Some(value) = entry.get(shorthand) {
            node.merge(wrap(&["api", shorthand], value));
        }
    }
    let blueprint: Blueprint = from_node(&node)?;
    let redirect_uri = raw.redirect_uri.or_else(|| {
        (blueprint.auth.mode == AuthMode::Oauth2AuthorizationCode)
            .then(|| crate::integration::DEFAULT_REDIRECT_URI.to_owned())
    });

    let integration = Integration {
        name: key.text.clone(),
        blueprint_ref: resolved.reference,
        blueprint,
        oauth_client_id: raw.oauth_client_id,
        oauth_client_secret: raw.oauth_client_secret.map(SecretString::from),
        oauth_scopes: raw.oauth_scopes,
        redirect_uri,
        account_id: raw.account_id,
        rate_limit_plan: raw.rate_limit_plan,
    };
    validate::integration(&integration, &node, entry)?;
    Ok(Built { integration, log_level: raw.log_level.map(LogLevel::as_str) })
}

fn check_name(key: &Key) -> Result<(), ConfigError> {
    let ok = !key.text.is_empty()
        && key.text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        return Ok(());
    }
    Err(ConfigError::new(
        ErrorKind::InvalidValue,
        format!("`{}` is not a valid integration name", key.text),
    )
    .at(&key.loc.place())
    .with_path(crate::yaml::node::join("integrations", &key.text))
    .with_help("use letters, digits, `-` and `_`, e.g. `zoom` or `zoom-eu`"))
}

fn check_overrides(overrides: &Node) -> Result<(), ConfigError> {
    let Some(entries) = overrides.as_map() else {
        return Err(ConfigError::new(
            ErrorKind::InvalidValue,
            format!("expected a mapping of blueprint keys, found {}", overrides.shape()),
        )
        .at(&overrides.loc.place())
        .with_path(overrides.path.clone())
        .with_help("e.g. `overrides: { api: { base_url: http://127.0.0.1:9999/v2 } }`"));
    };
    if let Some((key, _)) = entries.iter().find(|(k, _)| k.text == "name" || k.text == "version") {
        return Err(ConfigError::new(
            ErrorKind::InvalidValue,
            format!("`{}` cannot be overridden", key.text),
        )
        .at(&key.loc.place())
        .with_path(crate::yaml::node::join(&overrides.path, &key.text))
        .with_help("choose another blueprint or version with `extends_blueprint`"));
    }
    Ok(())
}

/// `value` nested under `keys`, e.g. `{api: {timeouts: value}}`.
fn wrap(keys: &[&str], value: &Node) -> Node {
    let mut node = value.clone();
    for key in keys.iter().rev() {
        let key = Key { text: (*key).to_owned(), loc: value.loc.clone() };
        node = Node {
            kind: Kind::Map(vec![(key, node)]),
            loc: value.loc.clone(),
            path: value.path.clone(),
        };
    }
    node
}
