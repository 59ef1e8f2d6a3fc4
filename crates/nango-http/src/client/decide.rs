//! Whether an outcome may be retried, and why: the idempotency rules in one place.

use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::classify::{Classification, RateLimitScope};
use crate::error::HttpErrorKind;

/// The least wait after a per-second (or unscoped) 429: the window has to pass.
pub(super) const RATE_LIMIT_FLOOR: Duration = Duration::from_secs(1);

/// An outcome as the retry rules see it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Seen {
    /// A response and the policy's reading of it.
    Response { status: StatusCode, class: Classification },
    /// No connection: not sent.
    Connect,
    /// A timeout; `sent` when the request may have been processed.
    Timeout { sent: bool },
    /// Another failure after the request may have been sent.
    Transport,
}

/// What to do about one failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Decision {
    /// The error kind if the request ends here.
    pub(super) kind: HttpErrorKind,
    /// `Ok(reason)` when a retry is safe; `Err(detail)` when not, with a detail for the error.
    pub(super) retry: Result<&'static str, Option<&'static str>>,
    /// When the server said to come back.
    pub(super) server_at: Option<SystemTime>,
    /// The least wait before a retry.
    pub(super) floor: Duration,
    /// Whether the request may have been processed (a retry costs the budget more).
    pub(super) after_timeout: bool,
    /// Block the throttle key with this scope (after a rate-limit response).
    pub(super) block: Option<RateLimitScope>,
}

impl Decision {
    fn new(kind: HttpErrorKind, retry: Result<&'static str, Option<&'static str>>) -> Self {
        Self {
            kind,
            retry,
            server_at: None,
            floor: Duration::ZERO,
            after_timeout: false,
            block: None,
        }
    }
}

const MAY_HAVE_BEEN_PROCESSED: &str =
    "not retried: the request is not idempotent and may have been processed";

/// The retry rules. `replayable` says whether the request may be repeated after it may have
/// been processed (see [`Idempotency`](super::Idempotency)).
pub(super) fn decide(seen: &Seen, replayable: bool) -> Decision {
    let if_replayable =
        |reason| if replayable { Ok(reason) } else { Err(Some(MAY_HAVE_BEEN_PROCESSED)) };
    match seen {
        Seen::Connect => Decision::new(HttpErrorKind::Connect, Ok("connect error: not sent")),
        Seen::Timeout { sent: false } => {
            Decision::new(HttpErrorKind::Timeout { sent: false }, Ok("timeout before sending"))
        }
        Seen::Timeout { sent: true } => Decision {
            after_timeout: true,
            ..Decision::new(HttpErrorKind::Timeout { sent: true }, if_replayable("timeout"))
        },
        Seen::Transport => Decision {
            after_timeout: true,
            ..Decision::new(HttpErrorKind::Transport, if_replayable("transport error"))
        },
        Seen::Response { status, class } => from_response(*status, class, if_replayable),
    }
}

