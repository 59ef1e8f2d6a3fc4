//! Provider-neutral OAuth2 and the token lifecycle for nango.
//!
//! - Flows, driven by the integration's blueprint: authorization code with PKCE (S256) and a
//!   constant-time-checked `state` on a loopback callback ([`OAuthClient::connect`]); client
//!   credentials, Zoom's `account_credentials` included
//!   ([`OAuthClient::connect_client_credentials`]); revocation.
//! - A lenient token parser ([`parse::parse_token_response`]) that accepts what real providers
//!   send and names the field of anything else.
//! - Rotation-safe refresh: proactive within a margin capped at half the lifetime, reactive once
//!   after a rejection, single flight per connection in a process (async mutex) and across
//!   processes (the store's lease), the new pair persisted before use, `invalid_grant` turned
//!   into [`Error::NeedsReauth`] with the record kept.
//! - [`TokenStore`]: [`SqliteStore`] (WAL, mode 0600, AES-256-GCM at rest with the connection as
//!   associated data, key rotation) and [`MemoryStore`].
//! - [`Session`]: signs API requests and replays once after a refresh; [`Session::pages`] and
//!   [`Session::items`] follow a listing's cursor as the blueprint declares it, lazily.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! # async fn demo(integration: nango_config::Integration) -> Result<(), nango_oauth::Error> {
//! let http = nango_http::HttpClient::builder().build()?;
//! let store = Arc::new(nango_oauth::SqliteStore::open_default()?);
//! let oauth = nango_oauth::OAuthClient::new(Arc::new(integration), http.clone(), store);
//! oauth.connect("me", &nango_oauth::PrintBrowser, Duration::from_secs(300)).await?;
//! let session = nango_oauth::Session::new(oauth, http, "me");
//! let me: serde_json::Value = session.request_json(http::Method::GET, "/users/me", None).await?;
//! # let _ = me; Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod browser;
pub mod client;
pub mod clients;
pub mod error;
pub mod flow;
pub mod home;
pub mod pages;
pub mod parse;
pub mod pkce;
pub(crate) mod refresh;
pub mod session;
pub mod store;
pub mod token;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

pub use browser::{Browser, HttpBrowser, PrintBrowser};
pub use client::OAuthClient;
pub use error::{Error, Result};
pub use flow::PendingAuthorization;
pub use home::nango_home;
pub use pages::{ListPage, Page, PaginationProblem};
pub use session::Session;
pub use store::{
    Connection, ConnectionRef, ConnectionStatus, Keyring, MemoryStore, SqliteStore, TokenStore,
};
pub use token::{AccessToken, TokenSet};
