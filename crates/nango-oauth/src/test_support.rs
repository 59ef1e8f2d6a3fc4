//! Builders shared by the unit tests.

use std::time::Duration;

use nango_config::Integration;
use nango_config::blueprint::{AuthMode, Blueprint};
use secrecy::SecretString;

pub(crate) const CANARY_SECRET: &str = "canary-client-secret-7f3a";

pub(crate) fn integration(mode: AuthMode, token_url: &str) -> Integration {
    let mode = match mode {
        AuthMode::Oauth2AuthorizationCode => "oauth2_authorization_code",
        AuthMode::Oauth2ClientCredentials => "oauth2_client_credentials",
    };
    let blueprint: Blueprint = serde_json::from_value(serde_json::json!({
        "name": "acme",
        "version": "v0",
        "display_name": "Acme",
        "auth": { "mode": mode, "token_url": token_url, "scopes_on_authorize": false },
        "api": { "base_url": "https://api.acme.test/v1" },
    }))
    .unwrap();
    Integration {
        name: "acme".into(),
        blueprint_ref: "acme:v0".into(),
        blueprint,
        oauth_client_id: "client-1".into(),
        oauth_client_secret: Some(SecretString::from(CANARY_SECRET)),
        oauth_scopes: vec![],
        redirect_uri: None,
        account_id: None,
        rate_limit_plan: None,
    }
}

pub(crate) fn zoom_user_integration(redirect_uri: &str) -> Integration {
    let mut i = integration(AuthMode::Oauth2AuthorizationCode, "https://zoom.us/oauth/token");
    i.name = "zoom".into();
    i.blueprint.name = "zoom".into();
    i.blueprint.auth.authorization_url = Some("https://zoom.us/oauth/authorize".into());
    i.blueprint.auth.revoke_url = Some("https://zoom.us/oauth/revoke".into());
    i.blueprint.api.base_url = "https://api.zoom.us/v2".into();
    i.blueprint.api.base_url_from_token_field = Some("api_url".into());
    i.oauth_scopes = vec!["user:read".into()];
    i.redirect_uri = Some(redirect_uri.into());
    i
}

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use nango_http::{
    Clock, HttpClient, HttpError, HttpErrorKind, ManualClock, RequestContext, Response,
};

use crate::flow::exchange::Transport;

/// Sends requests once with a plain reqwest client and reads them like nango-http's generic
/// policy: 2xx success, 401 auth rejected, other statuses an error carrying the body.
#[derive(Debug, Clone)]
pub(crate) struct DirectTransport {
    client: reqwest::Client,
}

impl DirectTransport {
    pub(crate) fn new() -> Arc<Self> {
        Self::with_timeout(Duration::from_secs(10))
    }

    pub(crate) fn with_timeout(timeout: Duration) -> Arc<Self> {
        let client = reqwest::Client::builder().timeout(timeout).build().unwrap();
        Arc::new(Self { client })
    }
}

#[async_trait]
impl Transport for DirectTransport {
    async fn send(
        &self,
        request: reqwest::Request,
        ctx: &RequestContext,
    ) -> Result<Response, HttpError> {
        let method = request.method().to_string();
        let path = ctx.api_path.clone().unwrap_or_default();
        let response = self.client.execute(request).await.map_err(|e| {
            let kind = if e.is_timeout() {
                HttpErrorKind::Timeout { sent: true }
            } else if e.is_connect() {
                HttpErrorKind::Connect
            } else {
                HttpErrorKind::Transport
            };
            HttpError::new(kind, &method, &path).with_attempts(1)
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|_| {
            HttpError::new(HttpErrorKind::Transport, &method, &path).with_attempts(1)
        })?;
        if status.is_success() {
            return Ok(Response { status, headers, body, attempts: 1, request_id: None });
        }
        let kind = if status.as_u16() == 401 {
            HttpErrorKind::AuthRejected
        } else {
            HttpErrorKind::Status
        };
        Err(HttpError::new(kind, &method, &path)
            .with_attempts(1)
            .with_status(status)
            .with_body(body))
    }
}

/// A fixed start of virtual time.
pub(crate) fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// An HTTP client on a manual clock starting at [`t0`].
pub(crate) fn manual_http() -> (HttpClient, ManualClock) {
    let clock = ManualClock::new(t0());
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    (HttpClient::builder().clock(shared).build().unwrap(), clock)
}

/// Virtual time that stands still, with sleeps that really wait: for "processes" that poll a
/// lease held by another while the holder's token request is in flight.
#[derive(Debug)]
pub(crate) struct PollingClock(ManualClock);

impl Clock for PollingClock {
    fn now(&self) -> std::time::Instant {
        self.0.now()
    }

    fn now_utc(&self) -> SystemTime {
        self.0.now_utc()
    }

    #[allow(clippy::disallowed_methods)]
    fn sleep(&self, duration: Duration) -> nango_http::time::Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// An HTTP client on a [`PollingClock`] at [`t0`].
pub(crate) fn polling_http() -> HttpClient {
    let clock: Arc<dyn Clock> = Arc::new(PollingClock(ManualClock::new(t0())));
    HttpClient::builder().clock(clock).build().unwrap()
}
