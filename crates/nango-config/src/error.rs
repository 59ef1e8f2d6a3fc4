//! [`ConfigError`]: every way a configuration or blueprint can be wrong, with where and what to do.

use std::fmt;

/// What went wrong, as a question a caller can ask (see the `is_*` methods of [`ConfigError`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read (missing, unreadable, not UTF-8).
    Io,
    /// The text is not valid YAML, or is hostile (alias bomb, too deep, too large).
    Syntax,
    /// A key that the schema does not know.
    UnknownKey,
    /// A required key is absent.
    MissingKey,
    /// A value has the wrong type or shape.
    InvalidValue,
    /// A `${VAR}` names a variable that is not set and has no default.
    MissingVariable,
    /// A `${...}` expression is malformed.
    BadInterpolation,
    /// A blueprint name or version that does not exist.
    UnknownBlueprint,
    /// An integration name that the configuration does not define.
    UnknownIntegration,
    /// The merged result breaks a rule (URL, required field per mode, plan, quota).
    Validation,
}

/// Where an error points: file, line and column (1-based). Any part may be unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Place {
    pub(crate) file: Option<String>,
    pub(crate) line: Option<u64>,
    pub(crate) column: Option<u64>,
}

/// The error of everything in this crate.
///
/// Its `Display` reads `file:line:column: key.path: message` and, when there is one, a second
/// line `help: ...` that says what to do. It never contains a value from the configuration (a
/// secret could be one): only key names, variable names, blueprint names and positions.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct ConfigError(Box<Repr>);

#[derive(Clone, PartialEq, Eq)]
struct Repr {
    kind: ErrorKind,
    place: Place,
    key_path: Option<String>,
    message: String,
    help: Option<String>,
}

impl ConfigError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Repr {
            kind,
            place: Place::default(),
            key_path: None,
            message: message.into(),
            help: None,
        }))
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.0.help = Some(help.into());
        self
    }

    pub(crate) fn at(mut self, place: &Place) -> Self {
        self.0.place = place.clone();
        self
    }

    pub(crate) fn in_file(mut self, file: &str) -> Self {
        if self.0.place.file.is_none() {
            self.0.place.file = Some(file.to_owned());
        }
        self
    }

    pub(crate) fn message(&self) -> &str {
        &self.0.message
    }

    pub(crate) fn has_place(&self) -> bool {
        self.0.place.file.is_some()
    }

    pub(crate) fn with_path(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        if !path.is_empty() {
            self.0.key_path = Some(path);
        }
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The file the error is in, when known.
    pub fn file(&self) -> Option<&str> {
        self.0.place.file.as_deref()
    }

    /// The 1-based line, when known.
    pub fn line(&self) -> Option<u64> {
        self.0.place.line
    }

    /// The 1-based column, when known.
    pub fn column(&self) -> Option<u64> {
        self.0.place.column
    }

    /// The YAML key path, e.g. `integrations.zoom.overrides.auth.token_url`, when known.
    pub fn key_path(&self) -> Option<&str> {
        self.0.key_path.as_deref()
    }

    /// What to do about it, when the error knows.
    pub fn help(&self) -> Option<&str> {
        self.0.help.as_deref()
    }

    /// The file could not be read.
    pub fn is_io(&self) -> bool {
        self.0.kind == ErrorKind::Io
    }

    /// The text is not valid YAML or exceeds a safety limit.
    pub fn is_syntax(&self) -> bool {
        self.0.kind == ErrorKind::Syntax
    }

    /// A key is not part of the schema.
    pub fn is_unknown_key(&self) -> bool {
        self.0.kind == ErrorKind::UnknownKey
    }

    /// A `${VAR}` is not set.
    pub fn is_missing_variable(&self) -> bool {
        self.0.kind == ErrorKind::MissingVariable
    }

    /// A blueprint or integration name that does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self.0.kind, ErrorKind::UnknownBlueprint | ErrorKind::UnknownIntegration)
    }

    /// The configuration parsed but breaks a rule (wrong type, missing key, validation).
    pub fn is_invalid(&self) -> bool {
        matches!(
            self.0.kind,
            ErrorKind::MissingKey
                | ErrorKind::InvalidValue
                | ErrorKind::Validation
                | ErrorKind::BadInterpolation
        )
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Place { file, line, column } = &self.0.place;
        if let Some(file) = file {
            f.write_str(file)?;
            if let Some(line) = line {
                write!(f, ":{line}")?;
                if let Some(column) = column {
                    write!(f, ":{column}")?;
                }
            }
            f.write_str(": ")?;
        }
        if let Some(path) = &self.0.key_path {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.0.message)?;
        if let Some(help) = &self.0.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigError")
            .field("kind", &self.0.kind)
            .field("file", &self.0.place.file)
            .field("line", &self.0.place.line)
            .field("column", &self.0.place.column)
            .field("key_path", &self.0.key_path)
            .field("message", &self.0.message)
            .field("help", &self.0.help)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_place_path_message_and_help() {
        let place = Place { file: Some("a.yaml".into()), line: Some(3), column: Some(7) };
        let err = ConfigError::new(ErrorKind::UnknownKey, "unknown key `scope`")
            .at(&place)
            .with_path("integrations.zoom")
            .with_help("did you mean `oauth_scopes`?");
        assert_eq!(
            err.to_string(),
            "a.yaml:3:7: integrations.zoom: unknown key `scope`\n  help: did you mean `oauth_scopes`?"
        );
        assert!(err.is_unknown_key());
        assert!(!err.is_not_found());
    }

    #[test]
    fn display_without_place() {
        let err = ConfigError::new(ErrorKind::UnknownIntegration, "no integration `x`");
        assert_eq!(err.to_string(), "no integration `x`");
        assert!(err.is_not_found());
    }
}
