//! Waiting for a connection's refresh lease, the cross-process half of single flight.

use std::sync::Arc;
use std::time::Duration;

use nango_http::Clock;
use tracing::debug;

use crate::error::{Error, Result};
use crate::store::{ConnectionRef, TokenStore};

/// How long a lease lasts unless released: longer than a token request with its retries.
pub const LEASE_TTL: Duration = Duration::from_secs(60);

/// How often a waiting process looks at the lease again.
pub const LEASE_POLL: Duration = Duration::from_millis(100);

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
        clock.sleep(LEASE_POLL).await;
    }
}
