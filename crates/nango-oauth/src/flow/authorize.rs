//! The authorization request: the URL a person opens to grant access.

use std::fmt;

use nango_config::Integration;
use nango_config::blueprint::{AuthMode, Pkce};
use url::Url;

use crate::error::{Error, Result};
use crate::pkce::FlowSecrets;

/// One authorization in progress: the URL to open, and the secrets (state, PKCE verifier) that
/// the callback and the code exchange need. Single use: the exchange consumes it.
pub struct PendingAuthorization {
    /// The authorize URL to open in a browser.
    pub url: Url,
    /// The redirect URI, exactly as configured.
    pub redirect_uri: String,
    pub(crate) secrets: FlowSecrets,
}

impl PendingAuthorization {
    /// The `state` value on the URL; the callback must carry it back.
    pub fn state(&self) -> &str {
        self.secrets.state()
    }
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut url = self.url.clone();
        url.set_query(None);
        f.debug_struct("PendingAuthorization")
            .field("url", &url.as_str())
            .field("redirect_uri", &self.redirect_uri)
            .field("secrets", &self.secrets)
            .finish()
    }
}

/// Builds the authorization request of `integration` for `redirect_uri` with fresh secrets.
///
/// # Errors
/// [`Error::Config`] when the integration does not use the authorization-code grant or its
/// authorization URL is missing or malformed.
pub fn authorization_request(
    integration: &Integration,
    redirect_uri: &str,
) -> Result<PendingAuthorization> {
    let with_pkce = integration.blueprint.auth.pkce != Pkce::None;
    authorization_request_with(integration, redirect_uri, FlowSecrets::new(with_pkce))
}

pub(crate) fn authorization_request_with(
    integration: &Integration,
    redirect_uri: &str,
    secrets: FlowSecrets,
) -> Result<PendingAuthorization> {
    let auth = &integration.blueprint.auth;
    let config = |detail: &str| Error::Config {
        integration: integration.name.clone(),
        detail: detail.to_owned(),
    };
    if auth.mode != AuthMode::Oauth2AuthorizationCode {
        return Err(config("its blueprint does not use the authorization-code grant"));
    }
    let base = auth.authorization_url.as_deref().ok_or_else(|| config("no authorization_url"))?;
    let mut url = Url::parse(base).map_err(|_| config("authorization_url is not a URL"))?;

    {
        let mut query = url.query_pairs_mut();
        query.append_pair("response_type", "code");
        query.append_pair("client_id", &integration.oauth_client_id);
        query.append_pair("redirect_uri", redirect_uri);
        if auth.scopes_on_authorize && !integration.oauth_scopes.is_empty() {
            query.append_pair("scope", &integration.oauth_scopes.join(&auth.scope_separator));
        }
        query.append_pair("state", secrets.state());
        if let Some((challenge, method)) = secrets.challenge() {
            query.append_pair("code_challenge", challenge);
            query.append_pair("code_challenge_method", method);
        }
        for (name, value) in &auth.authorization_params {
            query.append_pair(name, value);
        }
    }

    Ok(PendingAuthorization { url, redirect_uri: redirect_uri.to_owned(), secrets })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{integration, zoom_user_integration};

    #[test]
    fn zoom_authorize_url_is_exact() {
        let i = zoom_user_integration("http://127.0.0.1:53682/callback");
        let secrets = FlowSecrets::fixed("st4te", Some("v".repeat(43)));
        let p =
            authorization_request_with(&i, i.redirect_uri.as_deref().unwrap(), secrets).unwrap();
        insta::assert_snapshot!(p.url.as_str());
        let redirect = p.url.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1;
        assert_eq!(redirect, "http://127.0.0.1:53682/callback");
        assert!(!format!("{p:?}").contains("st4te"));
    }

    #[test]
    fn scopes_and_extra_params_when_the_blueprint_says_so() {
        let mut i = integration(AuthMode::Oauth2AuthorizationCode, "https://idp.test/token");
        i.blueprint.auth.authorization_url = Some("https://idp.test/authorize?tenant=x".into());
        i.blueprint.auth.scopes_on_authorize = true;
        i.blueprint.auth.pkce = Pkce::None;
        i.blueprint.auth.authorization_params.insert("prompt".into(), "consent".into());
        i.oauth_scopes = vec!["a".into(), "b:c".into()];
        let secrets = FlowSecrets::fixed("s", None);
        let p = authorization_request_with(&i, "http://localhost:8080/cb?x=1", secrets).unwrap();
        insta::assert_snapshot!(p.url.as_str());
    }

    #[test]
    fn client_credentials_integrations_have_no_authorize_url() {
        let i = integration(AuthMode::Oauth2ClientCredentials, "https://idp.test/token");
        let e = authorization_request(&i, "http://127.0.0.1:1/cb").unwrap_err();
        insta::assert_snapshot!(e.to_string());
    }
}
