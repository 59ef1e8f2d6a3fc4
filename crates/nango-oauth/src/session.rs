//! [`Session`]: the authorised API client of one connection.

use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use nango_http::{HttpClient, Idempotency, RequestContext, Response};
use tracing::debug;
use url::Url;

use crate::client::OAuthClient;
use crate::error::{Error, Result};
use crate::flow::exchange::Transport;
use crate::token::AccessToken;

/// Sends API requests of one connection: signs them with a fresh access token, and after a
/// rejection the provider says a refresh can fix, refreshes once and replays once.
#[derive(Debug, Clone)]
pub struct Session {
    oauth: OAuthClient,
    api: HttpClient,
    transport: Arc<dyn Transport>,
    connection_id: String,
}

impl Session {
    /// A session of `connection_id`, sending API requests through `api`.
    pub fn new(oauth: OAuthClient, api: HttpClient, connection_id: impl Into<String>) -> Self {
        let transport: Arc<dyn Transport> = Arc::new(api.clone());
        Self::with_transport(oauth, api, transport, connection_id)
    }

    pub(crate) fn with_transport(
        oauth: OAuthClient,
        api: HttpClient,
        transport: Arc<dyn Transport>,
        connection_id: impl Into<String>,
    ) -> Self {
        Self { oauth, api, transport, connection_id: connection_id.into() }
    }

    /// The OAuth client.
    pub fn oauth(&self) -> &OAuthClient {
        &self.oauth
    }

    /// The connection id.
    pub fn connection_id(&self) -> &str {
        &self.connection_id
    }

    /// Sends `method path_and_query` (relative to the API base URL) with an optional JSON body.
    ///
    /// # Errors
    /// [`Error::Http`] when the request fails; the token errors of
    /// [`OAuthClient::access_token`].
    pub async fn request(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<serde_json::Value>,
        extra_headers: HeaderMap,
    ) -> Result<Response> {
        let token = self.oauth.access_token(&self.connection_id).await?;
        let first =
            self.send_once(&method, path_and_query, body.as_ref(), &extra_headers, &token).await;
        match first {
            Err(Error::Http(e)) if e.is_auth_rejected() => {
                debug!(connection = %self.connection_id, "access token rejected; refreshing once");
                let renewed =
                    self.oauth.refresh_after_rejection(&self.connection_id, &token).await?;
                self.send_once(&method, path_and_query, body.as_ref(), &extra_headers, &renewed)
                    .await
            }
            other => other,
        }
    }

    /// [`Session::request`] and the body read as JSON.
    ///
    /// # Errors
    /// As [`Session::request`]; [`Error::Io`] naming the path when the body is not the
    /// expected JSON.
    pub async fn request_json<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T> {
        let response = self.request(method, path_and_query, body, HeaderMap::new()).await?;
        response.json().map_err(|e| {
            let path = path_only(path_and_query);
            Error::io(format!("reading the answer of {path}"), std::io::Error::other(e))
        })
    }

    /// The URL of `path_and_query` for `token`: the blueprint's base URL, or when the blueprint
    /// names a token field holding a regional host (Zoom's `api_url`), that host with the base
    /// URL's path.
    ///
    /// # Errors
    /// [`Error::Config`] when the base URL or the joined URL is malformed.
    pub fn url_for(&self, path_and_query: &str, token: &AccessToken) -> Result<Url> {
        let api = &self.oauth.integration().blueprint.api;
        let config = |detail: String| Error::Config {
            integration: self.oauth.integration().name.clone(),
            detail,
        };
        let mut base =
            Url::parse(&api.base_url).map_err(|_| config("api.base_url is not a URL".into()))?;
        let regional = api
            .base_url_from_token_field
            .as_deref()
            .and_then(|field| token.extra().get(field))
            .and_then(serde_json::Value::as_str)
            .and_then(|host| Url::parse(host).ok())
            .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
        if let Some(regional) = regional {
            let path = base.path().to_owned();
            base = regional;
            base.set_path(&path);
        }
        let joined = format!(
            "{}/{}",
            base.as_str().trim_end_matches('/'),
            path_and_query.trim_start_matches('/')
        );
        let url = Url::parse(&joined)
            .map_err(|_| config(format!("`{}` does not make a URL", path_only(path_and_query))))?;
        // `..` (or `%2e%2e`) must not lead the token outside the API: the joined path must stay
        // under the base URL's path.
        let base_path = base.path().trim_end_matches('/');
        let inside = url.path() == base_path || url.path().starts_with(&format!("{base_path}/"));
        let dot_segment = |segment: &str| {
            matches!(
                segment.to_ascii_lowercase().as_str(),
                "." | ".." | "%2e" | "%2e%2e" | ".%2e" | "%2e."
            )
        };
        if !inside || path_only(path_and_query).split('/').any(dot_segment) {
            return Err(config(format!(
                "`{}` leaves the API base path `{base_path}`; write the path without `..`",
                path_only(path_and_query)
            )));
        }
        Ok(url)
    }

    async fn send_once(
        &self,
        method: &Method,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
        extra_headers: &HeaderMap,
        token: &AccessToken,
    ) -> Result<Response> {
        let url = self.url_for(path_and_query, token)?;
        let mut builder = self.api.request(method.clone(), url);
        for (name, value) in &self.oauth.integration().blueprint.api.default_headers {
            if let (Ok(name), Ok(value)) =
                (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str()))
            {
                builder = builder.header(name, value);
            }
        }
        builder = builder.headers(extra_headers.clone());
        let mut auth =
            HeaderValue::try_from(token.bearer()).map_err(|_| Error::InvalidTokenResponse {
                detail: "field `access_token` is not a valid header value".into(),
            })?;
        auth.set_sensitive(true);
        builder = builder.header(http::header::AUTHORIZATION, auth);
        if let Some(body) = body {
            builder = builder.json(body);
        }
        let request = builder.build().map_err(|_| Error::Config {
            integration: self.oauth.integration().name.clone(),
            detail: format!("the request to {} could not be built", path_only(path_and_query)),
        })?;

        let integration = self.oauth.integration();
        let ctx = RequestContext {
            throttle_key: Some(
                integration.account_id.clone().unwrap_or_else(|| self.connection_id.clone()),
            ),
            api_path: Some(path_only(path_and_query).to_owned()),
            idempotency: Idempotency::Auto,
            ..RequestContext::default()
        };
        Ok(self.transport.send(request, &ctx).await?)
    }
}

fn path_only(path_and_query: &str) -> &str {
    path_and_query.split(['?', '#']).next().unwrap_or(path_and_query)
}
