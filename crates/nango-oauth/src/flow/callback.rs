//! The loopback redirect listener: receives the authorization callback on the redirect URI's
//! host and port, checks `state` before anything else, and answers a small HTML page.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use nango_http::Clock;
use secrecy::SecretString;
use tokio::sync::oneshot;
use url::Url;

use crate::error::{Error, Result};
use crate::pkce::FlowSecrets;

type Outcome = Result<SecretString>;

/// Where a redirect URI says to listen: a loopback address and a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoopbackTarget {
    pub(crate) addr: SocketAddr,
    pub(crate) path: String,
}

/// Reads a loopback redirect URI (`http://127.0.0.1:PORT/path`, `localhost` or `[::1]`).
pub(crate) fn loopback_target(redirect_uri: &str) -> std::result::Result<LoopbackTarget, String> {
    let url = Url::parse(redirect_uri).map_err(|_| "the redirect URI is not a URL".to_owned())?;
    let ip = match url.host() {
        Some(url::Host::Domain("localhost")) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) if ip == Ipv6Addr::LOCALHOST => IpAddr::V6(ip),
        _ => {
            return Err(format!(
                "the redirect URI {redirect_uri} is not on loopback (127.0.0.1, localhost or \
                 [::1]), so nango cannot receive the callback itself"
            ));
        }
    };
    if url.scheme() != "http" {
        return Err("a loopback redirect URI must use http".into());
    }
    let port = url.port_or_known_default().unwrap_or(80);
    Ok(LoopbackTarget { addr: SocketAddr::new(ip, port), path: url.path().to_owned() })
}

struct Shared {
    secrets_state: FlowState,
    outcome: Mutex<Option<oneshot::Sender<Outcome>>>,
}

/// The state this flow issued; compared in constant time.
struct FlowState(String);

impl FlowState {
    fn matches(&self, received: Option<&str>) -> bool {
        FlowSecrets::state_eq(&self.0, received)
    }
}

