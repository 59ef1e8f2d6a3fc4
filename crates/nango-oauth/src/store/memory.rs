//! An in-memory [`TokenStore`] for tests and throwaway sessions.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use crate::error::Result;
use crate::store::{Connection, ConnectionRef, TokenStore};

type Key = (String, String);

/// Connections in a map; the lease is shared by every user of the same `MemoryStore`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    connections: Mutex<HashMap<Key, Connection>>,
    leases: Mutex<HashMap<Key, (String, SystemTime)>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

fn key(k: ConnectionRef<'_>) -> Key {
    (k.integration.to_owned(), k.connection_id.to_owned())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn get(&self, k: ConnectionRef<'_>) -> Result<Option<Connection>> {
        Ok(lock(&self.connections).get(&key(k)).cloned())
    }

    async fn put(&self, connection: &Connection) -> Result<()> {
        lock(&self.connections).insert(key(connection.key()), connection.clone());
        Ok(())
    }

    async fn list(&self, integration: Option<&str>) -> Result<Vec<Connection>> {
        let mut all: Vec<Connection> = lock(&self.connections)
            .values()
            .filter(|c| integration.is_none_or(|i| c.integration == i))
            .cloned()
            .collect();
        all.sort_by(|a, b| {
            (&a.integration, &a.connection_id).cmp(&(&b.integration, &b.connection_id))
        });
        Ok(all)
    }

    async fn delete(&self, k: ConnectionRef<'_>) -> Result<bool> {
        Ok(lock(&self.connections).remove(&key(k)).is_some())
    }

    async fn try_lease(
        &self,
        k: ConnectionRef<'_>,
        holder: &str,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool> {
        let mut leases = lock(&self.leases);
        let free = match leases.get(&key(k)) {
            None => true,
            Some((h, until)) => h == holder || *until <= now,
        };
        if free {
            leases.insert(key(k), (holder.to_owned(), now + ttl));
        }
        Ok(free)
    }

    async fn release(&self, k: ConnectionRef<'_>, holder: &str) -> Result<()> {
        let mut leases = lock(&self.leases);
        if leases.get(&key(k)).is_some_and(|(h, _)| h == holder) {
            leases.remove(&key(k));
        }
        Ok(())
    }
}
