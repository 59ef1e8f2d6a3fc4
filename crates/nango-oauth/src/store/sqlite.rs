//! The embedded default [`TokenStore`]: one SQLite file (WAL, mode 0600), token payloads sealed
//! with AES-256-GCM, the refresh lease taken in an immediate transaction.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::error::{Error, Result};
use crate::store::crypto::{Keyring, Sealed};
use crate::store::{Connection, ConnectionRef, ConnectionStatus, TokenStore};
use crate::token::TokenSet;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS connections (
    integration   TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    nonce         BLOB NOT NULL,
    ciphertext    BLOB NOT NULL,
    status        TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (integration, connection_id)
);
CREATE TABLE IF NOT EXISTS refresh_leases (
    integration   TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    holder        TEXT NOT NULL,
    until_ms      INTEGER NOT NULL,
    PRIMARY KEY (integration, connection_id)
);
";

/// How long a statement waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A SQLite token store. Cheap to clone; every clone shares one database handle.
#[derive(Clone)]
pub struct SqliteStore {
    db: Arc<Mutex<rusqlite::Connection>>,
    keys: Arc<Keyring>,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).field("keys", &self.keys).finish()
    }
}

impl SqliteStore {
    /// Opens (creating with mode 0600 if needed) the store at `path`, sealing with `keys`.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be created, [`Error::Store`] when SQLite fails.
    pub fn open(path: &Path, keys: Keyring) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        match crate::home::create_private(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(format!("creating {}", path.display()), e)),
        }
        let db = rusqlite::Connection::open(path).map_err(Error::store)?;
        db.busy_timeout(BUSY_TIMEOUT).map_err(Error::store)?;
        db.pragma_update(None, "journal_mode", "WAL").map_err(Error::store)?;
        db.pragma_update(None, "synchronous", "NORMAL").map_err(Error::store)?;
        db.execute_batch(SCHEMA).map_err(Error::store)?;
        Ok(Self { db: Arc::new(Mutex::new(db)), keys: Arc::new(keys), path: path.to_owned() })
    }

    /// Opens the default store, `$NANGO_HOME/connections.db`, with the keyring from the
    /// environment or `$NANGO_HOME/key`.
    ///
    /// # Errors
    /// As [`SqliteStore::open`] and [`Keyring::from_env_or_file`].
    pub fn open_default() -> Result<Self> {
        let home = crate::home::nango_home();
        let keys = Keyring::from_env_or_file(&crate::home::key_file(&home))?;
        Self::open(&crate::home::store_file(&home), keys)
    }

    /// Re-encrypts with the current key every row sealed with another key, so that the previous
    /// key can be retired after a rotation; returns how many rows were rewritten.
    ///
    /// # Errors
    /// [`Error::Crypto`] when a row cannot be opened with the keyring; [`Error::Store`].
    pub async fn reencrypt_all(&self) -> Result<usize> {
        self.run(|db, keys| {
            let tx = db
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(Error::store)?;
            let rows = {
                let mut stmt = tx.prepare(SELECT).map_err(Error::store)?;
                stmt.query_map([], read_row)
                    .map_err(Error::store)?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(Error::store)?
            };
            let mut rewritten = 0;
            for row in rows.into_iter().filter(|r| r.sealed.key_id != keys.current_id()) {
                let aad = aad(&row.integration, &row.connection_id);
                let sealed = keys.seal(&keys.open(&row.sealed, &aad)?, &aad)?;
                tx.execute(
                    "UPDATE connections SET key_id = ?3, nonce = ?4, ciphertext = ?5 \
                     WHERE integration = ?1 AND connection_id = ?2",
                    params![
                        row.integration,
                        row.connection_id,
                        sealed.key_id,
                        sealed.nonce,
                        sealed.ciphertext
                    ],
                )
                .map_err(Error::store)?;
                rewritten += 1;
            }
            tx.commit().map_err(Error::store)?;
            Ok(rewritten)
        })
        .await
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection, &Keyring) -> Result<T> + Send + 'static,
    {
        let db = self.db.clone();
        let keys = self.keys.clone();
        tokio::task::spawn_blocking(move || {
            let mut db = db.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut db, &keys)
        })
        .await
        .map_err(|e| Error::store(format!("store task failed: {e}")))?
    }
}

fn aad(integration: &str, connection_id: &str) -> Vec<u8> {
    format!("{integration}/{connection_id}").into_bytes()
}

fn millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn from_millis(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

struct Row {
    integration: String,
    connection_id: String,
    sealed: Sealed,
    status: String,
    created_at_ms: i64,
    updated_at_ms: i64,
}

const SELECT: &str = "SELECT integration, connection_id, key_id, nonce, ciphertext, status, \
                      created_at_ms, updated_at_ms FROM connections";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        integration: row.get(0)?,
        connection_id: row.get(1)?,
        sealed: Sealed { key_id: row.get(2)?, nonce: row.get(3)?, ciphertext: row.get(4)? },
        status: row.get(5)?,
        created_at_ms: row.get(6)?,
        updated_at_ms: row.get(7)?,
    })
}