/// A bound listener waiting for one callback.
pub(crate) struct CallbackListener {
    outcome: oneshot::Receiver<Outcome>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl CallbackListener {
    /// Binds the redirect URI's address and serves its path until the first callback.
    pub(crate) async fn bind(
        integration: &str,
        redirect_uri: &str,
        secrets: &FlowSecrets,
    ) -> Result<Self> {
        let target = loopback_target(redirect_uri)
            .map_err(|detail| Error::Config { integration: integration.to_owned(), detail })?;
        let listener = tokio::net::TcpListener::bind(target.addr)
            .await
            .map_err(|e| Error::io(format!("listening on {} for the callback", target.addr), e))?;

        let check = FlowState(secrets.state().to_owned());
        let (tx, rx) = oneshot::channel();
        let shared = Arc::new(Shared { secrets_state: check, outcome: Mutex::new(Some(tx)) });
        let router =
            axum::Router::new().route(&target.path, axum::routing::get(handle)).with_state(shared);
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::debug!(error = %e, "callback listener stopped");
            }
        });
        Ok(Self { outcome: rx, shutdown: Some(stop) })
    }

    /// Waits for the callback, at most `timeout` on `clock`.
    pub(crate) async fn wait(mut self, clock: &Arc<dyn Clock>, timeout: Duration) -> Outcome {
        let outcome = tokio::select! {
            biased;
            outcome = &mut self.outcome => outcome.unwrap_or_else(|_| {
                Err(Error::io("the callback listener", std::io::ErrorKind::BrokenPipe.into()))
            }),
            () = clock.sleep(timeout) => Err(Error::CallbackTimeout { after: timeout }),
        };
        self.stop();
        outcome
    }

    fn stop(&mut self) {
        if let Some(stop) = self.shutdown.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for CallbackListener {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
) -> (StatusCode, Html<&'static str>) {
    let outcome = read_callback(&shared.secrets_state, &params);
    if matches!(outcome, Err(Error::StateMismatch)) {
        // Not the answer to our request (any web page can make a browser call a loopback URL):
        // refuse it and keep waiting for the real one.
        tracing::debug!("a callback with a missing or wrong state was refused; still waiting");
        return (StatusCode::BAD_REQUEST, Html(FAILED));
    }
    let page = if outcome.is_ok() {
        (StatusCode::OK, Html(DONE))
    } else {
        (StatusCode::BAD_REQUEST, Html(FAILED))
    };
    let sender = shared.outcome.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(sender) = sender {
        let _ = sender.send(outcome);
    }
    page
}

/// Reads a callback a person pasted: a whole URL, or its query string with or without `?`.
pub(crate) fn read_pasted_callback(secrets: &FlowSecrets, pasted: &str) -> Outcome {
    let pasted = pasted.trim();
    let query = match Url::parse(pasted) {
        Ok(url) => url.query().unwrap_or("").to_owned(),
        Err(_) => pasted.trim_start_matches('?').to_owned(),
    };
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    read_callback(&FlowState(secrets.state().to_owned()), &params)
}

/// Checks a callback's parameters: `state` first (constant time), then `error`, then `code`.
fn read_callback(state: &FlowState, params: &HashMap<String, String>) -> Outcome {
    if !state.matches(params.get("state").map(String::as_str)) {
        return Err(Error::StateMismatch);
    }
    if let Some(error) = params.get("error") {
        return Err(Error::AuthorizationDenied {
            error: printable(error),
            description: params.get("error_description").map(|d| printable(d)),
        });
    }
    match params.get("code").filter(|c| !c.is_empty()) {
        Some(code) => Ok(SecretString::from(code.clone())),
        None => Err(Error::AuthorizationDenied {
            error: "missing_code".into(),
            description: Some("the callback carried no code".into()),
        }),
    }
}

/// Text from the callback as it may reach a terminal: no control characters (an escape
/// sequence in `error=` must not repaint the user's screen), at most 200 characters.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

const DONE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>nango</title></head>\
<body><h1>Authorisation received</h1><p>nango is finishing the connection; your terminal says \
whether it succeeded. You can close this window.</p></body></html>";

const FAILED: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>nango</title></head>\
<body><h1>Not connected</h1><p>The authorisation did not complete. See the terminal for what \
to do next.</p></body></html>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_targets() {
        let t = loopback_target("http://localhost:53682/callback").unwrap();
        assert_eq!(t.addr, "127.0.0.1:53682".parse().unwrap());
        assert_eq!(t.path, "/callback");
        assert!(loopback_target("http://[::1]:9/cb").is_ok());
        assert!(loopback_target("http://127.0.0.1:9/").is_ok());
        for bad in ["https://example.com/cb", "http://10.0.0.1:80/cb", "ftp://127.0.0.1/", "x"] {
            assert!(loopback_target(bad).is_err(), "{bad}");
        }
    }

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn pasted_callbacks_are_checked_like_received_ones() {
        let secrets = FlowSecrets::fixed("good", None);
        let url = "http://127.0.0.1:1/cb?code=c1&state=good";
        let code = read_pasted_callback(&secrets, url).unwrap();
        assert_eq!(secrecy::ExposeSecret::expose_secret(&code), "c1");
        assert!(read_pasted_callback(&secrets, "?code=c1&state=good").is_ok());
        assert!(read_pasted_callback(&secrets, "code=c1&state=good").is_ok());
        let forged = read_pasted_callback(&secrets, "code=c1&state=bad");
        assert!(matches!(forged, Err(Error::StateMismatch)));
    }

    #[test]
    fn state_is_checked_before_anything_else() {
        let secrets = FlowSecrets::fixed("good", None);
        let check = FlowState(secrets.state().to_owned());
        let wrong = read_callback(&check, &params(&[("code", "c"), ("state", "bad")]));
        assert!(matches!(wrong, Err(Error::StateMismatch)));
        let missing = read_callback(&check, &params(&[("code", "c")]));
        assert!(matches!(missing, Err(Error::StateMismatch)));
        let denied =
            read_callback(&check, &params(&[("error", "access_denied"), ("state", "good")]));
        assert_eq!(denied.unwrap_err().oauth_error(), Some("access_denied"));
        assert!(read_callback(&check, &params(&[("code", "c"), ("state", "good")])).is_ok());
    }
}
