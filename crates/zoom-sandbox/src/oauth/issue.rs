//! Issuing tokens, and Zoom's token body.

use chrono::TimeDelta;
use serde::Serialize;

use crate::config::ClientApp;
use crate::ids;
use crate::state::{AccessToken, Grant, RefreshToken, Shared, Store};

/// Zoom's token success body, fields in Zoom's order.
#[derive(Debug, Serialize)]
pub(super) struct TokenBody {
    access_token: String,
    token_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    expires_in: u64,
    scope: String,
    api_url: String,
}

/// Issues an access token (and a refresh token for user-level grants) to `app`.
pub(super) fn issue(
    shared: &Shared,
    store: &mut Store,
    app: &ClientApp,
    grant: Grant,
) -> TokenBody {
    let now = shared.clock.now_utc();
    let ttl = shared.settings.access_token_ttl;
    let access = ids::jwt_like_token("access_token");

    let refresh = (grant == Grant::User).then(|| {
        let token = ids::jwt_like_token("refresh_token");
        let lifetime =
            TimeDelta::from_std(shared.settings.refresh_token_ttl).unwrap_or(TimeDelta::MAX);
        store.refresh.insert(
            token.clone(),
            RefreshToken {
                client_id: app.client_id.clone(),
                expires_at: now
                    .checked_add_signed(lifetime)
                    .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
                access: access.clone(),
            },
        );
        token
    });

    let scopes = match grant {
        Grant::Chatbot => vec!["imchat:bot".to_owned()],
        Grant::User | Grant::Account => app.scopes.clone(),
    };
    store.access.insert(
        access.clone(),
        AccessToken {
            client_id: app.client_id.clone(),
            account_id: app.account_id.clone(),
            grant,
            scopes: scopes.clone(),
            expires_at: now + TimeDelta::from_std(ttl).unwrap_or(TimeDelta::MAX),
            revoked: false,
            refresh: refresh.clone(),
        },
    );
    shared.stats_mut(|s| s.tokens_issued += 1);
    tracing::debug!(client_id = %app.client_id, ?grant, "token issued");

    TokenBody {
        access_token: access,
        token_type: "bearer",
        refresh_token: refresh,
        expires_in: ttl.as_secs(),
        scope: scopes.join(" "),
        api_url: shared.settings.api_url.clone(),
    }
}
