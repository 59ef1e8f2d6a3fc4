//! `integrations.yaml`: the user's integrations, resolved against the blueprints.

mod entry;
mod redact;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::blueprints::{Blueprints, read_text};
use crate::error::{ConfigError, ErrorKind};
use crate::integration::Integration;
use crate::interpolate::{Env, interpolate_tree};
use crate::suggest;
use crate::yaml::node::Node;
use crate::yaml::{from_node, parse};

/// The top of integrations.yaml.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Top {
    #[serde(default)]
    blueprints_dir: Option<String>,
    #[allow(dead_code, reason = "read to check its shape; entries are read as nodes")]
    integrations: BTreeMap<String, IgnoredAny>,
}

/// A loaded, resolved and validated integrations.yaml.
///
/// ```
/// use nango_config::Config;
///
/// let yaml = r#"
/// integrations:
///   zoom:
///     extends_blueprint: zoom:v0
///     oauth_client_id: abc
///     oauth_client_secret: ${ZOOM_CLIENT_SECRET}
/// "#;
/// let env = |name: &str| (name == "ZOOM_CLIENT_SECRET").then(|| "s3cret".to_owned());
/// let config = Config::parse(yaml, "integrations.yaml", &env)?;
/// let zoom = config.integration("zoom")?;
/// assert_eq!(zoom.blueprint.auth.token_url, "https://zoom.us/oauth/token");
/// assert_eq!(zoom.quota("Light").and_then(|q| q.per_second), Some(30));
/// # Ok::<(), nango_config::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    source: String,
    integrations: Vec<Integration>,
    log_levels: BTreeMap<String, &'static str>,
}

impl Config {
    /// Loads `path`, reading `${VAR}`s from the process environment.
    ///
    /// # Errors
    /// See [`Config::parse`]; also when the file cannot be read.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_with_env(path, &|name| std::env::var(name).ok())
    }

    /// Loads `path`, reading `${VAR}`s from `env`.
    ///
    /// # Errors
    /// See [`Config::parse`]; also when the file cannot be read.
    pub fn load_with_env(
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let text = read_text(path)?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse_in(&text, &path.display().to_string(), &base, env)
    }

    /// Parses the text of an integrations.yaml. `source_name` names it in errors; a relative
    /// `blueprints_dir:` is taken relative to `source_name`'s folder.
    ///
    /// # Errors
    /// Invalid YAML, unknown keys, missing `${VAR}`s, unknown blueprints, invalid values: the
    /// error names the file, line, column and key path, and never a value.
    pub fn parse(
        text: &str,
        source_name: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let base = Path::new(source_name).parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse_in(text, source_name, &base, env)
    }

    fn parse_in(
        text: &str,
        source: &str,
        base: &Path,
        env: Env<'_>,
    ) -> Result<Config, ConfigError> {
        let mut root = parse(text, source)?;
        if root.as_map().is_none() {
            return Err(ConfigError::new(
                ErrorKind::InvalidValue,
                format!(
                    "expected a mapping with `integrations:` at the top, found {}",
                    root.shape()
                ),
            )
            .at(&root.loc.place())
            .with_help("start the file with `integrations:`"));
        }
        interpolate_tree(&mut root, env)?;
        let top: Top = from_node(&root)?;

        let mut blueprints = Blueprints::builtin();
        if let Some(dir) = &top.blueprints_dir {
            let path: PathBuf = base.join(dir);
            blueprints = blueprints.with_dir(&path).map_err(|e| {
                if !e.is_io() || e.file() != Some(path.display().to_string().as_str()) {
                    return e;
                }
                let node = root.get("blueprints_dir").unwrap_or(&root);
                ConfigError::new(
                    ErrorKind::Io,
                    format!("blueprints folder `{}`: {}", path.display(), e.message()),
                )
                .at(&node.loc.place())
                .with_path("blueprints_dir")
                .with_help("the path is relative to this file's folder")
            })?;
        }

        let mut integrations = Vec::new();
        let mut log_levels = BTreeMap::new();
        let entries = root.get("integrations").and_then(Node::as_map).unwrap_or_default();
        for (key, node) in entries {
            let built = entry::build(key, node, &blueprints)?;
            if let Some(level) = built.log_level {
                log_levels.insert(key.text.clone(), level);
            }
            integrations.push(built.integration);
        }
        tracing::debug!(file = %source, integrations = integrations.len(), "configuration loaded");
        Ok(Config { source: source.to_owned(), integrations, log_levels })
    }

    /// The integration named `name`.
    ///
    /// # Errors
    /// No such integration: the error lists the defined names and suggests the closest.
    pub fn integration(&self, name: &str) -> Result<&Integration, ConfigError> {
        if let Some(found) = self.integrations.iter().find(|i| i.name == name) {
            return Ok(found);
        }
        let names: Vec<&str> = self.integrations.iter().map(|i| i.name.as_str()).collect();
        let help = if names.is_empty() {
            format!("{} defines no integrations; add one under `integrations:`", self.source)
        } else {
            suggest::did_you_mean(name, &names, "integrations")
        };
        Err(ConfigError::new(ErrorKind::UnknownIntegration, format!("no integration `{name}`"))
            .in_file(&self.source)
            .with_help(help))
    }

    /// Every integration, in file order.
    pub fn integrations(&self) -> impl Iterator<Item = &Integration> {
        self.integrations.iter()
    }

    /// The `log_level` an integration asked for (`error`, `warn`, `info`, `debug`, `trace`).
    pub fn log_level(&self, integration: &str) -> Option<&'static str> {
        self.log_levels.get(integration).copied()
    }

    /// The name the configuration was loaded from (its path, for [`Config::load`]).
    pub fn source_name(&self) -> &str {
        &self.source
    }

    /// The resolved configuration as YAML, secrets replaced by `<redacted>`: what
    /// `nango config check` prints.
    pub fn redacted_yaml(&self) -> String {
        redact::to_yaml(self)
    }
}
