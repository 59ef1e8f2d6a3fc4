use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::store::{
    Connection, ConnectionRef, ConnectionStatus, Keyring, MemoryStore, SqliteStore, TokenStore,
};
use crate::test_support::t0;
use crate::token::TokenSet;

const ACCESS: &str = "canary-access-token-5b1e";
const REFRESH: &str = "canary-refresh-token-9c2d";

fn connection(integration: &str, id: &str, access: &str) -> Connection {
    Connection {
        integration: integration.into(),
        connection_id: id.into(),
        tokens: TokenSet {
            access_token: SecretString::from(access),
            refresh_token: Some(SecretString::from(REFRESH)),
            token_type: "bearer".into(),
            expires_at: Some(t0() + Duration::from_secs(3599)),
            obtained_at: t0(),
            scopes: vec!["user:read".into()],
            extra: BTreeMap::from([("api_url".into(), "https://eu01api.zoom.us".into())]),
        },
        status: ConnectionStatus::Active,
        created_at: t0(),
        updated_at: t0() + Duration::from_millis(1500),
    }
}

fn key<'a>(integration: &'a str, connection_id: &'a str) -> ConnectionRef<'a> {
    ConnectionRef { integration, connection_id }
}

async fn round_trip(store: &dyn TokenStore) {
    assert!(store.get(key("zoom", "a")).await.unwrap().is_none());
    store.put(&connection("zoom", "a", ACCESS)).await.unwrap();
    store.put(&connection("zoom", "b", "other")).await.unwrap();
    store.put(&connection("acme", "a", "third")).await.unwrap();

    let got = store.get(key("zoom", "a")).await.unwrap().unwrap();
    assert_eq!(got.tokens.access_token.expose_secret(), ACCESS);
    assert_eq!(got.tokens.refresh_token.as_ref().unwrap().expose_secret(), REFRESH);
    assert_eq!(got.tokens.expires_at, Some(t0() + Duration::from_secs(3599)));
    assert_eq!(got.tokens.scopes, ["user:read"]);
    assert_eq!(got.tokens.extra_str("api_url"), Some("https://eu01api.zoom.us"));
    assert_eq!(got.updated_at, t0() + Duration::from_millis(1500));
    assert_eq!(got.status, ConnectionStatus::Active);

    let mut marked = got.clone();
    marked.status = ConnectionStatus::NeedsReauth { reason: "invalid_grant".into() };
    store.put(&marked).await.unwrap();
    let got = store.get(key("zoom", "a")).await.unwrap().unwrap();
    assert_eq!(got.status, ConnectionStatus::NeedsReauth { reason: "invalid_grant".into() });

    let zoom: Vec<_> =
        store.list(Some("zoom")).await.unwrap().into_iter().map(|c| c.connection_id).collect();
    assert_eq!(zoom, ["a", "b"]);
    assert_eq!(store.list(None).await.unwrap().len(), 3);

    assert!(store.delete(key("zoom", "b")).await.unwrap());
    assert!(!store.delete(key("zoom", "b")).await.unwrap());
    assert_eq!(store.list(None).await.unwrap().len(), 2);
}

async fn lease_semantics(store: &dyn TokenStore) {
    let k = key("zoom", "a");
    let ttl = Duration::from_secs(60);
    assert!(store.try_lease(k, "p1", ttl, t0()).await.unwrap());
    assert!(!store.try_lease(k, "p2", ttl, t0() + Duration::from_secs(59)).await.unwrap());
    assert!(store.try_lease(k, "p1", ttl, t0() + Duration::from_secs(1)).await.unwrap());
    assert!(store.try_lease(key("zoom", "b"), "p2", ttl, t0()).await.unwrap());
    store.release(k, "p2").await.unwrap();
    assert!(!store.try_lease(k, "p2", ttl, t0() + Duration::from_secs(2)).await.unwrap());
    store.release(k, "p1").await.unwrap();
    assert!(store.try_lease(k, "p2", ttl, t0() + Duration::from_secs(2)).await.unwrap());
    // An expired lease is taken over.
    assert!(store.try_lease(k, "p3", ttl, t0() + Duration::from_secs(63)).await.unwrap());
}

#[tokio::test]
async fn memory_store_round_trip_and_lease() {
    round_trip(&MemoryStore::new()).await;
    lease_semantics(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_store_round_trip_and_lease() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("c.db"), Keyring::random()).unwrap();
    round_trip(&store).await;
    lease_semantics(&store).await;
}

