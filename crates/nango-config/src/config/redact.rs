//! The resolved configuration as YAML, with secrets redacted.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Config;
use crate::blueprint::Blueprint;
use crate::integration::Integration;
use crate::redact::{REDACTED, is_sensitive};

#[derive(Serialize)]
struct Shown<'a> {
    integrations: BTreeMap<&'a str, ShownIntegration<'a>>,
}

#[derive(Serialize)]
struct ShownIntegration<'a> {
    extends_blueprint: &'a str,
    oauth_client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    oauth_client_secret: Option<&'static str>,
    oauth_scopes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rate_limit_plan: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_level: Option<&'static str>,
    blueprint: Blueprint,
}

pub(super) fn to_yaml(config: &Config) -> String {
    let integrations = config
        .integrations
        .iter()
        .map(|i| (i.name.as_str(), shown(i, config.log_level(&i.name))))
        .collect();
    serde_saphyr::to_string(&Shown { integrations })
        .unwrap_or_else(|e| format!("# the configuration cannot be shown as YAML: {e}\n"))
}

fn shown<'a>(i: &'a Integration, log_level: Option<&'static str>) -> ShownIntegration<'a> {
    ShownIntegration {
        extends_blueprint: &i.blueprint_ref,
        oauth_client_id: &i.oauth_client_id,
        oauth_client_secret: i.oauth_client_secret.as_ref().map(|_| REDACTED),
        oauth_scopes: &i.oauth_scopes,
        redirect_uri: i.redirect_uri.as_deref(),
        account_id: i.account_id.as_deref(),
        rate_limit_plan: i.plan(),
        log_level,
        blueprint: redacted_blueprint(&i.blueprint),
    }
}

/// The blueprint with values that may be credentials redacted: sensitive headers and
/// parameters, and passwords in URLs.
fn redacted_blueprint(bp: &Blueprint) -> Blueprint {
    let mut bp = bp.clone();
    for map in
        [&mut bp.api.default_headers, &mut bp.auth.authorization_params, &mut bp.auth.token_params]
    {
        for (name, value) in map.iter_mut() {
            if is_sensitive(name) {
                *value = REDACTED.to_owned();
            }
        }
    }
    for url in [
        Some(&mut bp.auth.token_url),
        bp.auth.authorization_url.as_mut(),
        bp.auth.revoke_url.as_mut(),
        Some(&mut bp.api.base_url),
    ]
    .into_iter()
    .flatten()
    {
        *url = without_password(url);
    }
    bp
}

fn without_password(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some(REDACTED));
            parsed.to_string()
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_redacted() {
        let shown = without_password("https://user:hunter2@example.test/x");
        assert!(!shown.contains("hunter2"));
        assert!(shown.contains("user"));
        assert_eq!(without_password("https://example.test/x"), "https://example.test/x");
    }
}
