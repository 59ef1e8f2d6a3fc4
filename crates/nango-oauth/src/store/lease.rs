//! Waiting for a connection's refresh lease, the cross-process half of single flight.

use std::sync::Arc;
use std::time::Duration;

use nango_http::Clock;
use tracing::{debug, warn};

use crate::error::{Error, Result};
use crate::store::{ConnectionRef, TokenStore};

/// How long a lease lasts unless released: longer than a token request with its retries.
pub const LEASE_TTL: Duration = Duration::from_secs(60);

/// How often a waiting process looks at the lease again.
pub const LEASE_POLL: Duration = Duration::from_millis(100);

/// After this many polls (2 s) a wait is worth telling the user about.
const WARN_AFTER_POLLS: u32 = 20;

/// Waits until `holder` holds the lease of `key`, or gives up after `wait`.
///
/// # Errors
/// [`Error::Store`] when the store fails or the lease stays taken longer than `wait`.
pub async fn acquire(
    store: &Arc<dyn TokenStore>,
    clock: &Arc<dyn Clock>,
    key: ConnectionRef<'_>,
    holder: &str,
    wait: Duration,
) -> Result<()> {
    let start = clock.now();
    let mut polls = 0u32;
    loop {
        if store.try_lease(key, holder, LEASE_TTL, clock.now_utc()).await? {
            if polls > 0 {
                debug!(connection = %key, polls, "refresh lease taken after waiting");
            }
            return Ok(());
        }
        if clock.now().saturating_duration_since(start) >= wait {
            return Err(Error::store(format!(
                "the refresh lease of {key} stayed taken for {}s; another process may be stuck",
                wait.as_secs()
            )));
        }
        polls += 1;
        if polls == WARN_AFTER_POLLS {
            warn!(
                connection = %key,
                "another process is refreshing this connection; waiting up to {}s for it (a \
                 lease left by a killed process expires by itself)",
                LEASE_TTL.as_secs()
            );
        }
        clock.sleep(LEASE_POLL).await;
    }
}
