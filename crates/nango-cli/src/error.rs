//! Errors as the user sees them: one or two sentences on stderr and a documented exit code.

use std::fmt;
use std::time::SystemTime;

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
    pipe_closed: bool,
}

impl CliError {
    pub(crate) fn new(kind: ExitKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), hint: None, pipe_closed: false }
    }

    /// The reader of stdout went away (`nango call ... | head`): stop quietly, like `cat`.
    pub(crate) fn pipe_closed() -> Self {
        Self { pipe_closed: true, ..Self::new(ExitKind::Failure, "stdout was closed") }
    }

    /// Whether stdout's reader went away; nothing is printed and the exit code is 0.
    pub(crate) fn is_pipe_closed(&self) -> bool {
        self.pipe_closed
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A usage error without a hint points at the command's help, where the examples are.
    pub(crate) fn with_usage_hint(self, command: &str) -> Self {
        if self.kind != ExitKind::Usage || self.hint.is_some() {
            return self;
        }
        self.with_hint(format!("See `nango {command} --help` for the syntax and examples."))
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
        let error = CliError::new(ExitKind::Config, e.to_string());
        if e.is_syntax() {
            return error.with_hint(
                "If a value there contains `: ` or ` #`, or starts with `{`, `[`, `*`, `&`, `!`, \
                 `%` or `@`, quote it: key: \"a: b\".",
            );
        }
        if e.help().is_some() {
            // nango-config's message already ends with what to do.
            return error;
        }
        let hint = if e.is_not_found() {
            "Use one of the names listed, or add it to the integrations file."
        } else if e.is_missing_variable() {
            "Export the variable (e.g. `export NAME=value`) and run the command again."
        } else if e.is_io() {
            "Check the path, or pass another file with --config PATH."
        } else {
            "Fix the key named above and run `nango config check`."
        };
        error.with_hint(hint)
    }
}

impl From<nango_http::HttpError> for CliError {
    fn from(e: nango_http::HttpError) -> Self {
        if e.is_rate_limited() {
            let shown = e.to_string();
            return match e.retry_after() {
                Some(at) => {
                    // The hint says when, in local time and UTC; the UTC-only suffix goes.
                    let message = match shown.split_once("; retry after ") {
                        Some((head, _)) => head.to_owned(),
                        None => shown,
                    };
                    CliError::new(ExitKind::RateLimited, message).with_hint(format!(
                        "Wait until {} and run the command again.",
                        local_and_utc(at, &local_offset(at))
                    ))
                }
                None => CliError::new(ExitKind::RateLimited, shown).with_hint(
                    "Wait a moment and run the command again, or lower the request rate.",
                ),
            };
        }
        if e.is_network() || matches!(e.kind(), nango_http::HttpErrorKind::DeadlineExceeded) {
            return CliError::new(ExitKind::Network, e.to_string()).with_hint(
                "Check that the provider (or the sandbox) is reachable and that api.base_url in \
                 the integrations file is right, then try again.",
            );
        }
        match e.status().map(|s| s.as_u16()) {
            Some(401 | 403) => CliError::new(ExitKind::Provider, e.to_string()).with_hint(
                "The connection may lack a scope: add it to oauth_scopes and run `nango connect` \
                 again.",
            ),
            Some(status) if status < 500 => CliError::new(ExitKind::Provider, e.to_string())
                .with_hint("Check the method, path and body against the provider's API reference."),
            Some(_) => CliError::new(ExitKind::Provider, e.to_string())
                .with_hint("The provider failed; try again later."),
            None => CliError::new(ExitKind::Failure, e.to_string()),
        }
    }
}

/// The local time zone's offset at `at` (from `TZ` or the system's zone), without reading the
/// clock.
fn local_offset(at: SystemTime) -> chrono::FixedOffset {
    use chrono::{Offset, TimeZone};
    let utc = chrono::DateTime::<chrono::Utc>::from(at).naive_utc();
    chrono::Local.offset_from_utc_datetime(&utc).fix()
}

/// `at` in the local time zone (offset `local`) and in UTC, e.g.
/// `2026-12-04 01:00:00 +01:00 (2026-12-04 00:00:00 UTC)`.
pub(crate) fn local_and_utc(at: SystemTime, local: &chrono::FixedOffset) -> String {
    let utc = chrono::DateTime::<chrono::Utc>::from(at);
    let here = utc.with_timezone(local);
    format!("{} ({} UTC)", here.format("%Y-%m-%d %H:%M:%S %:z"), utc.format("%Y-%m-%d %H:%M:%S"))
}

impl From<nango_oauth::Error> for CliError {
    fn from(e: nango_oauth::Error) -> Self {
        if e.needs_reauth() || e.is_not_found() {
            return CliError::new(ExitKind::Reauth, e.to_string());
        }
        if let nango_oauth::Error::Config { .. } = e {
            return CliError::new(ExitKind::Config, e.to_string())
                .with_hint("Fix the integration in the integrations file, then try again.");
        }
        match e.http() {
            Some(http) => CliError::from(http.clone()),
            None => CliError::new(ExitKind::Failure, e.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return CliError::pipe_closed();
        }
        CliError::new(ExitKind::Failure, e.to_string())
    }
}

/// The result of a command.
pub(crate) type CliResult<T = ()> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn a_reset_time_shows_local_time_and_utc() {
        let at = UNIX_EPOCH + Duration::from_secs(1_796_342_400); // 2026-12-04T00:00:00Z
        let paris = chrono::FixedOffset::east_opt(3600).unwrap();
        assert_eq!(
            local_and_utc(at, &paris),
            "2026-12-04 01:00:00 +01:00 (2026-12-04 00:00:00 UTC)"
        );
    }

    #[test]
    fn a_closed_pipe_is_quiet() {
        let error = CliError::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(error.is_pipe_closed());
        assert!(!CliError::new(ExitKind::Usage, "x").is_pipe_closed());
    }
}
