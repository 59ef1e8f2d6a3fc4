//! Injected faults: the next `times` requests that match a rule are delayed, answered with an
//! error status, or processed and then left without an answer.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::state::Shared;

/// A fault to inject into matching requests. See [`crate::SandboxControl::inject_fault`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// The HTTP method to match (case-insensitive); `None` matches every method.
    #[serde(default)]
    pub method: Option<String>,
    /// The path prefix to match, e.g. `/oauth/token` or `/v2/users/me/meetings`.
    pub path_prefix: String,
    /// What to do to a matching request.
    pub fault: Fault,
    /// How many matching requests the rule applies to; then it is spent.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

/// What an injected fault does.
///
/// In the admin HTTP API a fault is written `{"type":"delay","ms":1500}`,
/// `{"type":"status","status":503}` or `{"type":"drop_after_processing"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Fault {
    /// Wait this long (real time), then answer normally: to exceed a client's timeout.
    Delay(#[serde(with = "millis")] Duration),
    /// Answer with this status and a Zoom-shaped body `{"code","message"}`, without processing.
    Status(#[serde(with = "status")] u16),
    /// Process the request (rotate the refresh token, create the meeting ...), then close the
    /// connection without an answer: a lost answer.
    DropAfterProcessing,
}

/// `Status(u16)` as `{"status": N}` (a tagged enum cannot hold a bare number).
mod status {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Status {
        status: u16,
    }

    pub(super) fn serialize<S: Serializer>(code: &u16, s: S) -> Result<S::Ok, S::Error> {
        Status { status: *code }.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
        Ok(Status::deserialize(d)?.status)
    }
}

/// `Delay(Duration)` as `{"ms": N}`.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Ms {
        ms: u64,
    }

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        Ms { ms: d.as_millis() as u64 }.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(Ms::deserialize(d)?.ms))
    }
}

/// Set on every request by the connection loop: notifying it closes that connection at once.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionKill(pub(crate) Arc<Notify>);

/// The armed rules, in the order they were injected.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    rules: std::sync::Mutex<Vec<FaultRule>>,
}

impl Faults {
    pub(crate) fn push(&self, rule: FaultRule) {
        if rule.times > 0 {
            self.rules.lock().unwrap_or_else(|e| e.into_inner()).push(rule);
        }
    }

    /// Takes one use of the first rule matching `method` and `path`.
    pub(crate) fn take(&self, method: &str, path: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let at = rules.iter().position(|r| {
            r.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
                && path.starts_with(&r.path_prefix)
        })?;
        let fault = rules[at].fault.clone();
        rules[at].times -= 1;
        if rules[at].times == 0 {
            rules.remove(at);
        }
        Some(fault)
    }
}

/// Middleware: applies the first matching fault to a request (never to `/_sandbox/`).
pub(crate) async fn apply(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with("/_sandbox/") {
        return next.run(req).await;
    }
    let Some(fault) = shared.faults.take(req.method().as_str(), &path) else {
        return next.run(req).await;
    };
    shared.stats_mut(|s| s.faults_injected += 1);
    tracing::debug!(method = %req.method(), path, ?fault, "injecting fault");

    match fault {
        Fault::Delay(by) => {
            shared.clock.sleep_real(by).await;
            next.run(req).await
        }
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = status.canonical_reason().unwrap_or("Internal error").to_owned() + ".";
            crate::api::api_error(status, u32::from(code), message)
        }
        Fault::DropAfterProcessing => {
            let kill = req.extensions().get::<ConnectionKill>().cloned();
            let answer = next.run(req).await;
            tracing::debug!(path, status = %answer.status(), "dropping the answer");
            drop(answer);
            if let Some(ConnectionKill(kill)) = kill {
                kill.notify_one();
            }
            std::future::pending::<Response>().await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(method: Option<&str>, prefix: &str, times: u32) -> FaultRule {
        FaultRule {
            method: method.map(str::to_owned),
            path_prefix: prefix.to_owned(),
            fault: Fault::Status(503),
            times,
        }
    }

    #[test]
    fn a_rule_applies_exactly_times_times() {
        let faults = Faults::default();
        faults.push(rule(Some("post"), "/oauth/token", 2));
        assert_eq!(faults.take("GET", "/oauth/token"), None);
        assert_eq!(faults.take("POST", "/v2/users"), None);
        assert_eq!(faults.take("POST", "/oauth/token"), Some(Fault::Status(503)));
        assert_eq!(faults.take("POST", "/oauth/token"), Some(Fault::Status(503)));
        assert_eq!(faults.take("POST", "/oauth/token"), None);
    }

    #[test]
    fn faults_read_and_write_as_tagged_json() {
        let json = r#"{"path_prefix":"/v2/","fault":{"type":"delay","ms":1500}}"#;
        let rule: FaultRule = serde_json::from_str(json).unwrap();
        assert_eq!(rule.fault, Fault::Delay(Duration::from_millis(1500)));
        assert_eq!(rule.times, 1);
        assert_eq!(rule.method, None);
        let status = serde_json::to_string(&Fault::Status(502)).unwrap();
        assert_eq!(status, r#"{"type":"status","status":502}"#);
        let drop = serde_json::to_string(&Fault::DropAfterProcessing).unwrap();
        assert_eq!(drop, r#"{"type":"drop_after_processing"}"#);
    }
}
