//! Where nango keeps its files: `NANGO_HOME`, or the platform's data directory.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Environment variable naming nango's home directory.
pub const HOME_ENV: &str = "NANGO_HOME";

/// nango's home: `NANGO_HOME` if set, else the platform data directory (e.g.
/// `~/.local/share/nango` on Linux), else `./.nango`.
pub fn nango_home() -> PathBuf {
    if let Some(home) = std::env::var_os(HOME_ENV).filter(|h| !h.is_empty()) {
        return PathBuf::from(home);
    }
    directories::ProjectDirs::from("", "", "nango")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".nango"))
}

/// The key file of encryption at rest inside `home`.
pub fn key_file(home: &Path) -> PathBuf {
    home.join("key")
}

/// The default SQLite token store inside `home`.
pub fn store_file(home: &Path) -> PathBuf {
    home.join("connections.db")
}

/// Creates a new file readable and writable by its owner only (0600 on Unix); fails with
/// `AlreadyExists` if it exists.
pub(crate) fn create_private(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}
