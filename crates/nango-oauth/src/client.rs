//! [`OAuthClient`]: the flows and the token lifecycle of one integration's connections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nango_config::Integration;
use nango_config::blueprint::AuthMode;
use nango_http::{Clock, HttpClient};
use secrecy::SecretString;
use tracing::{debug, info};

use crate::browser::Browser;
use crate::error::{Error, Result};
use crate::flow::authorize::{self, PendingAuthorization};
use crate::flow::callback::{self, CallbackListener};
use crate::flow::client_credentials;
use crate::flow::exchange::{Grant, TokenEndpoint, Transport};
use crate::store::{Connection, ConnectionRef, ConnectionStatus, TokenStore};
use crate::token::{AccessToken, TokenSet};

/// OAuth2 for one integration: connects, stores, refreshes (single flight per connection, in
/// this process and across processes sharing the store), revokes. Cheap to clone.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) endpoint: TokenEndpoint,
    pub(crate) store: Arc<dyn TokenStore>,
    /// This client's name as a lease holder, unique per client.
    pub(crate) holder: String,
    pub(crate) flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl OAuthClient {
    /// A client of `integration` sending token requests through `http` (whose clock it reads)
    /// and keeping connections in `store`.
    pub fn new(
        integration: Arc<Integration>,
        http: HttpClient,
        store: Arc<dyn TokenStore>,
    ) -> Self {
        let transport: Arc<dyn Transport> = Arc::new(http.clone());
        Self::with_transport(integration, http, store, transport)
    }

    pub(crate) fn with_transport(
        integration: Arc<Integration>,
        http: HttpClient,
        store: Arc<dyn TokenStore>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        let holder = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
        let endpoint = TokenEndpoint { integration, http, transport };
        let inner = Inner { endpoint, store, holder, flights: Mutex::new(HashMap::new()) };
        Self { inner: Arc::new(inner) }
    }

    /// The integration.
    pub fn integration(&self) -> &Integration {
        &self.inner.endpoint.integration
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.inner.store
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        self.inner.endpoint.clock()
    }

    pub(crate) fn key<'a>(&'a self, connection_id: &'a str) -> ConnectionRef<'a> {
        ConnectionRef { integration: &self.integration().name, connection_id }
    }

    /// A new authorization request (URL, state, PKCE) for `redirect_uri`.
    ///
    /// # Errors
    /// [`Error::Config`] when the integration does not use the authorization-code grant.
    pub fn authorization_request(&self, redirect_uri: &str) -> Result<PendingAuthorization> {
        authorize::authorization_request(self.integration(), redirect_uri)
    }

    /// Connects with the authorization-code grant: listens on the integration's loopback
    /// redirect URI, opens the authorize URL with `browser`, checks the callback's state,
    /// exchanges the code once and stores the connection.
    ///
    /// # Errors
    /// [`Error::Config`] without a loopback `redirect_uri`; [`Error::StateMismatch`],
    /// [`Error::AuthorizationDenied`], [`Error::CallbackTimeout`] from the callback;
    /// [`Error::AuthorizationInterrupted`] when the exchange's answer was lost.
    #[tracing::instrument(
        level = "debug",
        name = "connect",
        skip_all,
        fields(integration = %self.integration().name, connection = connection_id)
    )]
    pub async fn connect(
        &self,
        connection_id: &str,
        browser: &dyn Browser,
        timeout: Duration,
    ) -> Result<Connection> {
        let redirect_uri =
            self.integration().redirect_uri.clone().ok_or_else(|| Error::Config {
                integration: self.integration().name.clone(),
                detail: "no redirect_uri is configured".into(),
            })?;
        let pending = self.authorization_request(&redirect_uri)?;
        let listener =
            CallbackListener::bind(&self.integration().name, &redirect_uri, &pending.secrets)
                .await?;

        info!(
            integration = %self.integration().name,
            connection = connection_id,
            "waiting for authorisation"
        );
        // The browser and the wait run together: a browser that visits the URL itself
        // (`HttpBrowser`) returns only after the callback, and the timeout covers both.
        let code = {
            let open = browser.open(&pending.url);
            let outcome = listener.wait(self.clock(), timeout);
            tokio::pin!(open, outcome);
            tokio::select! {
                biased;
                outcome = &mut outcome => outcome?,
                opened = &mut open => match opened {
                    Ok(()) => outcome.await?,
                    // The browser's error matters only if no callback arrived.
                    Err(e) => match futures::FutureExt::now_or_never(&mut outcome) {
                        Some(outcome) => outcome?,
                        None => return Err(e),
                    },
                },
            }
        };
        self.exchange_code(connection_id, pending, code).await
    }

    /// Completes `pending` with the redirect a person pasted (the whole callback URL, or its
    /// query string), for redirect URIs nango cannot listen on: checks `state` first, then
    /// exchanges the code once and stores the connection.
    ///
    /// # Errors
    /// [`Error::StateMismatch`] and [`Error::AuthorizationDenied`] as in
    /// [`OAuthClient::connect`]; the token endpoint's OAuth error, or
    /// [`Error::AuthorizationInterrupted`] when its answer was lost.
    pub async fn complete_authorization(
        &self,
        connection_id: &str,
        pending: PendingAuthorization,
        callback: &str,
    ) -> Result<Connection> {
        let code = callback::read_pasted_callback(&pending.secrets, callback)?;
        self.exchange_code(connection_id, pending, code).await
    }

    /// Exchanges a `code` whose callback state was checked. Sent once, never retried.
    async fn exchange_code(
        &self,
        connection_id: &str,
        pending: PendingAuthorization,
        code: SecretString,
    ) -> Result<Connection> {
        let grant = Grant::AuthorizationCode {
            code: &code,
            redirect_uri: &pending.redirect_uri,
            verifier: pending.secrets.verifier(),
        };
        let tokens = match self.inner.endpoint.request(grant).await {
            Ok(tokens) => tokens,
            Err(Error::Http(e)) => {
                return Err(Error::AuthorizationInterrupted { detail: e.to_string() });
            }
            Err(e) => return Err(e),
        };
        drop(pending);
        self.save_new(connection_id, tokens).await
    }

    /// Connects with the client-credentials grant (Zoom Server-to-Server included).
    ///
    /// # Errors
    /// [`Error::Config`] if the integration uses another grant; the token endpoint's errors.
    pub async fn connect_client_credentials(&self, connection_id: &str) -> Result<Connection> {
        let tokens = client_credentials::fetch(&self.inner.endpoint).await?;
        self.save_new(connection_id, tokens).await
    }

    async fn save_new(&self, connection_id: &str, tokens: TokenSet) -> Result<Connection> {
        let flight = self.flight(connection_id);
        let _guard = flight.lock().await;
        self.store_new(connection_id, tokens).await
    }

    /// Stores a new grant; the caller holds the connection's flight lock.
    pub(crate) async fn store_new(
        &self,
        connection_id: &str,
        tokens: TokenSet,
    ) -> Result<Connection> {
        let now = self.clock().now_utc();
        let created_at = match self.inner.store.get(self.key(connection_id)).await {
            Ok(Some(existing)) => existing.created_at,
            _ => now,
        };
        let connection = Connection {
            integration: self.integration().name.clone(),
            connection_id: connection_id.to_owned(),
            tokens,
            status: ConnectionStatus::Active,
            created_at,
            updated_at: now,
        };
        self.inner.store.put(&connection).await?;
        info!(integration = %connection.integration, connection = connection_id, "connected");
        Ok(connection)
    }

    /// The connection as stored.
    ///
    /// # Errors
    /// [`Error::NotFound`] when it does not exist.
    pub async fn connection(&self, connection_id: &str) -> Result<Connection> {
        self.inner.store.get(self.key(connection_id)).await?.ok_or_else(|| Error::NotFound {
            integration: self.integration().name.clone(),
            connection_id: connection_id.to_owned(),
        })
    }

    /// A usable access token: the stored one, or a new one when it is within the refresh margin
    /// (`min(blueprint refresh_margin, lifetime / 2)`) of expiry. A client-credentials
    /// connection that does not exist yet is created on first use.
    ///
    /// # Errors
    /// [`Error::NotFound`]; [`Error::NeedsReauth`] when the grant is dead; the token endpoint's
    /// errors when no usable token is left.
    pub async fn access_token(&self, connection_id: &str) -> Result<AccessToken> {
        let connection = match self.usable(connection_id).await {
            Ok(connection) => connection,
            Err(e) if e.is_not_found() && self.mode() == AuthMode::Oauth2ClientCredentials => {
                return self.first_client_credentials(connection_id).await;
            }
            Err(e) => return Err(e),
        };
        let now = self.clock().now_utc();
        if !connection.tokens.needs_refresh(now, self.margin()) {
            return Ok(AccessToken::from_tokens(&connection.tokens));
        }
        debug!(
            integration = %connection.integration,
            connection = connection_id,
            "access token within the refresh margin"
        );
        match self.renew(connection_id, crate::refresh::Need::NearExpiry).await {
            Ok(token) => Ok(token),
            Err(e)
                if e.is_retryable() && connection.tokens.expires_at.is_some_and(|at| at > now) =>
            {
                debug!(connection = connection_id, error = %e, "refresh failed; the current token is still valid");
                Ok(AccessToken::from_tokens(&connection.tokens))
            }
            Err(e) => Err(e),
        }
    }

    /// Renews the access token after the provider rejected `rejected`, only if the stored token
    /// is still that one (otherwise the stored, newer one is returned).
    ///
    /// # Errors
    /// As [`OAuthClient::access_token`].
    pub async fn refresh_after_rejection(
        &self,
        connection_id: &str,
        rejected: &AccessToken,
    ) -> Result<AccessToken> {
        self.renew(connection_id, crate::refresh::Need::Rejected(rejected.secret())).await
    }

    /// Revokes the connection's grant at the provider (when the blueprint has a revocation
    /// endpoint) and deletes it from the store.
    ///
    /// # Errors
    /// [`Error::NotFound`]; the revocation endpoint's errors (the record is then kept).
    pub async fn revoke(&self, connection_id: &str) -> Result<()> {
        let connection = self.connection(connection_id).await?;
        if self.integration().blueprint.auth.revoke_url.is_some() {
            self.inner.endpoint.revoke(&connection.tokens.access_token).await?;
        }
        self.delete(connection_id).await?;
        Ok(())
    }

    /// Deletes the connection from the store (without telling the provider); whether it
    /// existed.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn delete(&self, connection_id: &str) -> Result<bool> {
        self.inner.store.delete(self.key(connection_id)).await
    }

    /// The integration's connections.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub async fn list(&self) -> Result<Vec<Connection>> {
        self.inner.store.list(Some(&self.integration().name)).await
    }

    pub(crate) fn margin(&self) -> Duration {
        self.integration().blueprint.auth.refresh_margin
    }

    pub(crate) fn mode(&self) -> AuthMode {
        self.integration().blueprint.auth.mode
    }

    /// The stored connection, failing if it needs re-authorisation.
    pub(crate) async fn usable(&self, connection_id: &str) -> Result<Connection> {
        let connection = self.connection(connection_id).await?;
        if let ConnectionStatus::NeedsReauth { reason } = &connection.status {
            return Err(self.needs_reauth(connection_id, reason.clone()));
        }
        Ok(connection)
    }

    pub(crate) fn needs_reauth(&self, connection_id: &str, reason: String) -> Error {
        Error::NeedsReauth {
            integration: self.integration().name.clone(),
            connection_id: connection_id.to_owned(),
            reason,
        }
    }

    /// The in-process single-flight lock of a connection.
    pub(crate) fn flight(&self, connection_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self.inner.flights.lock().unwrap_or_else(|p| p.into_inner());
        flights.entry(connection_id.to_owned()).or_default().clone()
    }
}
