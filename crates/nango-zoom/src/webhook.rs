//! Verifying Zoom webhooks: the `x-zm-signature` v0 HMAC, replay protection and the
//! `endpoint.url_validation` challenge.
//!
//! Zoom signs `v0:{x-zm-request-timestamp}:{raw body}` with HMAC-SHA256 keyed by the app's
//! secret token and sends `x-zm-signature: v0=<hex>`. [`WebhookVerifier::verify`] checks it in
//! constant time against the raw bytes received and rejects timestamps outside the tolerance.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use nango_http::Clock;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-zm-signature";
/// The timestamp header (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-zm-request-timestamp";
/// The event of Zoom's endpoint validation challenge.
pub const URL_VALIDATION_EVENT: &str = "endpoint.url_validation";

/// Why a webhook was rejected. Never contains the secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header is missing or not text.
    #[error("the webhook has no valid `{0}` header")]
    MissingHeader(&'static str),
    /// The signature is not `v0=` followed by 64 hex digits.
    #[error("the `x-zm-signature` header is not `v0=<64 hex digits>`")]
    MalformedSignature,
    /// The timestamp is not Unix seconds.
    #[error("the `x-zm-request-timestamp` header is not a Unix time in seconds")]
    MalformedTimestamp,
    /// The signature does not match: the body was altered or the secret token is wrong.
    #[error("the webhook signature does not match; check the app's secret token")]
    SignatureMismatch,
    /// The timestamp is outside the tolerance: a replay, or a clock far off.
    #[error(
        "the webhook timestamp is {age_seconds} s away from now, beyond the {tolerance_seconds} s tolerance"
    )]
    Stale {
        /// Distance between the timestamp and now.
        age_seconds: u64,
        /// The configured tolerance.
        tolerance_seconds: u64,
    },
    /// The body is not a Zoom event.
    #[error("the webhook body is not a Zoom event: {0}")]
    InvalidBody(String),
}

/// A verified event.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct WebhookEvent {
    /// The event name, e.g. `meeting.started`.
    pub event: String,
    /// The event's payload.
    #[serde(default)]
    pub payload: serde_json::Value,
    /// When Zoom emitted it, in milliseconds since the epoch.
    #[serde(default)]
    pub event_ts: Option<i64>,
}

/// What to do with a verified webhook.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookOutcome {
    /// An event to process; answer 200 or 204 within 3 seconds.
    Event(WebhookEvent),
    /// Zoom's URL validation challenge: answer 200 with this JSON body.
    UrlValidation(serde_json::Value),
}

/// Verifies webhooks of one Zoom app.
pub struct WebhookVerifier {
    secret: SecretString,
    tolerance: Duration,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

impl WebhookVerifier {
    /// A verifier with the app's secret token. The tolerance defaults to 5 minutes.
    pub fn new(secret_token: SecretString, clock: Arc<dyn Clock>) -> Self {
        Self { secret: secret_token, tolerance: Duration::from_secs(300), clock }
    }

    /// How far a timestamp may be from now, either way.
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Verifies the signature and timestamp of a webhook and parses its event.
    ///
    /// # Errors
    /// A [`WebhookError`] saying what is wrong; answer such a request with 401.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent, WebhookError> {
        let header = |name: &'static str| {
            headers.get(name).and_then(|v| v.to_str().ok()).ok_or(WebhookError::MissingHeader(name))
        };
        let signature = header(SIGNATURE_HEADER)?;
        let timestamp = header(TIMESTAMP_HEADER)?;
        let expected = signature
            .strip_prefix("v0=")
            .filter(|hex| hex.len() == 64)
            .and_then(|h| hex::decode(h).ok())
            .ok_or(WebhookError::MalformedSignature)?;
        let seconds: u64 =
            timestamp.trim().parse().map_err(|_| WebhookError::MalformedTimestamp)?;

        let mut mac = self.mac();
        mac.update(b"v0:");
        mac.update(timestamp.as_bytes());
        mac.update(b":");
        mac.update(body);
        mac.verify_slice(&expected).map_err(|_| WebhookError::SignatureMismatch)?;

