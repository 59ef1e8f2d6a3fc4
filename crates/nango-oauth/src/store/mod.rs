//! Where connections live: the [`TokenStore`] trait, its SQLite and in-memory stores, encryption
//! at rest and the cross-process refresh lease.

pub mod crypto;
pub mod lease;
pub mod memory;
pub mod sqlite;

use std::fmt;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::token::TokenSet;

/// Whether a connection can be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConnectionStatus {
    /// Usable.
    Active,
    /// The grant is dead; a person must authorise again.
    NeedsReauth {
        /// Why (e.g. the provider's `invalid_grant` reason).
        reason: String,
    },
}

/// One authorised connection of an integration.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The integration's name.
    pub integration: String,
    /// The connection id, chosen by the user.
    pub connection_id: String,
    /// The tokens.
    pub tokens: TokenSet,
    /// Whether it can be used.
    pub status: ConnectionStatus,
    /// When it was first stored.
    pub created_at: SystemTime,
    /// When it was last written.
    pub updated_at: SystemTime,
}

/// Names one connection in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnectionRef<'a> {
    /// The integration's name.
    pub integration: &'a str,
    /// The connection id.
    pub connection_id: &'a str,
}

impl fmt::Display for ConnectionRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.integration, self.connection_id)
    }
}

impl Connection {
    /// This connection's name in a store.
    pub fn key(&self) -> ConnectionRef<'_> {
        ConnectionRef { integration: &self.integration, connection_id: &self.connection_id }
    }
}

/// Storage of connections, shared by every process that uses the same store.
///
/// Implementations must make `put` atomic per connection, and `lease` a real mutual exclusion
/// among all users of the store (a transaction, a row lock), so that only one process refreshes
/// a rotating refresh token at a time. The shape fits SQL stores (SQLite today, Postgres later).
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The connection, if it exists.
    async fn get(&self, key: ConnectionRef<'_>) -> Result<Option<Connection>>;

    /// Creates or replaces the connection.
    async fn put(&self, connection: &Connection) -> Result<()>;

    /// All connections, of one integration or of all.
    async fn list(&self, integration: Option<&str>) -> Result<Vec<Connection>>;

    /// Deletes the connection; whether it existed.
    async fn delete(&self, key: ConnectionRef<'_>) -> Result<bool>;

    /// Tries to take the refresh lease of `key` for `holder` until `now + ttl`. Succeeds when
    /// the lease is free, expired, or already held by `holder` (then it is extended). Returns
    /// at once: whether the lease was taken.
    async fn try_lease(
        &self,
        key: ConnectionRef<'_>,
        holder: &str,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool>;

    /// Releases the lease of `key` if `holder` holds it.
    async fn release(&self, key: ConnectionRef<'_>, holder: &str) -> Result<()>;
}

pub use crypto::Keyring;
pub use memory::MemoryStore;
pub use sqlite::SqliteStore;
