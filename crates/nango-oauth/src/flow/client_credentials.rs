//! The client-credentials grant (Zoom Server-to-Server: `account_credentials`): no user, no
//! refresh token; a new token is fetched when the stored one nears expiry, and shared through
//! the store so that every process uses the same token until then.

use nango_config::blueprint::AuthMode;

use crate::error::{Error, Result};
use crate::flow::exchange::{Grant, TokenEndpoint};
use crate::token::TokenSet;

/// Fetches a new token with the client credentials.
///
/// # Errors
/// [`Error::Config`] if the integration does not use the grant; the token endpoint's errors.
pub(crate) async fn fetch(endpoint: &TokenEndpoint) -> Result<TokenSet> {
    if endpoint.integration.blueprint.auth.mode != AuthMode::Oauth2ClientCredentials {
        return Err(Error::Config {
            integration: endpoint.integration.name.clone(),
            detail: "its blueprint does not use the client-credentials grant".into(),
        });
    }
    endpoint.request(Grant::ClientCredentials).await
}
