//! A Zoom webhook endpoint with axum: verifies `x-zm-signature` against the raw body, answers
//! Zoom's `endpoint.url_validation` challenge, and rejects tampered deliveries and stale ones
//! (a timestamp more than 5 minutes away). A replay inside those 5 minutes passes the signature
//! check: make event handling idempotent, e.g. by remembering each event's `event_ts` and
//! payload id for a few minutes.
//!
//! ```sh
//! ZOOM_WEBHOOK_SECRET_TOKEN=... cargo run -p nango-zoom --example webhook_server
//! ```
//! Then point the app's Event Subscription at `https://<your host>/webhooks/zoom`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use nango_http::SystemClock;
use nango_zoom::webhook::{WebhookOutcome, WebhookVerifier};
use secrecy::SecretString;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let secret = std::env::var("ZOOM_WEBHOOK_SECRET_TOKEN").map_err(|_| {
        std::io::Error::other("set ZOOM_WEBHOOK_SECRET_TOKEN to the app's secret token")
    })?;
    let verifier =
        Arc::new(WebhookVerifier::new(SecretString::from(secret), SystemClock::shared()));
    let app = Router::new().route("/webhooks/zoom", post(receive)).with_state(verifier);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8088").await?;
    eprintln!("listening on http://{}/webhooks/zoom", listener.local_addr()?);
    axum::serve(listener, app).await
}

/// Verify first, on the raw bytes; answer within Zoom's 3 seconds and do slow work elsewhere.
async fn receive(
    State(verifier): State<Arc<WebhookVerifier>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match verifier.handle(&headers, &body) {
        Ok(WebhookOutcome::UrlValidation(answer)) => Json(answer).into_response(),
        Ok(WebhookOutcome::Event(event)) => {
            tracing::info!(event = %event.event, "zoom event");
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => (StatusCode::UNAUTHORIZED, error.to_string()).into_response(),
    }
}