#[tokio::test]
async fn sqlite_leases_are_shared_between_handles_like_processes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let a = SqliteStore::open(&path, Keyring::new([3; 32], None)).unwrap();
    let b = SqliteStore::open(&path, Keyring::new([3; 32], None)).unwrap();
    let ttl = Duration::from_secs(60);
    assert!(a.try_lease(key("zoom", "a"), "pa", ttl, t0()).await.unwrap());
    assert!(!b.try_lease(key("zoom", "a"), "pb", ttl, t0()).await.unwrap());
    a.put(&connection("zoom", "a", ACCESS)).await.unwrap();
    assert!(b.get(key("zoom", "a")).await.unwrap().is_some());
}

#[cfg(unix)]
#[tokio::test]
async fn sqlite_file_is_created_with_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/c.db");
    let store = SqliteStore::open(&path, Keyring::random()).unwrap();
    store.put(&connection("zoom", "a", ACCESS)).await.unwrap();
    for file in [path.clone(), dir.path().join("nested/c.db-wal")] {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
}

fn all_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn sqlite_files_contain_no_token_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("c.db"), Keyring::random()).unwrap();
    store.put(&connection("zoom", "a", ACCESS)).await.unwrap();
    store.put(&connection("zoom", "a", ACCESS)).await.unwrap();
    let bytes = all_bytes(dir.path());
    assert!(contains(&bytes, "zoom"), "the row was written");
    assert!(!contains(&bytes, ACCESS));
    assert!(!contains(&bytes, REFRESH));
    assert!(!contains(&bytes, "eu01api"));
}

#[tokio::test]
async fn sqlite_rows_are_bound_to_their_connection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let store = SqliteStore::open(&path, Keyring::random()).unwrap();
    store.put(&connection("zoom", "a", ACCESS)).await.unwrap();
    store.put(&connection("zoom", "b", "other")).await.unwrap();

    // Swap the sealed payloads of the two rows, as an attacker with file access could.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "CREATE TEMP TABLE t AS SELECT connection_id, nonce, ciphertext FROM connections;
         UPDATE connections SET
           nonce = (SELECT nonce FROM t WHERE t.connection_id <> connections.connection_id),
           ciphertext = (SELECT ciphertext FROM t WHERE t.connection_id <> connections.connection_id);",
    )
    .unwrap();

    let e = store.get(key("zoom", "a")).await.unwrap_err();
    insta::assert_snapshot!(e.to_string());
    assert!(store.get(key("zoom", "b")).await.is_err());
}

#[tokio::test]
async fn sqlite_key_rotation_reads_old_rows_and_rewrites_with_the_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let (old, new) = ([1u8; 32], [2u8; 32]);

    let before = SqliteStore::open(&path, Keyring::new(old, None)).unwrap();
    before.put(&connection("zoom", "a", ACCESS)).await.unwrap();
    drop(before);

    let rotating = SqliteStore::open(&path, Keyring::new(new, Some(old))).unwrap();
    let got = rotating.get(key("zoom", "a")).await.unwrap().unwrap();
    assert_eq!(got.tokens.access_token.expose_secret(), ACCESS);
    rotating.put(&got).await.unwrap();
    drop(rotating);

    let raw = rusqlite::Connection::open(&path).unwrap();
    let key_id: String = raw.query_row("SELECT key_id FROM connections", [], |r| r.get(0)).unwrap();
    assert_eq!(key_id, Keyring::new(new, None).current_id());

    let after = SqliteStore::open(&path, Keyring::new(new, None)).unwrap();
    let got = after.get(key("zoom", "a")).await.unwrap().unwrap();
    assert_eq!(got.tokens.access_token.expose_secret(), ACCESS);

    let stale = SqliteStore::open(&path, Keyring::new(old, None)).unwrap();
    assert!(stale.get(key("zoom", "a")).await.is_err());
}

#[tokio::test]
async fn stores_are_usable_as_trait_objects() {
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::new());
    store.put(&connection("zoom", "a", ACCESS)).await.unwrap();
    assert!(!format!("{store:?}").contains(ACCESS));
}

#[tokio::test]
async fn sqlite_reencrypt_all_retires_the_previous_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let (old, new) = ([1u8; 32], [2u8; 32]);
    let before = SqliteStore::open(&path, Keyring::new(old, None)).unwrap();
    before.put(&connection("zoom", "a", ACCESS)).await.unwrap();
    before.put(&connection("zoom", "b", "other")).await.unwrap();
    drop(before);

    let rotating = SqliteStore::open(&path, Keyring::new(new, Some(old))).unwrap();
    assert_eq!(rotating.reencrypt_all().await.unwrap(), 2);
    assert_eq!(rotating.reencrypt_all().await.unwrap(), 0);
    drop(rotating);

    let after = SqliteStore::open(&path, Keyring::new(new, None)).unwrap();
    assert_eq!(after.list(None).await.unwrap().len(), 2);
}
