//! Starting and stopping the server, and the connection loop that can drop a connection
//! without an answer.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tower::Service as _;
use tracing::Instrument as _;

use crate::config::SandboxConfig;
use crate::control::SandboxControl;
use crate::faults::{self, ConnectionKill};
use crate::state::Shared;
use crate::{admin, api, ids, oauth};

/// Starts sandboxes.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// Binds `127.0.0.1:<port>` (a free port when `cfg.port` is `None`) and serves on a tokio
    /// task until [`RunningSandbox::shutdown`].
    ///
    /// # Errors
    /// When the port cannot be bound.
    pub async fn start(cfg: SandboxConfig) -> std::io::Result<RunningSandbox> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, cfg.port.unwrap_or(0))).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let shared = Arc::new(Shared::new(&cfg, base_url));
        let app = router(shared.clone());
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, app, stopped));
        tracing::info!(%addr, plan = ?cfg.plan, "zoom sandbox listening");

        Ok(RunningSandbox {
            inner: Arc::new(Inner { addr, shared, stop, task: Mutex::new(Some(task)) }),
        })
    }
}

/// A running sandbox. Clones share the same server.
#[derive(Debug, Clone)]
pub struct RunningSandbox {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl RunningSandbox {
    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: the base of both `/oauth/*` and
    /// `/v2/*`.
    pub fn base_url(&self) -> String {
        self.inner.shared.settings.base_url.clone()
    }

    /// The test controls.
    pub fn control(&self) -> SandboxControl {
        SandboxControl { shared: self.inner.shared.clone() }
    }

    /// Stops accepting, closes every open connection, and waits for the server task.
    pub async fn shutdown(self) {
        let _ = self.inner.stop.send(true);
        let task = self.inner.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        tracing::info!(addr = %self.inner.addr, "zoom sandbox stopped");
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(oauth::routes())
        .merge(api::routes(shared.clone()))
        .merge(admin::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), faults::apply))
        .layer(middleware::from_fn_with_state(shared.clone(), common))
        .with_state(shared)
}

async fn not_found() -> Response {
    api::api_error(axum::http::StatusCode::NOT_FOUND, 404, "Not Found.")
}

/// Outermost middleware: counts the request, logs it, and adds `x-zm-trackingid`.
async fn common(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    if !path.starts_with("/_sandbox/") {
        shared.stats_mut(|s| s.requests += 1);
    }
    let span = tracing::debug_span!("request", %method, path);
    let mut response = next.run(req).instrument(span).await;
    tracing::debug!(%method, path, status = response.status().as_u16(), "answered");
    if let Ok(value) = HeaderValue::from_str(&ids::tracking_id()) {
        response.headers_mut().insert("x-zm-trackingid", value);
    }
    response
}

async fn accept_loop(listener: TcpListener, app: Router, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, app.clone(), stopped.clone()));
                }
                Err(error) => tracing::warn!(%error, "accept failed"),
            },
        }
    }
}

/// Serves one connection until it ends, the sandbox stops, or a fault kills it (which drops
/// the socket without an answer).
async fn serve_connection(stream: TcpStream, app: Router, mut stopped: watch::Receiver<bool>) {
    let kill = Arc::new(Notify::new());
    let on_request = kill.clone();
    let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnectionKill(on_request.clone()));
        app.clone().call(req)
    });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);

    tokio::select! {
        result = connection => {
            if let Err(error) = result {
                tracing::trace!(%error, "connection ended with an error");
            }
        }
        _ = kill.notified() => tracing::debug!("connection dropped by fault"),
        _ = stopped.changed() => {}
    }
}
