//! Token requests: the code exchange, the refresh and the client-credentials grant, sent through
//! `nango_http::HttpClient` as form bodies with the blueprint's client authentication.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use http::Method;
use nango_config::Integration;
use nango_config::blueprint::ClientAuth;
use nango_http::{Clock, HttpClient, HttpError, Idempotency, RequestContext, Response};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::error::{Error, Result};
use crate::parse::{RawAnswer, parse_token_response};
use crate::token::TokenSet;

/// How token requests reach the network: `HttpClient` at run time; unit tests swap it.
#[async_trait]
pub(crate) trait Transport: Send + Sync + fmt::Debug {
    async fn send(
        &self,
        request: reqwest::Request,
        ctx: &RequestContext,
    ) -> std::result::Result<Response, HttpError>;
}

#[async_trait]
impl Transport for HttpClient {
    async fn send(
        &self,
        request: reqwest::Request,
        ctx: &RequestContext,
    ) -> std::result::Result<Response, HttpError> {
        HttpClient::send(self, request, ctx).await
    }
}

/// The grant of one token request.
pub(crate) enum Grant<'a> {
    /// `authorization_code`, with the PKCE verifier when one was used.
    AuthorizationCode { code: &'a SecretString, redirect_uri: &'a str, verifier: Option<&'a str> },
    /// `refresh_token`.
    Refresh { refresh_token: &'a SecretString },
    /// `client_credentials`, or the blueprint's `grant_type` (Zoom: `account_credentials`).
    ClientCredentials,
}

impl Grant<'_> {
    fn name(&self) -> &'static str {
        match self {
            Grant::AuthorizationCode { .. } => "authorization_code",
            Grant::Refresh { .. } => "refresh_token",
            Grant::ClientCredentials => "client_credentials",
        }
    }
}

/// The token endpoint of one integration.
#[derive(Debug, Clone)]
pub(crate) struct TokenEndpoint {
    pub(crate) integration: Arc<Integration>,
    pub(crate) http: HttpClient,
    pub(crate) transport: Arc<dyn Transport>,
}

