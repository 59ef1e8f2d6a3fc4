//! Four real processes share one SQLite store and call at once on an expired token: the store's
//! lease lets exactly one of them refresh; the others use the stored result.
//!
//! This test has its own `main` (`harness = false`): run plainly it is the parent, which starts
//! the same binary four times with `NANGO_OAUTH_TEST_DB` set; so started, it is a child.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use base64::Engine;
use nango_http::HttpClient;
use nango_oauth::{Keyring, OAuthClient, SqliteStore, TokenStore};
use secrecy::ExposeSecret;
use wiremock::MockServer;

use common::{expired_connection, mount_slow_refresh, zoom_for_uri};

const DB_ENV: &str = "NANGO_OAUTH_TEST_DB";
const SERVER_ENV: &str = "NANGO_OAUTH_TEST_SERVER";
const KEY: [u8; 32] = [5; 32];
const PROCESSES: usize = 4;
const CALLS_PER_PROCESS: usize = 25;

fn main() {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    match (std::env::var_os(DB_ENV), std::env::var(SERVER_ENV)) {
        (Some(db), Ok(server_uri)) => runtime.block_on(child(db.into(), server_uri)),
        _ => {
            runtime.block_on(four_processes_on_one_sqlite_store_refresh_once());
            println!("test four_processes_on_one_sqlite_store_refresh_once ... ok");
        }
    }
}

async fn four_processes_on_one_sqlite_store_refresh_once() {
    let server = MockServer::start().await;
    let refreshes = mount_slow_refresh(&server, server.uri(), Duration::from_millis(400)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("connections.db");
    let store = SqliteStore::open(&db, Keyring::new(KEY, None)).unwrap();
    let mut connection = expired_connection(&server.uri());
    // Expired long ago in real time: the children run on the system clock.
    let obtained_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    connection.tokens.obtained_at = obtained_at;
    connection.tokens.expires_at = Some(obtained_at + Duration::from_secs(3599));
    store.put(&connection).await.unwrap();

    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            Command::new(&exe)
                .env(DB_ENV, &db)
                .env(SERVER_ENV, server.uri())
                .env("NANGO_ENCRYPTION_KEY", base64::engine::general_purpose::STANDARD.encode(KEY))
                .spawn()
                .unwrap()
        })
        .collect();
    let statuses = tokio::task::spawn_blocking(move || {
        children.into_iter().map(|mut c| c.wait().unwrap()).collect::<Vec<_>>()
    })
    .await
    .unwrap();

    for status in statuses {
        assert!(status.success(), "a child process failed: {status}");
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1, "exactly one refresh across processes");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A child: calls `access_token` concurrently through its own store handle and client.
async fn child(db: std::path::PathBuf, server_uri: String) {
    let keys = Keyring::from_env_or_file(&std::path::PathBuf::from("/nonexistent/key")).unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(SqliteStore::open(&db, keys).unwrap());
    let integration = zoom_for_uri(&server_uri, "oauth2_authorization_code");
    let http = HttpClient::builder().build().unwrap();
    let oauth = OAuthClient::new(integration, http, store);

    let calls = (0..CALLS_PER_PROCESS).map(|_| {
        let oauth = oauth.clone();
        tokio::spawn(async move { oauth.access_token("me").await })
    });
    for token in futures::future::join_all(calls).await {
        let token = token.unwrap().unwrap();
        assert_eq!(token.secret().expose_secret(), "eyJzb29tLWFjY2Vzcy0x");
    }
}
