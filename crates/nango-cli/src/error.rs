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
    /// 130: interrupted by Ctrl-C (128 + SIGINT, as shells report it).
    Interrupted,
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
            ExitKind::Interrupted => 130,
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
    bare: bool,
}

impl CliError {
    pub(crate) fn new(kind: ExitKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), hint: None, pipe_closed: false, bare: false }
    }

    /// Printed as is, without the `error: ` prefix (e.g. "Cancelled; nothing was stored.").
    pub(crate) fn bare(mut self) -> Self {
        self.bare = true;
        self
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
        let prefix = if self.bare { "" } else { "error: " };
        match &self.hint {
            Some(hint) => format!("{prefix}{}\n{}", self.message, hint),
            None => format!("{prefix}{}", self.message),
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
        let not_idempotent = matches!(e.method(), "POST" | "PATCH");
        let may_have_been_processed = not_idempotent
            && matches!(
                e.kind(),
                nango_http::HttpErrorKind::Timeout { sent: true }
                    | nango_http::HttpErrorKind::Transport
            );
        if may_have_been_processed {
            return CliError::new(ExitKind::Network, e.to_string()).with_hint(
                "The request may have reached the provider: check whether it took effect (for \
                 example, list what it would have created) before sending it again.",
            );
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
        use nango_oauth::Error;
        match &e {
            // Rebuilt here so that the suggested command quotes what the shell needs quoted.
            Error::NotFound { integration, connection_id } => {
                let command = connect_command(integration, connection_id);
                return CliError::new(
                    ExitKind::Reauth,
                    format!(
                        "no connection `{connection_id}` for integration `{integration}`; run \
                         `{command}`"
                    ),
                );
            }
            Error::NeedsReauth { integration, connection_id, reason } => {
                let command = connect_command(integration, connection_id);
                return CliError::new(
                    ExitKind::Reauth,
                    format!(
                        "connection `{connection_id}` of integration `{integration}` needs \
                         re-authorisation ({reason}); run `{command}`"
                    ),
                );
            }
            // The CLI's own words: the hint names the flag that asked for pages.
            Error::Pagination { path, problem: nango_oauth::PaginationProblem::NotAList } => {
                return CliError::new(
                    ExitKind::Usage,
                    format!(
                        "the answer of {path} has no list field, so there are no pages to follow"
                    ),
                )
                .with_hint("Call this endpoint without --paginate; it returns one object.");
            }
            Error::Pagination { .. } => return CliError::new(ExitKind::Provider, e.to_string()),
            Error::Config { .. } => {
                return CliError::new(ExitKind::Config, e.to_string())
                    .with_hint("Fix the integration in the integrations file, then try again.");
            }
            Error::Store { detail } => {
                return CliError::new(
                    ExitKind::Failure,
                    format!("the token store {} cannot be used: {detail}", store_path()),
                )
                .with_hint(STORE_HINT);
            }
            Error::Crypto { .. } => {
                return CliError::new(ExitKind::Failure, e.to_string()).with_hint(format!(
                    "The tokens in {} cannot be opened with this key: check \
                     NANGO_ENCRYPTION_KEY (base64 of 32 bytes) or restore the key file they were \
                     written with; or remove the database and run `nango connect` again.",
                    store_path()
                ));
            }
            Error::Io { source, .. } if is_unwritable(source) => {
                return CliError::new(ExitKind::Failure, e.to_string()).with_hint(format!(
                    "Make NANGO_HOME (or --home DIR) writable: nango keeps its key and {} there.",
                    store_path()
                ));
            }
            _ => {}
        }
        if e.needs_reauth() {
            return CliError::new(ExitKind::Reauth, e.to_string());
        }
        match e.http() {
            Some(http) => CliError::from(http.clone()),
            None => CliError::new(ExitKind::Failure, e.to_string()),
        }
    }
}

/// What to do when the token store cannot be read or written.
const STORE_HINT: &str = "If the file is damaged, restore it from a backup, or remove it and run \
                          `nango connect` again for each connection; if its folder is read-only, \
                          make NANGO_HOME (or --home DIR) writable.";

/// The database of this invocation, set when the store is opened.
static STORE_PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Records where the token store of this invocation lives, so that its errors can name it.
pub(crate) fn set_store_path(path: &std::path::Path) {
    let _ = STORE_PATH.set(path.to_owned());
}

fn store_path() -> String {
    match STORE_PATH.get() {
        Some(path) => path.display().to_string(),
        None => "$NANGO_HOME/connections.db".to_owned(),
    }
}

fn is_unwritable(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

/// `nango connect INTEGRATION --connection ID`, quoted for a POSIX shell where needed.
pub(crate) fn connect_command(integration: &str, connection_id: &str) -> String {
    format!("nango connect {} {}", shell_quote(integration), connection_flag(connection_id))
}

/// `--connection ID`, quoted where needed; `--connection=ID` when the id starts with `-`.
pub(crate) fn connection_flag(connection_id: &str) -> String {
    if connection_id.starts_with('-') {
        return format!("--connection={}", shell_quote(connection_id));
    }
    format!("--connection {}", shell_quote(connection_id))
}

/// `text` as one word of a POSIX shell: as is when safe, else in single quotes.
pub(crate) fn shell_quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "._-/:@%+=,".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
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
    fn suggested_commands_quote_ids_that_need_it() {
        assert_eq!(connect_command("zoom", "work"), "nango connect zoom --connection work");
        assert_eq!(connect_command("zoom", "a b"), "nango connect zoom --connection 'a b'");
        assert_eq!(connect_command("zoom", "it's"), r"nango connect zoom --connection 'it'\''s'");
        assert_eq!(connect_command("zoom", ""), "nango connect zoom --connection ''");
        assert_eq!(connect_command("zoom", "-x"), "nango connect zoom --connection=-x");
    }

    #[test]
    fn token_store_errors_name_the_database_and_what_to_do() {
        let store =
            CliError::from(nango_oauth::Error::Store { detail: "file is not a database".into() });
        let shown = store.render();
        assert!(shown.contains("connections.db") && shown.contains("remove it"), "{shown}");
        let denied = nango_oauth::Error::Io {
            context: "creating key file /h/key".into(),
            source: std::io::ErrorKind::PermissionDenied.into(),
        };
        assert!(CliError::from(denied).render().contains("writable"));
        let missing = nango_oauth::Error::NotFound {
            integration: "zoom".into(),
            connection_id: "a b".into(),
        };
        let missing = CliError::from(missing);
        assert_eq!(missing.exit_kind(), ExitKind::Reauth);
        assert!(missing.render().contains("--connection 'a b'`"));
    }

    #[test]
    fn a_listing_that_is_not_a_list_is_a_usage_error_and_a_looping_cursor_the_providers() {
        use nango_oauth::PaginationProblem;
        let path = "/users/me".to_owned();
        let problem = PaginationProblem::NotAList;
        let not_a_list = CliError::from(nango_oauth::Error::Pagination { path, problem });
        assert_eq!(not_a_list.exit_kind(), ExitKind::Usage);
        assert_eq!(
            not_a_list.render(),
            "error: the answer of /users/me has no list field, so there are no pages to follow\n\
             Call this endpoint without --paginate; it returns one object."
        );
        let path = "/users".to_owned();
        let problem = PaginationProblem::RepeatedCursor;
        let looping = CliError::from(nango_oauth::Error::Pagination { path, problem });
        assert_eq!(looping.exit_kind(), ExitKind::Provider);
        assert!(looping.render().contains("/users"), "{}", looping.render());
    }

    #[test]
    fn a_closed_pipe_is_quiet() {
        let error = CliError::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(error.is_pipe_closed());
        assert!(!CliError::new(ExitKind::Usage, "x").is_pipe_closed());
    }
}
