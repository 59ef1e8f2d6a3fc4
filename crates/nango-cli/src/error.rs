//! Errors as the user sees them: one or two sentences on stderr and a documented exit code.

use std::fmt;

/// Exit codes, documented in `docs/cli.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitKind {
    /// 1: anything not listed below.
    Failure,
    /// 2: bad command-line usage (clap also exits 2).
    Usage,
    /// 3: integrations.yaml or a blueprint is invalid.
    Config,
    /// 4: the provider answered with an error status.
    Provider,
    /// 5: the connection needs re-authorisation (`nango connect`).
    Reauth,
    /// 6: rate limited; the message says until when.
    RateLimited,
    /// 7: network failure: could not connect, or timed out.
    Network,
}

impl ExitKind {
    pub(crate) fn code(self) -> u8 {
        match self {
            ExitKind::Failure => 1,
            ExitKind::Usage => 2,
            ExitKind::Config => 3,
            ExitKind::Provider => 4,
            ExitKind::Reauth => 5,
            ExitKind::RateLimited => 6,
            ExitKind::Network => 7,
        }
    }
}

/// An error with what to do next.
#[derive(Debug)]
pub(crate) struct CliError {
    kind: ExitKind,
    message: String,
    hint: Option<String>,
}

impl CliError {
    pub(crate) fn new(kind: ExitKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), hint: None }
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn exit_kind(&self) -> ExitKind {
        self.kind
    }

    /// The text printed on stderr.
    pub(crate) fn render(&self) -> String {
        match &self.hint {
            Some(hint) => format!("error: {}\n{}", self.message, hint),
            None => format!("error: {}", self.message),
        }
    }

    /// Prefixes the message with where it happened (e.g. a demo step).
    pub(crate) fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<nango_config::ConfigError> for CliError {
    fn from(e: nango_config::ConfigError) -> Self {
        CliError::new(ExitKind::Config, e.to_string())
    }
}

impl From<nango_http::HttpError> for CliError {
    fn from(e: nango_http::HttpError) -> Self {
        let kind = if e.is_rate_limited() {
            ExitKind::RateLimited
        } else if e.is_network() {
            ExitKind::Network
        } else if e.status().is_some() {
            ExitKind::Provider
        } else {
            ExitKind::Failure
        };
        let hint = match kind {
            ExitKind::RateLimited => Some("Wait until the time above, or lower the request rate."),
            ExitKind::Network => Some("Check that the provider (or the sandbox) is reachable."),
            _ => None,
        };
        let error = CliError::new(kind, e.to_string());
        match hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

impl From<nango_oauth::Error> for CliError {
    fn from(e: nango_oauth::Error) -> Self {
        if e.needs_reauth() || e.is_not_found() {
            return CliError::new(ExitKind::Reauth, e.to_string());
        }
        match e.http() {
            Some(http) => {
                let mut error = CliError::from(http.clone());
                error.message = e.to_string();
                error
            }
            None => CliError::new(ExitKind::Failure, e.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::new(ExitKind::Failure, e.to_string())
    }
}

/// The result of a command.
pub(crate) type CliResult<T = ()> = Result<T, CliError>;
