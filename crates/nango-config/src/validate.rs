//! Rules checked after merging: URLs, required fields per grant, plans and quotas.

use std::time::Duration;

use crate::blueprint::{AuthMode, Blueprint, PaginationSpec};
use crate::error::{ConfigError, ErrorKind};
use crate::integration::Integration;
use crate::yaml::node::Node;

/// Checks a merged blueprint. `node` is the tree it was read from (for places).
pub(crate) fn blueprint(bp: &Blueprint, node: &Node) -> Result<(), ConfigError> {
    let auth = &bp.auth;
    url(node, &["auth", "token_url"], Some(&auth.token_url))?;
    url(node, &["auth", "authorization_url"], auth.authorization_url.as_deref())?;
    url(node, &["auth", "revoke_url"], auth.revoke_url.as_deref())?;
    url(node, &["api", "base_url"], Some(&bp.api.base_url))?;
    url(node, &["docs_url"], bp.docs_url.as_deref())?;

    if auth.mode == AuthMode::Oauth2AuthorizationCode && auth.authorization_url.is_none() {
        return Err(fail(
            node,
            &["auth"],
            "`auth.authorization_url` is required for mode \
            `oauth2_authorization_code`",
        )
        .with_help("add the provider's authorize endpoint as `authorization_url`"));
    }
    if auth.grant_type.as_deref().is_some_and(str::is_empty) {
        return Err(fail(node, &["auth", "grant_type"], "`grant_type` is empty")
            .with_help("remove it for `client_credentials`, or name the grant"));
    }

    positive(node, &["api", "timeouts", "connect"], bp.api.timeouts.connect)?;
    positive(node, &["api", "timeouts", "request"], bp.api.timeouts.request)?;
    positive(node, &["api", "retry", "deadline"], bp.api.retry.deadline)?;
    at_most_a_day(node, &["api", "retry", "base_delay"], bp.api.retry.base_delay)?;
    at_most_a_day(node, &["api", "retry", "max_delay"], bp.api.retry.max_delay)?;
    at_most_a_day(node, &["auth", "refresh_margin"], bp.auth.refresh_margin)?;
    if bp.api.retry.max_attempts == 0 {
        return Err(fail(node, &["api", "retry", "max_attempts"], "must be at least 1")
            .with_help("1 means no retries"));
    }
    if bp.api.retry.base_delay > bp.api.retry.max_delay {
        return Err(fail(node, &["api", "retry", "base_delay"], "is larger than `max_delay`"));
    }
    if let Some(PaginationSpec::Cursor { max_page_size: Some(0), .. }) = &bp.api.pagination {
        return Err(fail(node, &["api", "pagination", "max_page_size"], "must be at least 1"));
    }

    rate_limits(bp, node)
}

fn rate_limits(bp: &Blueprint, node: &Node) -> Result<(), ConfigError> {
    let limits = &bp.api.rate_limits;
    let here = ["api", "rate_limits"];
    if let Some(plan) = &limits.default_plan
        && !limits.plans.contains_key(plan)
    {
        return Err(fail(
            node,
            &[&here[..], &["default_plan"]].concat(),
            &format!("plan `{plan}` is not in `plans`"),
        )
        .with_help(plans_help(bp)));
    }
    if let Some(category) = &limits.default_category
        && !limits.plans.is_empty()
        && !limits.plans.values().all(|c| c.contains_key(category))
    {
        return Err(fail(
            node,
            &[&here[..], &["default_category"]].concat(),
            &format!("category `{category}` is not defined in every plan"),
        ));
    }
    for (plan, categories) in &limits.plans {
        for (category, quota) in categories {
            let windows = [
                ("per_second", quota.per_second),
                ("per_minute", quota.per_minute),
                ("per_day", quota.per_day),
            ];
            if let Some((window, _)) = windows.iter().find(|(_, value)| *value == Some(0)) {
                let path = [&here[..], &["plans", plan, category, window]].concat();
                return Err(fail(node, &path, "a quota must be greater than 0")
                    .with_help("remove the window to leave it unlimited"));
            }
        }
    }
    for (plan, caps) in &limits.shared_daily {
        let path = [&here[..], &["shared_daily", plan]].concat();
        let Some(categories) = limits.plans.get(plan) else {
            return Err(fail(node, &path, &format!("plan `{plan}` is not in `plans`"))
                .with_help(plans_help(bp)));
        };
        for cap in caps {
            if cap.per_day == 0 {
                return Err(fail(node, &path, "a quota must be greater than 0"));
            }
            if let Some(unknown) = cap.categories.iter().find(|c| !categories.contains_key(*c)) {
                return Err(fail(
                    node,
                    &path,
                    &format!("category `{unknown}` is not defined in plan `{plan}`"),
                ));
            }
        }
    }
    Ok(())
}

