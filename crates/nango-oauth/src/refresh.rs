//! Rotation-safe renewal of access tokens.
//!
//! Single flight: one task per connection in this process (an async mutex), one process per
//! connection across the store (the store's lease). Whoever renews re-reads the store under
//! both locks, renews only if still needed, and persists the new pair before anyone uses it; a
//! task or process that waited then finds the new token in the store.

use std::time::Duration;

use nango_config::blueprint::AuthMode;
use secrecy::SecretString;
use tracing::{debug, warn};

use crate::client::OAuthClient;
use crate::error::{Error, Result};
use crate::flow::client_credentials;
use crate::flow::exchange::Grant;
use crate::store::{Connection, ConnectionStatus, lease};
use crate::token::{AccessToken, TokenSet, secret_eq};

/// Attempts of one renewal when the token endpoint fails transiently.
const MAX_ATTEMPTS: u32 = 3;
/// First backoff between attempts; doubles each time.
const BASE_BACKOFF: Duration = Duration::from_millis(500);
/// How long a process waits for another one's lease.
const LEASE_WAIT: Duration = Duration::from_secs(90);

/// Why a renewal is asked for.
#[derive(Clone, Copy)]
pub(crate) enum Need<'a> {
    /// The access token is within the refresh margin of its expiry.
    NearExpiry,
    /// The provider rejected this access token.
    Rejected(&'a SecretString),
}

impl Need<'_> {
    fn still_needed(&self, client: &OAuthClient, connection: &Connection) -> bool {
        match self {
            Need::NearExpiry => {
                connection.tokens.needs_refresh(client.clock().now_utc(), client.margin())
            }
            Need::Rejected(token) => connection.tokens.same_access_token(token),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Need::NearExpiry => "near_expiry",
            Need::Rejected(_) => "rejected",
        }
    }
}

