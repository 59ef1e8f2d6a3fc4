//! The blueprint registry: built-in blueprints embedded at build time, plus a user folder.

mod builtin;
mod file;
pub(crate) mod reference;

use std::collections::BTreeMap;
use std::path::Path;

use crate::blueprint::Blueprint;
use crate::error::{ConfigError, ErrorKind};
use crate::suggest;
use crate::validate;
use crate::yaml::from_node;
use crate::yaml::node::Node;
use file::BlueprintFile;

/// Blueprints by name: the built-in ones and, optionally, a folder of the user's own.
///
/// ```
/// use nango_config::Blueprints;
///
/// let blueprints = Blueprints::builtin();
/// let zoom = blueprints.get("zoom:v0")?;
/// assert_eq!(zoom.auth.token_url, "https://zoom.us/oauth/token");
/// # Ok::<(), nango_config::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Blueprints {
    files: BTreeMap<String, Result<BlueprintFile, ConfigError>>,
}

/// A reference resolved to one version's tree (before an integration's overrides).
pub(crate) struct Resolved {
    /// `name:version`.
    pub(crate) reference: String,
    /// Whether the reference named its version.
    pub(crate) pinned: bool,
    /// The version's tree.
    pub(crate) node: Node,
}

impl Blueprints {
    /// The blueprints built into this crate (from the workspace folder `blueprints/`).
    ///
    /// A built-in file that does not parse is kept as its error, returned by [`Self::get`];
    /// the crate's tests make sure none does.
    pub fn builtin() -> Blueprints {
        let mut files = BTreeMap::new();
        for (file_name, text) in builtin::FILES {
            let name = stem(file_name);
            let parsed = BlueprintFile::parse(text, &format!("blueprints/{file_name}"), name);
            files.insert(name.to_owned(), parsed);
        }
        Blueprints { files }
    }

    /// Adds every `*.yaml` and `*.yml` file of `dir`. A file named like a built-in blueprint
    /// replaces it.
    ///
    /// # Errors
    /// The folder or a file cannot be read, or a file is not a valid blueprint file.
    pub fn with_dir(mut self, dir: &Path) -> Result<Blueprints, ConfigError> {
        let shown = dir.display().to_string();
        let entries = std::fs::read_dir(dir).map_err(|e| io_error(&shown, &e))?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| io_error(&shown, &e))?.path();
            if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                paths.push(path);
            }
        }
        paths.sort();

        for path in paths {
            let shown = path.display().to_string();
            let text = read_text(&path)?;
            let file_name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
            let name = stem(&file_name).to_owned();
            let parsed = BlueprintFile::parse(&text, &shown, &name)?;
            if self.files.contains_key(&name) {
                tracing::debug!(blueprint = %name, file = %shown, "user blueprint replaces built-in");
            }
            self.files.insert(name, Ok(parsed));
        }
        Ok(self)
    }

    /// Every blueprint name with its versions, lowest version first.
    pub fn list(&self) -> Vec<(String, Vec<String>)> {
        self.files
            .iter()
            .filter_map(|(name, file)| Some((name.clone(), file.as_ref().ok()?.versions.clone())))
            .collect()
    }

    /// One version of a blueprint, validated. `reference` is `name:version` or `name` (the
    /// highest version).
    ///
    /// # Errors
    /// The reference is malformed, names no blueprint or version (the error lists what exists
    /// and suggests the closest), or the blueprint is invalid.
    pub fn get(&self, reference: &str) -> Result<Blueprint, ConfigError> {
        let resolved = self.resolve(reference)?;
        let blueprint: Blueprint = from_node(&resolved.node)?;
        validate::blueprint(&blueprint, &resolved.node)?;
        Ok(blueprint)
    }

    /// YAML text for display: the file as written for `name`, the resolved version (defaults
    /// filled in) for `name:version`.
    ///
    /// # Errors
    /// As [`Self::get`].
    pub fn source(&self, reference: &str) -> Result<String, ConfigError> {
        let parsed = reference::parse(reference)?;
        if parsed.version.is_none() {
            return Ok(self.file(parsed.name)?.text.clone());
        }
        let blueprint = self.get(reference)?;
        serde_saphyr::to_string(&blueprint).map_err(|e| {
            ConfigError::new(ErrorKind::InvalidValue, format!("cannot render the blueprint: {e}"))
        })
    }

    /// Resolves a reference to a version's tree.
    pub(crate) fn resolve(&self, reference: &str) -> Result<Resolved, ConfigError> {
        let parsed = reference::parse(reference)?;
        let file = self.file(parsed.name)?;
        let version = match parsed.version {
            Some(version) => version,
            None => file.versions.last().map(String::as_str).unwrap_or("v0"),
        };
        let node = file.version_node(version).ok_or_else(|| {
            let versions: Vec<&str> = file.versions.iter().map(String::as_str).collect();
            ConfigError::new(
                ErrorKind::UnknownBlueprint,
                format!("blueprint `{}` has no version `{version}`", file.name),
            )
            .with_help(format!(
                "versions of `{}`: {}",
                file.name,
                suggest::list(&versions)
            ))
        })?;
        Ok(Resolved {
            reference: format!("{}:{version}", file.name),
            pinned: parsed.version.is_some(),
            node,
        })
    }

    fn file(&self, name: &str) -> Result<&BlueprintFile, ConfigError> {
        match self.files.get(name) {
            Some(Ok(file)) => Ok(file),
            Some(Err(error)) => Err(error.clone()),
            None => {
                let names: Vec<&str> = self.files.keys().map(String::as_str).collect();
                Err(ConfigError::new(ErrorKind::UnknownBlueprint, format!("no blueprint `{name}`"))
                    .with_help(unknown_help(name, &names)))
            }
        }
    }
}