/// Checks an integration: its blueprint, then the fields the grant needs. `node` is the merged
/// blueprint tree, `entry` the integration's own mapping.
pub(crate) fn integration(i: &Integration, node: &Node, entry: &Node) -> Result<(), ConfigError> {
    blueprint(&i.blueprint, node)?;
    let auth = &i.blueprint.auth;

    if i.oauth_client_id.trim().is_empty() {
        return Err(fail(entry, &["oauth_client_id"], "is empty")
            .with_help("copy the client id from the provider's app settings"));
    }
    if auth.mode == AuthMode::Oauth2ClientCredentials && i.oauth_client_secret.is_none() {
        return Err(fail(entry, &[], "missing key `oauth_client_secret`").with_help(
            "a client-credentials grant needs the secret; write \
             `oauth_client_secret: ${YOUR_SECRET_VARIABLE}`",
        ));
    }
    if auth.requires_account_id && i.account_id.as_deref().is_none_or(|a| a.trim().is_empty()) {
        return Err(fail(
            entry,
            &["account_id"],
            &format!("blueprint `{}` needs `account_id`", i.blueprint_ref),
        )
        .with_help("copy the account id from the app's credentials page"));
    }
    url(entry, &["redirect_uri"], i.redirect_uri.as_deref())?;

    if let Some(plan) = &i.rate_limit_plan
        && !i.blueprint.api.rate_limits.plans.contains_key(plan)
    {
        return Err(fail(
            entry,
            &["rate_limit_plan"],
            &format!("blueprint `{}` has no plan `{plan}`", i.blueprint_ref),
        )
        .with_help(plans_help(&i.blueprint)));
    }
    Ok(())
}

fn plans_help(bp: &Blueprint) -> String {
    let plans: Vec<&str> = bp.api.rate_limits.plans.keys().map(String::as_str).collect();
    if plans.is_empty() {
        "the blueprint defines no plans; remove `rate_limit_plan`".to_owned()
    } else {
        format!("plans: {}", crate::suggest::list(&plans))
    }
}

fn url(node: &Node, path: &[&str], value: Option<&str>) -> Result<(), ConfigError> {
    let Some(value) = value else { return Ok(()) };
    match url::Url::parse(value) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => Ok(()),
        Ok(_) => Err(fail(node, path, "is not an http or https URL")
            .with_help("write an absolute URL, e.g. `https://example.com/path`")),
        Err(e) => Err(fail(node, path, &format!("is not a valid URL ({e})"))
            .with_help("write an absolute URL, e.g. `https://example.com/path`")),
    }
}

/// The longest timeout, backoff or deadline accepted: a day. Longer values are mistakes (and
/// would overflow clock arithmetic).
const MAX_DURATION: Duration = Duration::from_secs(24 * 3600);

fn positive(node: &Node, path: &[&str], value: Duration) -> Result<(), ConfigError> {
    if value.is_zero() {
        return Err(fail(node, path, "must be longer than 0").with_help("e.g. `30s`"));
    }
    at_most_a_day(node, path, value)
}

fn at_most_a_day(node: &Node, path: &[&str], value: Duration) -> Result<(), ConfigError> {
    if value > MAX_DURATION {
        return Err(fail(node, path, "must be at most 24h").with_help("e.g. `30s` or `5m`"));
    }
    Ok(())
}

/// An error at the deepest node of `path` that exists.
fn fail(node: &Node, path: &[&str], message: &str) -> ConfigError {
    let mut at = node;
    let mut missing = Vec::new();
    for (i, key) in path.iter().enumerate() {
        match at.get(key) {
            Some(child) => at = child,
            None => {
                missing = path[i..].to_vec();
                break;
            }
        }
    }
    let mut shown = at.path.clone();
    for key in missing {
        shown = crate::yaml::node::join(&shown, key);
    }
    ConfigError::new(ErrorKind::Validation, message.to_owned()).at(&at.loc.place()).with_path(shown)
}