        self.check_age(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))?;
        serde_json::from_slice(body).map_err(|e| WebhookError::InvalidBody(e.to_string()))
    }

    /// Verifies a webhook and, for Zoom's URL validation challenge, computes the answer.
    ///
    /// # Errors
    /// As [`WebhookVerifier::verify`]; a challenge without `plainToken` is an invalid body.
    pub fn handle(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookOutcome, WebhookError> {
        let event = self.verify(headers, body)?;
        if event.event != URL_VALIDATION_EVENT {
            return Ok(WebhookOutcome::Event(event));
        }
        let plain =
            event.payload.get("plainToken").and_then(|t| t.as_str()).ok_or_else(|| {
                WebhookError::InvalidBody("the challenge has no plainToken".into())
            })?;
        Ok(WebhookOutcome::UrlValidation(self.url_validation_answer(plain)))
    }

    /// `{"plainToken": …, "encryptedToken": hex(HMAC-SHA256(secret, plainToken))}`.
    pub fn url_validation_answer(&self, plain_token: &str) -> serde_json::Value {
        let mut mac = self.mac();
        mac.update(plain_token.as_bytes());
        let encrypted = hex::encode(mac.finalize().into_bytes());
        serde_json::json!({ "plainToken": plain_token, "encryptedToken": encrypted })
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
            .expect("HMAC takes keys of any length")
    }

    fn check_age(&self, sent: SystemTime) -> Result<(), WebhookError> {
        let now = self.clock.now_utc();
        let age =
            now.duration_since(sent).or_else(|e| Ok::<_, ()>(e.duration())).unwrap_or_default();
        if age > self.tolerance {
            return Err(WebhookError::Stale {
                age_seconds: age.as_secs(),
                tolerance_seconds: self.tolerance.as_secs(),
            });
        }
        Ok(())
    }
}

/// The `x-zm-signature` value Zoom would send for `body` at `timestamp` (Unix seconds): for
/// tests, and for the sandbox that plays Zoom.
pub fn sign(secret_token: &str, timestamp: u64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_token.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use nango_http::ManualClock;

    const SECRET: &str = "webhook-secret-canary";
    const NOW: u64 = 1_689_061_099;

    fn verifier() -> WebhookVerifier {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(NOW));
        WebhookVerifier::new(SecretString::from(SECRET), Arc::new(clock))
    }

    fn headers(signature: &str, timestamp: u64) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
        map.insert(TIMESTAMP_HEADER, HeaderValue::from_str(&timestamp.to_string()).unwrap());
        map
    }

    const BODY: &[u8] = br#"{"event":"meeting.started","payload":{"account_id":"a","object":{"id":1}},"event_ts":1689061099652}"#;

    #[test]
    fn a_valid_signature_verifies() {
        let event = verifier().verify(&headers(&sign(SECRET, NOW, BODY), NOW), BODY).unwrap();
        assert_eq!(event.event, "meeting.started");
        assert_eq!(event.event_ts, Some(1_689_061_099_652));
    }

    #[test]
    fn a_tampered_body_or_wrong_secret_is_rejected() {
        let tampered =
            BODY.to_vec().into_iter().map(|b| if b == b'1' { b'2' } else { b }).collect::<Vec<_>>();
        let good = headers(&sign(SECRET, NOW, BODY), NOW);
        assert_eq!(verifier().verify(&good, &tampered), Err(WebhookError::SignatureMismatch));
        let wrong = headers(&sign("other", NOW, BODY), NOW);
        assert_eq!(verifier().verify(&wrong, BODY), Err(WebhookError::SignatureMismatch));
        let moved = headers(&sign(SECRET, NOW, BODY), NOW + 1);
        assert_eq!(verifier().verify(&moved, BODY), Err(WebhookError::SignatureMismatch));
    }

    #[test]
    fn stale_and_future_timestamps_are_rejected() {
        for at in [NOW - 301, NOW + 301] {
            let result = verifier().verify(&headers(&sign(SECRET, at, BODY), at), BODY);
            assert!(
                matches!(result, Err(WebhookError::Stale { age_seconds: 301, .. })),
                "{result:?}"
            );
        }
        let edge = NOW - 300;
        assert!(verifier().verify(&headers(&sign(SECRET, edge, BODY), edge), BODY).is_ok());
    }

    #[test]
    fn malformed_headers_are_named() {
        let v = verifier();
        assert_eq!(
            v.verify(&HeaderMap::new(), BODY),
            Err(WebhookError::MissingHeader(SIGNATURE_HEADER))
        );
        assert_eq!(v.verify(&headers("v1=abc", NOW), BODY), Err(WebhookError::MalformedSignature));
        let mut h = headers(&sign(SECRET, NOW, BODY), NOW);
        h.insert(TIMESTAMP_HEADER, HeaderValue::from_static("yesterday"));
        assert_eq!(v.verify(&h, BODY), Err(WebhookError::MalformedTimestamp));
    }

    #[test]
    fn url_validation_is_answered() {
        let body = br#"{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680}"#;
        let outcome = verifier().handle(&headers(&sign(SECRET, NOW, body), NOW), body).unwrap();
        let WebhookOutcome::UrlValidation(answer) = outcome else { panic!("{outcome:?}") };
        assert_eq!(answer["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(b"qgg8vlvZRS6UYooatFL8Aw");
        assert_eq!(answer["encryptedToken"], hex::encode(mac.finalize().into_bytes()));
    }

    #[test]
    fn the_secret_never_shows_in_debug_or_errors() {
        let v = verifier();
        assert!(!format!("{v:?}").contains(SECRET));
        let err = v.verify(&headers(&sign("x", NOW, BODY), NOW), BODY).unwrap_err();
        assert!(!err.to_string().contains(SECRET));
    }
}