impl TokenEndpoint {
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        self.http.clock()
    }

    fn config_error(&self, detail: impl Into<String>) -> Error {
        Error::Config { integration: self.integration.name.clone(), detail: detail.into() }
    }

    /// Sends one token request and reads the answer.
    pub(crate) async fn request(&self, grant: Grant<'_>) -> Result<TokenSet> {
        let auth = &self.integration.blueprint.auth;
        let url =
            Url::parse(&auth.token_url).map_err(|_| self.config_error("token_url is not a URL"))?;

        let mut form: Vec<(String, String)> = Vec::new();
        let mut sent_secrets: Vec<&SecretString> = Vec::new();
        let idempotency = match &grant {
            Grant::AuthorizationCode { code, redirect_uri, verifier } => {
                form.push(("grant_type".into(), "authorization_code".into()));
                form.push(("code".into(), code.expose_secret().to_owned()));
                form.push(("redirect_uri".into(), (*redirect_uri).to_owned()));
                if let Some(verifier) = verifier {
                    form.push(("code_verifier".into(), (*verifier).to_owned()));
                }
                sent_secrets.push(code);
                Idempotency::NotIdempotent
            }
            Grant::Refresh { refresh_token } => {
                form.push(("grant_type".into(), "refresh_token".into()));
                form.push(("refresh_token".into(), refresh_token.expose_secret().to_owned()));
                sent_secrets.push(refresh_token);
                Idempotency::NotIdempotent
            }
            Grant::ClientCredentials => {
                let grant_type = auth.grant_type.as_deref().unwrap_or("client_credentials");
                form.push(("grant_type".into(), grant_type.to_owned()));
                if auth.requires_account_id {
                    let account = self.integration.account_id.as_deref().ok_or_else(|| {
                        self.config_error("its blueprint needs an account_id and none is set")
                    })?;
                    form.push(("account_id".into(), account.to_owned()));
                }
                if auth.scopes_on_authorize && !self.integration.oauth_scopes.is_empty() {
                    let scopes = self.integration.oauth_scopes.join(&auth.scope_separator);
                    form.push(("scope".into(), scopes));
                }
                Idempotency::Idempotent
            }
        };
        for (name, value) in &auth.token_params {
            if !form.iter().any(|(n, _)| n == name) {
                form.push((name.clone(), value.clone()));
            }
        }

        let secret = self.integration.oauth_client_secret.as_ref();
        if let Some(secret) = secret {
            sent_secrets.push(secret);
        }
        let mut builder = self
            .http
            .request(Method::POST, url.clone())
            .header(http::header::ACCEPT, "application/json");
        match (auth.client_auth, secret) {
            (ClientAuth::Basic, Some(secret)) => {
                builder = builder
                    .basic_auth(&self.integration.oauth_client_id, Some(secret.expose_secret()));
            }
            (ClientAuth::Body, Some(secret)) => {
                form.push(("client_id".into(), self.integration.oauth_client_id.clone()));
                form.push(("client_secret".into(), secret.expose_secret().to_owned()));
            }
            // A public client: identified by its id (and the PKCE verifier).
            (_, None) => form.push(("client_id".into(), self.integration.oauth_client_id.clone())),
        }
        let request = builder
            .form(&form)
            .build()
            .map_err(|_| self.config_error("the token request could not be built"))?;

        let ctx = RequestContext {
            api_path: Some(url.path().to_owned()),
            idempotency,
            ..RequestContext::default()
        };
        tracing::debug!(
            integration = %self.integration.name,
            grant = grant.name(),
            "token request"
        );
        let now = || self.clock().now_utc();
        let separator = &auth.scope_separator;
        match self.transport.send(request, &ctx).await {
            Ok(response) => {
                let content_type = header_str(&response.headers, http::header::CONTENT_TYPE);
                let answer = RawAnswer {
                    status: response.status.as_u16(),
                    content_type,
                    body: &response.body,
                };
                parse_token_response(answer, now(), separator, &sent_secrets)
            }
            Err(e) => match (e.status(), e.body()) {
                (Some(status), Some(body)) => {
                    let answer = RawAnswer { status: status.as_u16(), content_type: None, body };
                    match parse_token_response(answer, now(), separator, &sent_secrets) {
                        Err(oauth @ Error::OAuth { .. }) => Err(oauth),
                        _ => Err(Error::Http(e)),
                    }
                }
                _ => Err(Error::Http(e)),
            },
        }
    }

    /// Revokes `token` at the blueprint's revocation endpoint.
    pub(crate) async fn revoke(&self, token: &SecretString) -> Result<()> {
        let auth = &self.integration.blueprint.auth;
        let Some(revoke_url) = auth.revoke_url.as_deref() else {
            return Err(self.config_error("its blueprint has no revoke_url"));
        };
        let url =
            Url::parse(revoke_url).map_err(|_| self.config_error("revoke_url is not a URL"))?;
        let mut form = vec![("token", token.expose_secret().to_owned())];
        let mut builder = self.http.request(Method::POST, url.clone());
        match (auth.client_auth, self.integration.oauth_client_secret.as_ref()) {
            (ClientAuth::Basic, Some(secret)) => {
                builder = builder
                    .basic_auth(&self.integration.oauth_client_id, Some(secret.expose_secret()));
            }
            (ClientAuth::Body, Some(secret)) => {
                form.push(("client_id", self.integration.oauth_client_id.clone()));
                form.push(("client_secret", secret.expose_secret().to_owned()));
            }
            (_, None) => form.push(("client_id", self.integration.oauth_client_id.clone())),
        }
        let request = builder
            .form(&form)
            .build()
            .map_err(|_| self.config_error("the revocation request could not be built"))?;
        let ctx = RequestContext {
            api_path: Some(url.path().to_owned()),
            idempotency: Idempotency::Idempotent,
            ..RequestContext::default()
        };
        self.transport.send(request, &ctx).await?;
        Ok(())
    }
}

fn header_str(headers: &http::HeaderMap, name: http::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
