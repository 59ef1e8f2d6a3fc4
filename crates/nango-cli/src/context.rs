//! Everything a command needs for one integration: configuration, store, clients, session.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nango_config::{Config, Integration};
use nango_http::{Clock, GenericPolicy, HttpClient, Quota, RetryPolicy, SystemClock, Throttle};
use nango_oauth::{Keyring, OAuthClient, Session, SqliteStore, TokenStore};

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
            format!("no integrations file at {}", path.display()),
        )
        .with_hint("Create one (see docs/configuration.md), or pass --config PATH."));
    }
    Ok(Config::load(path)?)
}

/// Opens the token store under `home`, creating the folder and the encryption key file on
/// first use.
pub(crate) async fn open_store(home: &Path) -> CliResult<Arc<dyn TokenStore>> {
    std::fs::create_dir_all(home).map_err(|e| {
        CliError::new(
            ExitKind::Failure,
            format!("cannot create the nango home {}: {e}", home.display()),
        )
        .with_hint("Set NANGO_HOME or --home to a writable folder.")
    })?;
    let keys = Keyring::from_env_or_file(&nango_oauth::home::key_file(home))?;
    let store = SqliteStore::open(&nango_oauth::home::store_file(home), keys)?;
    Ok(Arc::new(store))
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
        let api_spec = &integration.blueprint.api;
        let retry = RetryPolicy {
            max_attempts: api_spec.retry.max_attempts,
            base_delay: api_spec.retry.base_delay,
            max_delay: api_spec.retry.max_delay,
            deadline: api_spec.retry.deadline,
        };
        let throttle = Arc::new(Throttle::new(clock.clone()));
        if let Some(plan) = plan_quotas(&integration) {
            for (category, quota) in plan {
                throttle.set_quota(&category, quota);
            }
        }
        let api = HttpClient::builder()
            .policy(policy_for(&integration.blueprint))
            .clock(clock.clone())
            .retry(retry.clone())
            .connect_timeout(api_spec.timeouts.connect)
            .request_timeout(api_spec.timeouts.request)
            .throttle(throttle)
            .build()?;
        let token_http = HttpClient::builder()
            .policy(Arc::new(GenericPolicy))
            .clock(clock)
            .retry(retry)
            .connect_timeout(api_spec.timeouts.connect)
            .request_timeout(api_spec.timeouts.request)
            .build()?;
        let oauth = OAuthClient::new(integration.clone(), token_http, store);
        Ok(Runtime { integration, oauth, api })
    }

    /// Loads `name` from the config at `paths` with the real clock.
    pub(crate) async fn load(paths: &Paths, name: &str) -> CliResult<Runtime> {
        let config = load_config(&paths.config)?;
        let integration = config.integration(name)?;
        let store = open_store(&paths.home).await?;
        Runtime::new(integration, store, SystemClock::shared())
    }

    /// The authorised session of a stored connection.
    pub(crate) fn session(&self, connection_id: &str) -> Session {
        Session::new(self.oauth.clone(), self.api.clone(), connection_id)
    }
}

/// The quotas of the integration's rate-limit plan, as throttle quotas per category.
fn plan_quotas(integration: &Integration) -> Option<Vec<(String, Quota)>> {
    let limits = &integration.blueprint.api.rate_limits;
    let plan = integration.rate_limit_plan.as_ref().or(limits.default_plan.as_ref())?;
    let categories = limits.plans.get(plan)?;
    Some(
        categories
            .iter()
            .map(|(category, q)| {
                let quota = Quota {
                    per_second: q.per_second,
                    per_minute: q.per_minute,
                    per_day: q.per_day,
                };
                (category.clone(), quota)
            })
            .collect(),
    )
}