fn from_response(
    status: StatusCode,
    class: &Classification,
    if_replayable: impl Fn(&'static str) -> Result<&'static str, Option<&'static str>>,
) -> Decision {
    match class {
        Classification::Transient { retry_at } => {
            let not_processed = status == StatusCode::TOO_MANY_REQUESTS
                || (status == StatusCode::SERVICE_UNAVAILABLE && retry_at.is_some());
            let retry = if not_processed {
                Ok("refused with Retry-After: not processed")
            } else {
                if_replayable("transient status")
            };
            Decision { server_at: *retry_at, ..Decision::new(HttpErrorKind::Status, retry) }
        }
        Classification::RateLimited { scope: RateLimitScope::Daily, retry_at } => Decision {
            server_at: *retry_at,
            block: Some(RateLimitScope::Daily),
            ..Decision::new(
                HttpErrorKind::RateLimited { scope: RateLimitScope::Daily },
                Err(Some("not retried before the reset")),
            )
        },
        Classification::RateLimited { scope: RateLimitScope::DailyPerResource, retry_at } => {
            Decision {
                server_at: *retry_at,
                ..Decision::new(
                    HttpErrorKind::RateLimited { scope: RateLimitScope::DailyPerResource },
                    Err(Some("not retried before the reset; other resources are unaffected")),
                )
            }
        }
        Classification::RateLimited { scope, retry_at } => Decision {
            server_at: *retry_at,
            floor: RATE_LIMIT_FLOOR,
            block: Some(*scope),
            ..Decision::new(HttpErrorKind::RateLimited { scope: *scope }, Ok("rate limited"))
        },
        Classification::AuthRejected => Decision::new(HttpErrorKind::AuthRejected, Err(None)),
        Classification::Final | Classification::Success => {
            Decision::new(HttpErrorKind::Status, Err(None))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, class: Classification) -> Seen {
        Seen::Response { status: StatusCode::from_u16(status).unwrap(), class }
    }

    fn transient(retry_at: Option<SystemTime>) -> Classification {
        Classification::Transient { retry_at }
    }

    fn limited(scope: RateLimitScope) -> Classification {
        Classification::RateLimited { scope, retry_at: None }
    }

    /// The table of the idempotency rules: (outcome, retried for GET, retried for POST).
    #[test]
    fn classification_table() {
        let soon = Some(SystemTime::UNIX_EPOCH);
        let table = [
            (Seen::Connect, true, true),
            (Seen::Timeout { sent: false }, true, true),
            (Seen::Timeout { sent: true }, true, false),
            (Seen::Transport, true, false),
            (response(408, transient(None)), true, false),
            (response(500, transient(None)), true, false),
            (response(502, transient(None)), true, false),
            (response(503, transient(None)), true, false),
            (response(503, transient(soon)), true, true),
            (response(504, transient(None)), true, false),
            (response(429, transient(None)), true, true),
            (response(429, limited(RateLimitScope::PerSecond)), true, true),
            (response(429, limited(RateLimitScope::DailyPerResource)), false, false),
            (response(429, limited(RateLimitScope::Unknown)), true, true),
            (response(429, limited(RateLimitScope::Daily)), false, false),
            (response(401, Classification::AuthRejected), false, false),
            (response(400, Classification::Final), false, false),
            (response(404, Classification::Final), false, false),
        ];
        for (seen, get, post) in table {
            assert_eq!(decide(&seen, true).retry.is_ok(), get, "GET after {seen:?}");
            assert_eq!(decide(&seen, false).retry.is_ok(), post, "POST after {seen:?}");
        }
    }

    #[test]
    fn kinds_name_the_outcome() {
        let kind = |seen: Seen| decide(&seen, true).kind;
        assert_eq!(kind(Seen::Connect), HttpErrorKind::Connect);
        assert_eq!(kind(Seen::Timeout { sent: true }), HttpErrorKind::Timeout { sent: true });
        assert_eq!(kind(response(500, transient(None))), HttpErrorKind::Status);
        assert_eq!(
            kind(response(429, limited(RateLimitScope::Daily))),
            HttpErrorKind::RateLimited { scope: RateLimitScope::Daily }
        );
        assert_eq!(kind(response(401, Classification::AuthRejected)), HttpErrorKind::AuthRejected);
    }

    #[test]
    fn rate_limits_block_the_key_and_wait_at_least_a_second() {
        let per_second = decide(&response(429, limited(RateLimitScope::PerSecond)), false);
        assert_eq!(per_second.block, Some(RateLimitScope::PerSecond));
        assert_eq!(per_second.floor, RATE_LIMIT_FLOOR);
        let daily = decide(&response(429, limited(RateLimitScope::Daily)), true);
        assert_eq!(daily.block, Some(RateLimitScope::Daily));
    }

    #[test]
    fn timeouts_cost_more_budget() {
        assert!(decide(&Seen::Timeout { sent: true }, true).after_timeout);
        assert!(!decide(&Seen::Connect, true).after_timeout);
    }
}
