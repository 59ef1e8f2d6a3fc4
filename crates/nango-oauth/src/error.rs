//! The error of every nango-oauth operation: kinds a caller can act on, and a message that says
//! what to do next. No token, secret, code or verifier ever reaches `Display` or `Debug`.

use std::time::Duration;

use nango_http::HttpError;

use crate::pages::PaginationProblem;

/// What went wrong in an OAuth flow, the token lifecycle or the token store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection's grant is dead (refresh token revoked, rotated away or expired): a person
    /// must authorise again. The connection record is kept, marked as needing re-authorisation.
    #[error(
        "connection `{connection_id}` of integration `{integration}` needs re-authorisation \
         ({reason}); run `nango connect {integration} --connection {connection_id}`"
    )]
    NeedsReauth {
        /// The integration.
        integration: String,
        /// The connection.
        connection_id: String,
        /// Why, in words (e.g. the provider's `invalid_grant` reason).
        reason: String,
    },

    /// The token endpoint answered with an OAuth error (`invalid_grant`, `invalid_client`...).
    #[error("the token endpoint refused the request: {error}{}{}", describe(.description), status_suffix(.status))]
    OAuth {
        /// The OAuth `error` code.
        error: String,
        /// The provider's description (`error_description`, or Zoom's `reason`), scrubbed of
        /// anything that was sent as a secret.
        description: Option<String>,
        /// The HTTP status of the answer.
        status: Option<u16>,
    },

    /// The token endpoint's answer is not a token response nango can read.
    #[error("the token endpoint sent an unreadable answer: {detail}")]
    InvalidTokenResponse {
        /// What was wrong, naming the field.
        detail: String,
    },

    /// A code exchange was sent but its answer was lost; the code may have been used, so it is
    /// not sent again.
    #[error("authorisation interrupted, connect again ({detail})")]
    AuthorizationInterrupted {
        /// What interrupted it.
        detail: String,
    },

    /// The callback carried no `state`, or not the one this flow issued.
    #[error(
        "the authorisation callback carried a missing or wrong `state`; nothing was exchanged, \
         connect again"
    )]
    StateMismatch,

    /// The provider redirected back with `error=...` (e.g. the user denied access).
    #[error("the provider refused the authorisation: {error}{}; connect again", describe(.description))]
    AuthorizationDenied {
        /// The `error` parameter of the callback.
        error: String,
        /// The `error_description` parameter, if any.
        description: Option<String>,
    },

    /// No callback arrived in time.
    #[error("no authorisation callback arrived within {}s; connect again", .after.as_secs())]
    CallbackTimeout {
        /// How long nango waited.
        after: Duration,
    },

    /// The integration is not configured for the operation (wrong grant, no redirect URI, a
    /// redirect URI that is not on loopback, no client secret...).
    #[error("integration `{integration}` is not configured for this: {detail}")]
    Config {
        /// The integration.
        integration: String,
        /// What is missing or wrong.
        detail: String,
    },

    /// No such connection in the store.
    #[error(
        "no connection `{connection_id}` for integration `{integration}`; run \
         `nango connect {integration} --connection {connection_id}`"
    )]
    NotFound {
        /// The integration.
        integration: String,
        /// The connection.
        connection_id: String,
    },

    /// A request failed in nango-http (network, timeout, provider error).
    #[error(transparent)]
    Http(#[from] HttpError),

    /// A listing could not be followed page by page ([`crate::Session::pages`]).
    #[error("{}", pagination(.path, .problem))]
    Pagination {
        /// The listing's path, without its query.
        path: String,
        /// What went wrong.
        problem: PaginationProblem,
    },

    /// The token store failed.
    #[error("token store: {detail}")]
    Store {
        /// What failed.
        detail: String,
    },

    /// Encryption or decryption at rest failed (wrong key, tampered or moved row).
    #[error("token encryption: {detail}")]
    Crypto {
        /// What failed (never key material).
        detail: String,
    },

    /// Local I/O failed (the callback listener, the key file, the browser).
    #[error("{context}: {source}")]
    Io {
        /// What nango was doing.
        context: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

fn describe(description: &Option<String>) -> String {
    description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
}

fn pagination(path: &str, problem: &PaginationProblem) -> String {
    match problem {
        PaginationProblem::NotAList => format!(
            "the answer of {path} has no list field, so there are no pages to follow; request it \
             once instead"
        ),
        PaginationProblem::RepeatedCursor => format!(
            "the provider sent a cursor of {path} that it had sent before, so following it would \
             loop; stopped with the listing incomplete, try it again later"
        ),
        PaginationProblem::Unreadable { detail } => format!(
            "a page of {path} could not be read ({detail}); check that the blueprint's \
             pagination matches the provider's list answers"
        ),
    }
}

fn status_suffix(status: &Option<u16>) -> String {
    status.map(|s| format!(" [HTTP {s}]")).unwrap_or_default()
}

impl Error {
    /// Whether a person must authorise the connection again.
    pub fn needs_reauth(&self) -> bool {
        match self {
            Error::NeedsReauth { .. } => true,
            Error::OAuth { error, .. } => error == "invalid_grant",
            _ => false,
        }
    }

    /// Whether trying the same operation later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Http(e) => e.is_retryable(),
            Error::OAuth { error, .. } => {
                matches!(error.as_str(), "temporarily_unavailable" | "server_error" | "slow_down")
            }
            Error::Store { .. } | Error::Io { .. } => true,
            _ => false,
        }
    }

    /// The HTTP error underneath, if a request failed.
    pub fn http(&self) -> Option<&HttpError> {
        match self {
            Error::Http(e) => Some(e),
            _ => None,
        }
    }

    /// The OAuth `error` code returned by the provider (`invalid_grant`, `access_denied`...).
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Error::OAuth { error, .. } | Error::AuthorizationDenied { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Why a listing could not be followed page by page, if that is what failed.
    pub fn pagination_problem(&self) -> Option<&PaginationProblem> {
        match self {
            Error::Pagination { problem, .. } => Some(problem),
            _ => None,
        }
    }

    /// Whether the connection does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    pub(crate) fn store(detail: impl std::fmt::Display) -> Self {
        Error::Store { detail: detail.to_string() }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }
}

/// The result of nango-oauth operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