fn unknown_help(name: &str, names: &[&str]) -> String {
    let all = format!("blueprints: {}", suggest::list(names));
    match suggest::closest(name, names.iter().copied()) {
        Some(best) => format!("did you mean `{best}`? {all}"),
        None => all,
    }
}

fn stem(file_name: &str) -> &str {
    file_name.strip_suffix(".yaml").or_else(|| file_name.strip_suffix(".yml")).unwrap_or(file_name)
}

/// Reads a UTF-8 text file, refusing one larger than the YAML limit.
pub(crate) fn read_text(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;

    let shown = path.display().to_string();
    let metadata = std::fs::metadata(path).map_err(|e| io_error(&shown, &e))?;
    if !metadata.is_file() {
        return Err(ConfigError::new(ErrorKind::Io, "this is not a regular file")
            .in_file(&shown)
            .with_help("point at a YAML file (not a folder, device or pipe)"));
    }
    // Read at most one byte past the limit: a file that grows, or lies about its size, is
    // never read whole.
    let limit = crate::yaml::MAX_FILE_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).map_err(|e| io_error(&shown, &e))?;
    file.take(limit).read_to_end(&mut bytes).map_err(|e| io_error(&shown, &e))?;
    if bytes.len() > crate::yaml::MAX_FILE_BYTES {
        return Err(ConfigError::new(
            ErrorKind::Syntax,
            format!("the file is larger than {} bytes", crate::yaml::MAX_FILE_BYTES),
        )
        .in_file(&shown));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        let place =
            crate::error::Place { file: Some(shown.clone()), line: Some(line), column: None };
        ConfigError::new(ErrorKind::Io, "the file is not UTF-8 text")
            .at(&place)
            .with_help("save the file as UTF-8; this may be a binary file")
    })
}

pub(crate) fn io_error(shown: &str, error: &std::io::Error) -> ConfigError {
    let help = match error.kind() {
        std::io::ErrorKind::NotFound => {
            "check the path; relative paths start at the current folder"
        }
        std::io::ErrorKind::PermissionDenied => "check the file's permissions",
        _ => "check that the path names a readable file",
    };
    ConfigError::new(ErrorKind::Io, format!("cannot read: {}", error.kind()))
        .in_file(shown)
        .with_help(help)
}
