//! Everything a command needs for one integration: configuration, store, clients, session.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nango_config::{Config, Integration};
use nango_http::{Clock, HttpClient, SystemClock};
use nango_oauth::{Keyring, OAuthClient, Session, SqliteStore, TokenStore, clients};

use crate::cli::GlobalArgs;
use crate::error::{CliError, CliResult, ExitKind};
use crate::providers::policy_for;

/// Where things live for this invocation.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    pub(crate) config: PathBuf,
    pub(crate) home: PathBuf,
}

impl Paths {
    pub(crate) fn from_args(global: &GlobalArgs) -> Paths {
        let config = global.config.clone().unwrap_or_else(|| PathBuf::from("integrations.yaml"));
        let home = global.home.clone().unwrap_or_else(nango_oauth::nango_home);
        Paths { config, home }
    }
}

/// Loads the integrations file, with a hint when it is missing.
pub(crate) fn load_config(path: &Path) -> CliResult<Config> {
    if !path.exists() {
        return Err(CliError::new(
            ExitKind::Config,
            format!("there is no integrations file at {}", path.display()),
        )
        .with_hint(
            "Create one (see docs/configuration.md), or pass --config PATH or set NANGO_CONFIG.",
        ));
    }
    Ok(Config::load(path)?)
}

/// Opens the token store under `home`, creating the folder and the encryption key file on
/// first use.
pub(crate) async fn open_store(home: &Path) -> CliResult<Arc<dyn TokenStore>> {
    create_private_dir(home).map_err(|e| {
        CliError::new(
            ExitKind::Failure,
            format!("cannot create the nango home {}: {e}", home.display()),
        )
        .with_hint("Set NANGO_HOME or --home to a writable folder.")
    })?;
    let path = nango_oauth::home::store_file(home);
    crate::error::set_store_path(&path);
    let keys = Keyring::from_env_or_file(&nango_oauth::home::key_file(home))?;
    let store = SqliteStore::open(&path, keys)?;
    Ok(Arc::new(store))
}

/// Creates `home` (and its parents) readable by its owner only (0700 on Unix), so that no other
/// user can swap the key file or the database. An existing folder is left as it is.
fn create_private_dir(home: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(home)
}

/// One integration, ready to connect and call.
#[derive(Clone)]
pub(crate) struct Runtime {
    pub(crate) integration: Arc<Integration>,
    pub(crate) oauth: OAuthClient,
    pub(crate) api: HttpClient,
}

impl Runtime {
    /// Builds the clients of `integration` on `store`, reading time from `clock`.
    pub(crate) fn new(
        integration: &Integration,
        store: Arc<dyn TokenStore>,
        clock: Arc<dyn Clock>,
    ) -> CliResult<Runtime> {
        let integration = Arc::new(integration.clone());
        let policy = policy_for(&integration.blueprint);
        let api = clients::api_client(&integration, policy, clock.clone())?;
        let token_http = clients::token_client(&integration, clock)?;
        let oauth = OAuthClient::new(integration.clone(), token_http, store);
        Ok(Runtime { integration, oauth, api })
    }

    /// Loads `name` from the config at `paths` with the real clock.
    pub(crate) async fn load(paths: &Paths, name: &str) -> CliResult<Runtime> {
        let config = load_config(&paths.config)?;
        let integration = config.integration(name)?;
        if let Some(level) = config.log_level(name) {
            crate::logging::apply_integration_level(level);
        }
        let store = open_store(&paths.home).await?;
        Runtime::new(integration, store, SystemClock::shared())
    }

    /// The authorised session of a stored connection.
    pub(crate) fn session(&self, connection_id: &str) -> Session {
        Session::new(self.oauth.clone(), self.api.clone(), connection_id)
    }
}