fn decode(row: Row, keys: &Keyring) -> Result<Connection> {
    let plaintext = keys.open(&row.sealed, &aad(&row.integration, &row.connection_id))?;
    let tokens: TokenSet = serde_json::from_slice(&plaintext)
        .map_err(|e| Error::store(format!("unreadable token payload: {e}")))?;
    let status: ConnectionStatus = serde_json::from_str(&row.status)
        .map_err(|e| Error::store(format!("unreadable status: {e}")))?;
    Ok(Connection {
        integration: row.integration,
        connection_id: row.connection_id,
        tokens,
        status,
        created_at: from_millis(row.created_at_ms),
        updated_at: from_millis(row.updated_at_ms),
    })
}

#[async_trait]
impl TokenStore for SqliteStore {
    async fn get(&self, key: ConnectionRef<'_>) -> Result<Option<Connection>> {
        let (i, c) = (key.integration.to_owned(), key.connection_id.to_owned());
        self.run(move |db, keys| {
            let sql = format!("{SELECT} WHERE integration = ?1 AND connection_id = ?2");
            let row =
                db.query_row(&sql, params![i, c], read_row).optional().map_err(Error::store)?;
            row.map(|r| decode(r, keys)).transpose()
        })
        .await
    }

    async fn put(&self, connection: &Connection) -> Result<()> {
        let connection = connection.clone();
        self.run(move |db, keys| {
            let payload = serde_json::to_vec(&connection.tokens)
                .map_err(|e| Error::store(format!("encoding tokens: {e}")))?;
            let sealed =
                keys.seal(&payload, &aad(&connection.integration, &connection.connection_id))?;
            let status = serde_json::to_string(&connection.status)
                .map_err(|e| Error::store(format!("encoding status: {e}")))?;
            db.execute(
                "INSERT INTO connections (integration, connection_id, key_id, nonce, ciphertext, \
                 status, created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (integration, connection_id) DO UPDATE SET key_id = ?3, nonce = ?4, \
                 ciphertext = ?5, status = ?6, updated_at_ms = ?8",
                params![
                    connection.integration,
                    connection.connection_id,
                    sealed.key_id,
                    sealed.nonce,
                    sealed.ciphertext,
                    status,
                    millis(connection.created_at),
                    millis(connection.updated_at),
                ],
            )
            .map_err(Error::store)?;
            Ok(())
        })
        .await
    }

    async fn list(&self, integration: Option<&str>) -> Result<Vec<Connection>> {
        let integration = integration.map(str::to_owned);
        self.run(move |db, keys| {
            let sql = format!(
                "{SELECT} WHERE ?1 IS NULL OR integration = ?1 ORDER BY integration, connection_id"
            );
            let mut stmt = db.prepare(&sql).map_err(Error::store)?;
            let rows = stmt
                .query_map(params![integration], read_row)
                .map_err(Error::store)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(Error::store)?;
            rows.into_iter().map(|r| decode(r, keys)).collect()
        })
        .await
    }

    async fn delete(&self, key: ConnectionRef<'_>) -> Result<bool> {
        let (i, c) = (key.integration.to_owned(), key.connection_id.to_owned());
        self.run(move |db, _| {
            let n = db
                .execute(
                    "DELETE FROM connections WHERE integration = ?1 AND connection_id = ?2",
                    params![i, c],
                )
                .map_err(Error::store)?;
            Ok(n > 0)
        })
        .await
    }

    async fn try_lease(
        &self,
        key: ConnectionRef<'_>,
        holder: &str,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool> {
        let (i, c, h) =
            (key.integration.to_owned(), key.connection_id.to_owned(), holder.to_owned());
        self.run(move |db, _| {
            let tx = db
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(Error::store)?;
            let current: Option<(String, i64)> = tx
                .query_row(
                    "SELECT holder, until_ms FROM refresh_leases \
                     WHERE integration = ?1 AND connection_id = ?2",
                    params![i, c],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(Error::store)?;
            let free = current.is_none_or(|(holder, until)| holder == h || until <= millis(now));
            if free {
                tx.execute(
                    "INSERT INTO refresh_leases (integration, connection_id, holder, until_ms) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (integration, connection_id) \
                     DO UPDATE SET holder = ?3, until_ms = ?4",
                    params![i, c, h, millis(now + ttl)],
                )
                .map_err(Error::store)?;
            }
            tx.commit().map_err(Error::store)?;
            Ok(free)
        })
        .await
    }

    async fn release(&self, key: ConnectionRef<'_>, holder: &str) -> Result<()> {
        let (i, c, h) =
            (key.integration.to_owned(), key.connection_id.to_owned(), holder.to_owned());
        self.run(move |db, _| {
            db.execute(
                "DELETE FROM refresh_leases WHERE integration = ?1 AND connection_id = ?2 \
                 AND holder = ?3",
                params![i, c, h],
            )
            .map_err(Error::store)?;
            Ok(())
        })
        .await
    }
}