impl OAuthClient {
    /// Renews the access token of `connection_id` if `need` still holds once both locks are
    /// taken; returns the token to use.
    #[tracing::instrument(
        level = "debug",
        name = "renew",
        skip_all,
        fields(integration = %self.integration().name, connection = connection_id, need = need.name())
    )]
    pub(crate) async fn renew(&self, connection_id: &str, need: Need<'_>) -> Result<AccessToken> {
        let flight = self.flight(connection_id);
        let _flight = flight.lock().await;

        let connection = self.usable(connection_id).await?;
        if !need.still_needed(self, &connection) {
            debug!(
                connection = connection_id,
                need = need.name(),
                "already renewed by another task"
            );
            return Ok(AccessToken::from_tokens(&connection.tokens));
        }

        let store = &self.inner.store;
        let key = self.key(connection_id);
        lease::acquire(store, self.clock(), key, &self.inner.holder, LEASE_WAIT).await?;
        let renewed = self.renew_leased(connection_id, need).await;
        if let Err(e) = store.release(key, &self.inner.holder).await {
            debug!(connection = connection_id, error = %e, "releasing the refresh lease failed; it will expire");
        }
        renewed
    }

    /// The first token of a client-credentials connection, fetched once for all callers.
    pub(crate) async fn first_client_credentials(
        &self,
        connection_id: &str,
    ) -> Result<AccessToken> {
        let flight = self.flight(connection_id);
        let _flight = flight.lock().await;
        if let Some(existing) = self.inner.store.get(self.key(connection_id)).await? {
            return Ok(AccessToken::from_tokens(&existing.tokens));
        }

        let store = &self.inner.store;
        let key = self.key(connection_id);
        lease::acquire(store, self.clock(), key, &self.inner.holder, LEASE_WAIT).await?;
        let created = async {
            if let Some(existing) = store.get(key).await? {
                return Ok(existing);
            }
            debug!(connection = connection_id, "first client-credentials token");
            let tokens = client_credentials::fetch(&self.inner.endpoint).await?;
            self.store_new(connection_id, tokens).await
        }
        .await;
        if let Err(e) = store.release(key, &self.inner.holder).await {
            debug!(connection = connection_id, error = %e, "releasing the refresh lease failed");
        }
        Ok(AccessToken::from_tokens(&created?.tokens))
    }

    /// The renewal proper, with the lease held.
    async fn renew_leased(&self, connection_id: &str, need: Need<'_>) -> Result<AccessToken> {
        let mut connection = self.usable(connection_id).await?;
        if !need.still_needed(self, &connection) {
            debug!(
                connection = connection_id,
                need = need.name(),
                "already renewed by another process"
            );
            return Ok(AccessToken::from_tokens(&connection.tokens));
        }

        let mut attempt = 1;
        loop {
            debug!(
                connection = connection_id,
                need = need.name(),
                attempt,
                "renewing the access token"
            );
            let result = self.request_new_tokens(connection_id, &connection).await;
            match result {
                Ok(tokens) => return self.persist(connection, tokens).await,
                Err(e) if e.needs_reauth() && self.mode() == AuthMode::Oauth2AuthorizationCode => {
                    return self.on_invalid_grant(connection_id, &connection, e).await;
                }
                Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => {
                    let wait = BASE_BACKOFF * 2u32.pow(attempt - 1);
                    debug!(connection = connection_id, attempt, error = %e, wait_ms = wait.as_millis() as u64, "token endpoint failed; retrying");
                    self.clock().sleep(wait).await;
                    // A slow or lost answer may have outlived the lease: take it again (this
                    // extends it while still ours, or waits for the process that took it over)
                    // so that no other process refreshes while this one tries again.
                    let key = self.key(connection_id);
                    let holder = &self.inner.holder;
                    lease::acquire(&self.inner.store, self.clock(), key, holder, LEASE_WAIT)
                        .await?;
                    // The lost answer may have been saved by that process: re-check the store
                    // before sending the refresh token again.
                    connection = self.usable(connection_id).await?;
                    if !need.still_needed(self, &connection) {
                        debug!(connection = connection_id, "the store already holds a renewal");
                        return Ok(AccessToken::from_tokens(&connection.tokens));
                    }
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn request_new_tokens(
        &self,
        connection_id: &str,
        connection: &Connection,
    ) -> Result<TokenSet> {
        match self.mode() {
            AuthMode::Oauth2ClientCredentials => {
                client_credentials::fetch(&self.inner.endpoint).await
            }
            AuthMode::Oauth2AuthorizationCode => {
                let Some(refresh_token) = connection.tokens.refresh_token.as_ref() else {
                    let reason = "the access token expired and the grant has no refresh token";
                    return Err(self
                        .mark_needs_reauth(connection_id, connection, reason.into())
                        .await);
                };
                self.inner.endpoint.request(Grant::Refresh { refresh_token }).await
            }
        }
    }

    /// Stores the new tokens (keeping the old refresh token when the answer has none) before
    /// anyone uses them.
    async fn persist(
        &self,
        mut connection: Connection,
        mut tokens: TokenSet,
    ) -> Result<AccessToken> {
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = connection.tokens.refresh_token.take();
        }
        connection.tokens = tokens;
        connection.status = ConnectionStatus::Active;
        connection.updated_at = self.clock().now_utc();

        // The provider has already rotated: losing this write loses the grant, so try hard.
        let mut attempt = 1;
        while let Err(e) = self.inner.store.put(&connection).await {
            if attempt >= MAX_ATTEMPTS {
                warn!(
                    connection = %connection.connection_id,
                    error = %e,
                    "the renewed tokens could not be stored; the connection may need \
                     re-authorisation"
                );
                return Err(e);
            }
            debug!(connection = %connection.connection_id, attempt, error = %e, "storing renewed tokens failed; retrying");
            self.clock().sleep(BASE_BACKOFF * attempt).await;
            attempt += 1;
        }
        debug!(connection = %connection.connection_id, "renewed access token stored");
        Ok(AccessToken::from_tokens(&connection.tokens))
    }

    /// `invalid_grant`: another process may have rotated the refresh token; else the grant is
    /// dead and the connection is marked, its record kept.
    async fn on_invalid_grant(
        &self,
        connection_id: &str,
        used: &Connection,
        error: Error,
    ) -> Result<AccessToken> {
        let latest = self.connection(connection_id).await?;
        let rotated_elsewhere = match (&latest.tokens.refresh_token, &used.tokens.refresh_token) {
            (Some(a), Some(b)) => !secret_eq(a, b),
            _ => false,
        };
        if rotated_elsewhere && latest.status == ConnectionStatus::Active {
            debug!(connection = connection_id, "invalid_grant, but another process renewed first");
            return Ok(AccessToken::from_tokens(&latest.tokens));
        }
        let reason = match &error {
            Error::OAuth { error, description: Some(d), .. } => format!("{error}: {d}"),
            Error::OAuth { error, .. } => error.clone(),
            other => other.to_string(),
        };
        Err(self.mark_needs_reauth(connection_id, &latest, reason).await)
    }

    async fn mark_needs_reauth(
        &self,
        connection_id: &str,
        connection: &Connection,
        reason: String,
    ) -> Error {
        let mut marked = connection.clone();
        marked.status = ConnectionStatus::NeedsReauth { reason: reason.clone() };
        marked.updated_at = self.clock().now_utc();
        if let Err(e) = self.inner.store.put(&marked).await {
            return e;
        }
        warn!(
            integration = %marked.integration,
            connection = connection_id,
            reason = %reason,
            "connection needs re-authorisation"
        );
        self.needs_reauth(connection_id, reason)
    }
}
