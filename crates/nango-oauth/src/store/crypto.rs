//! Encryption at rest: AES-256-GCM with the connection bound as associated data.
//!
//! Each write uses a fresh random 96-bit nonce and the current key; each row records the id of
//! its key, so after a rotation rows written with the previous key are still read, and are
//! re-encrypted with the new key on their next write.

use std::fmt;
use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Environment variable holding the current key (base64 of 32 bytes).
pub const KEY_ENV: &str = "NANGO_ENCRYPTION_KEY";
/// Environment variable holding the previous key during a rotation.
pub const PREVIOUS_KEY_ENV: &str = "NANGO_ENCRYPTION_KEY_PREVIOUS";

/// One sealed payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Which key sealed it.
    pub key_id: String,
    /// The 96-bit nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext with its tag.
    pub ciphertext: Vec<u8>,
}

struct NamedKey {
    id: String,
    cipher: Aes256Gcm,
}

impl NamedKey {
    fn new(bytes: &[u8; 32]) -> Self {
        let digest = Sha256::digest(bytes);
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Self { id, cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(*bytes)) }
    }
}

/// The keys of encryption at rest: the current one, and during a rotation the previous one.
pub struct Keyring {
    current: NamedKey,
    previous: Option<NamedKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current.id)
            .field("previous", &self.previous.as_ref().map(|k| &k.id))
            .finish()
    }
}

impl Keyring {
    /// A keyring of raw 32-byte keys.
    pub fn new(current: [u8; 32], previous: Option<[u8; 32]>) -> Self {
        Self { current: NamedKey::new(&current), previous: previous.as_ref().map(NamedKey::new) }
    }

    /// A keyring with one random key (tests and throwaway stores).
    pub fn random() -> Self {
        Self::new(rand::random(), None)
    }

    /// The keyring from `NANGO_ENCRYPTION_KEY` (and `NANGO_ENCRYPTION_KEY_PREVIOUS`), or else
    /// from the key file `key_file`, generated (mode 0600) when missing.
    ///
    /// # Errors
    /// [`Error::Crypto`] for a malformed key, [`Error::Io`] when the key file cannot be read or
    /// created.
    pub fn from_env_or_file(key_file: &Path) -> Result<Self> {
        let current = std::env::var(KEY_ENV).ok();
        let previous = std::env::var(PREVIOUS_KEY_ENV).ok();
        Self::from_sources(current.as_deref(), previous.as_deref(), key_file)
    }

    /// [`Keyring::from_env_or_file`] with the variables' values given.
    ///
    /// # Errors
    /// As [`Keyring::from_env_or_file`].
    pub fn from_sources(
        current: Option<&str>,
        previous: Option<&str>,
        key_file: &Path,
    ) -> Result<Self> {
        let previous = previous.map(|p| decode_key(p, PREVIOUS_KEY_ENV)).transpose()?;
        let current = match current {
            Some(c) => decode_key(c, KEY_ENV)?,
            None => key_from_file(key_file)?,
        };
        Ok(Self::new(current, previous))
    }

    /// The id of the current key.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plaintext` with the current key, binding `aad`.
    ///
    /// # Errors
    /// [`Error::Crypto`] if encryption fails.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Sealed> {
        let nonce_bytes: [u8; 12] = rand::random();
        let nonce = Nonce::from(nonce_bytes);
        let ciphertext = self
            .current
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad })
            .map_err(|_| crypto("encryption failed"))?;
        Ok(Sealed { key_id: self.current.id.clone(), nonce: nonce_bytes.to_vec(), ciphertext })
    }

    /// Opens `sealed`, checking it was sealed with `aad`.
    ///
    /// # Errors
    /// [`Error::Crypto`] when its key is unknown, or it was tampered with or moved to another
    /// connection.
    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Vec<u8>> {
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == sealed.key_id)
            .ok_or_else(|| {
                crypto(format!(
                    "the row was encrypted with key {} which is neither {KEY_ENV} nor \
                     {PREVIOUS_KEY_ENV}",
                    sealed.key_id
                ))
            })?;
        let nonce: [u8; 12] =
            sealed.nonce.as_slice().try_into().map_err(|_| crypto("malformed nonce"))?;
        key.cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: &sealed.ciphertext, aad })
            .map_err(|_| crypto("decryption failed: the row was altered or belongs elsewhere"))
    }
}

fn decode_key(text: &str, name: &str) -> Result<[u8; 32]> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| crypto(format!("{name} is not base64")))?;
    bytes.try_into().map_err(|_| crypto(format!("{name} must decode to 32 bytes")))
}

fn key_from_file(path: &Path) -> Result<[u8; 32]> {
    match std::fs::read_to_string(path) {
        Ok(text) => return decode_key(&text, &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("reading key file {}", path.display()), e)),
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    let key: [u8; 32] = rand::random();
    let text = base64::engine::general_purpose::STANDARD.encode(key);
    match crate::home::create_private(path) {
        Ok(mut file) => {
            file.write_all(text.as_bytes())
                .map_err(|e| Error::io(format!("writing key file {}", path.display()), e))?;
            Ok(key)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => key_from_file(path),
        Err(e) => Err(Error::io(format!("creating key file {}", path.display()), e)),
    }
}

fn crypto(detail: impl Into<String>) -> Error {
    Error::Crypto { detail: detail.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_binds_aad() {
        let ring = Keyring::random();
        let sealed = ring.seal(b"canary", b"zoom/a").unwrap();
        assert_eq!(ring.open(&sealed, b"zoom/a").unwrap(), b"canary");
        assert!(ring.open(&sealed, b"zoom/b").is_err());
        let again = ring.seal(b"canary", b"zoom/a").unwrap();
        assert_ne!(sealed.nonce, again.nonce);
    }

    #[test]
    fn previous_key_still_opens_after_rotation() {
        let (old, new) = ([1u8; 32], [2u8; 32]);
        let sealed = Keyring::new(old, None).seal(b"x", b"a").unwrap();
        let rotated = Keyring::new(new, Some(old));
        assert_eq!(rotated.open(&sealed, b"a").unwrap(), b"x");
        assert_eq!(rotated.seal(b"x", b"a").unwrap().key_id, rotated.current_id());
        let forgotten = Keyring::new(new, None).open(&sealed, b"a").unwrap_err();
        assert!(forgotten.to_string().contains("NANGO_ENCRYPTION_KEY_PREVIOUS"), "{forgotten}");
    }

    #[test]
    fn key_file_is_generated_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/key");
        let a = Keyring::from_sources(None, None, &path).unwrap();
        let b = Keyring::from_sources(None, None, &path).unwrap();
        assert_eq!(a.current_id(), b.current_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn env_key_wins_and_malformed_keys_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let ring = Keyring::from_sources(Some(&key), None, &dir.path().join("key")).unwrap();
        assert_eq!(ring.current_id(), Keyring::new([7u8; 32], None).current_id());
        assert!(!dir.path().join("key").exists());
        let e = Keyring::from_sources(Some("c2hvcnQ="), None, &dir.path().join("key")).unwrap_err();
        assert_eq!(e.to_string(), "token encryption: NANGO_ENCRYPTION_KEY must decode to 32 bytes");
    }
}
