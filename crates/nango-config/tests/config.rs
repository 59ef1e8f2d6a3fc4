//! integrations.yaml: resolution, overrides, interpolation, typing, errors, redaction.

mod common;

use std::time::Duration;

use common::{env, parse, parse_err, zoom_with};
use nango_config::Config;
use secrecy::ExposeSecret;

const FULL: &str = r#"
integrations:
  zoom:
    extends_blueprint: zoom:v0
    oauth_client_id: abc
    oauth_client_secret: ${ZOOM_CLIENT_SECRET}
    oauth_scopes: [meeting:read, user:read]
    redirect_uri: http://127.0.0.1:53682/callback
    rate_limit_plan: business
    log_level: debug
    overrides:
      auth: { token_url: "http://127.0.0.1:${SANDBOX_PORT}/oauth/token" }
      api: { base_url: "http://127.0.0.1:${SANDBOX_PORT}/v2" }
  zoom-s2s:
    extends_blueprint: zoom-server-to-server:v0
    oauth_client_id: def
    oauth_client_secret: ${ZOOM_CLIENT_SECRET}
    account_id: ${ZOOM_ACCOUNT_ID}
"#;

#[test]
fn full_example_resolves() {
    let config = parse(FULL).expect("valid");
    let names: Vec<&str> = config.integrations().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["zoom", "zoom-s2s"]);

    let zoom = config.integration("zoom").expect("zoom");
    assert_eq!(zoom.blueprint_ref, "zoom:v0");
    assert_eq!(zoom.oauth_client_id, "abc");
    let secret = zoom.oauth_client_secret.as_ref().expect("secret");
    assert_eq!(secret.expose_secret(), "zs-SECRET-VALUE-1");
    assert_eq!(zoom.oauth_scopes, ["meeting:read", "user:read"]);
    assert_eq!(zoom.redirect_uri.as_deref(), Some("http://127.0.0.1:53682/callback"));
    assert_eq!(zoom.blueprint.auth.token_url, "http://127.0.0.1:9999/oauth/token");
    assert_eq!(zoom.blueprint.api.base_url, "http://127.0.0.1:9999/v2");
    // Untouched siblings of overridden keys survive the merge.
    assert_eq!(
        zoom.blueprint.auth.authorization_url.as_deref(),
        Some("https://zoom.us/oauth/authorize")
    );
    assert_eq!(zoom.blueprint.api.base_url_from_token_field.as_deref(), Some("api_url"));
    assert_eq!(config.log_level("zoom"), Some("debug"));
    assert_eq!(config.log_level("zoom-s2s"), None);

    let s2s = config.integration("zoom-s2s").expect("s2s");
    assert_eq!(s2s.account_id.as_deref(), Some("acct-42"));
    assert_eq!(s2s.blueprint.auth.grant_type.as_deref(), Some("account_credentials"));
}

#[test]
fn quota_follows_the_plan() {
    let config = parse(FULL).expect("valid");
    let zoom = config.integration("zoom").expect("zoom");
    assert_eq!(zoom.plan(), Some("business"));
    assert_eq!(zoom.quota("Light").and_then(|q| q.per_second), Some(80));
    assert_eq!(zoom.quota("Resource-intensive").and_then(|q| q.per_minute), Some(20));
    assert_eq!(zoom.quota("light"), None);
    assert_eq!(zoom.shared_daily_quotas("Heavy")[0].per_day, 60000);
    assert!(zoom.shared_daily_quotas("Light").is_empty());

    let s2s = config.integration("zoom-s2s").expect("s2s");
    assert_eq!(s2s.plan(), Some("pro"), "the blueprint's default plan");
    assert_eq!(s2s.quota("Light").and_then(|q| q.per_second), Some(30));
}

#[test]
fn lists_replace_and_maps_merge_in_overrides() {
    let config = parse(&zoom_with(
        "    overrides:\n      api:\n        default_headers: { X-Trace: \"1\" }\n        \
         retry: { max_attempts: 2 }\n        rate_limits:\n          shared_daily:\n            \
         pro: []\n",
    ))
    .expect("valid");
    let api = &config.integration("zoom").expect("zoom").blueprint.api;
    assert_eq!(api.default_headers.get("Accept").map(String::as_str), Some("application/json"));
    assert_eq!(api.default_headers.get("X-Trace").map(String::as_str), Some("1"));
    assert_eq!(api.retry.max_attempts, 2);
    assert_eq!(api.retry.base_delay, Duration::from_millis(200), "sibling kept");
    assert!(api.rate_limits.shared_daily["pro"].is_empty(), "a list replaces");
    assert_eq!(api.rate_limits.shared_daily["business"].len(), 1, "sibling key kept");
}

#[test]
fn timeouts_and_retry_shorthands_merge_into_api() {
    let config = parse(&zoom_with(
        "    timeouts: { request: 5s }\n    retry: { max_attempts: \"${RETRIES}\" }\n",
    ))
    .expect("valid");
    let api = &config.integration("zoom").expect("zoom").blueprint.api;
    assert_eq!(api.timeouts.request, Duration::from_secs(5));
    assert_eq!(api.timeouts.connect, Duration::from_secs(10));
    assert_eq!(api.retry.max_attempts, 7, "an interpolated number");
}

#[test]
fn interpolation_reaches_every_depth_and_keeps_the_rules() {
    let config = parse(&zoom_with(
        "    redirect_uri: \"http://127.0.0.1:${SANDBOX_PORT:-1}/cb?a=$${literal}&b=$5\"\n    \
         oauth_scopes: [\"${MISSING:-}\", \"x${EMPTY:-fallback}\"]\n    overrides:\n      api:\n        \
         default_headers: { X-Deep: \"${SANDBOX_PORT}\" }\n",
    ))
    .expect("valid");
    let zoom = config.integration("zoom").expect("zoom");
    assert_eq!(zoom.redirect_uri.as_deref(), Some("http://127.0.0.1:9999/cb?a=${literal}&b=$5"));
    assert_eq!(zoom.oauth_scopes, ["", "xfallback"]);
    assert_eq!(zoom.blueprint.api.default_headers["X-Deep"], "9999");
}

#[test]
fn yaml_1_1_lookalikes_keep_their_text_in_string_fields() {
    let config = parse(
        "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_id: 0123\n    \
         oauth_client_secret: NO\n    oauth_scopes: [yes, off, 1e3, 0x1F, ~x, 1_000, .inf]\n",
    )
    .expect("valid");
    let zoom = config.integration("zoom").expect("zoom");
    assert_eq!(zoom.oauth_client_id, "0123");
    assert_eq!(zoom.oauth_client_secret.as_ref().map(|s| s.expose_secret()), Some("NO"));
    assert_eq!(zoom.oauth_scopes, ["yes", "off", "1e3", "0x1F", "~x", "1_000", ".inf"]);
}

#[test]
fn yaml_1_1_booleans_are_refused_in_boolean_fields() {
    let error = parse_err(&zoom_with("    overrides: { auth: { scopes_on_authorize: NO } }\n"));
    insta::assert_snapshot!("yaml11_boolean", error);
    let ok = parse(&zoom_with("    overrides: { auth: { scopes_on_authorize: true } }\n"));
    assert!(
        ok.expect("valid").integration("zoom").expect("zoom").blueprint.auth.scopes_on_authorize
    );
}

#[test]
fn unpinned_blueprint_uses_the_highest_version() {
    let config =
        parse("integrations:\n  zoom:\n    extends_blueprint: zoom\n    oauth_client_id: abc\n")
            .expect("valid");
    assert_eq!(config.integration("zoom").expect("zoom").blueprint_ref, "zoom:v0");
}

#[test]
fn blueprints_dir_is_relative_to_the_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/with-blueprints-dir.yaml");
    let config = Config::load_with_env(std::path::Path::new(path), &env).expect("valid");
    let acme = config.integration("acme").expect("acme");
    assert_eq!(acme.blueprint_ref, "acme:v10");
    assert_eq!(config.source_name(), path);
}

#[test]
fn load_reports_a_missing_file() {
    let error = Config::load_with_env(std::path::Path::new("/nonexistent/integrations.yaml"), &env)
        .expect_err("missing");
    assert!(error.is_io());
    insta::assert_snapshot!("missing_file", error);
}

#[test]
fn empty_integrations_is_valid_and_lookups_say_so() {
    let config = parse("integrations: {}\n").expect("valid");
    assert_eq!(config.integrations().count(), 0);
    insta::assert_snapshot!("no_integrations", config.integration("zoom").expect_err("none"));
}

#[test]
fn unknown_integration_suggests_the_closest() {
    let config = parse(FULL).expect("valid");
    let error = config.integration("zom").expect_err("unknown");
    assert!(error.is_not_found());
    insta::assert_snapshot!("unknown_integration", error);
}

#[test]
fn redacted_yaml_hides_secrets() {
    let yaml = zoom_with(
        "    overrides:\n      api:\n        default_headers: { X-Api-Key: \"${ZOOM_CLIENT_SECRET}\" }\n      \
         auth:\n        token_url: \"http://user:${ZOOM_CLIENT_SECRET}@127.0.0.1:9999/oauth/token\"\n",
    );
    let config = parse(&yaml).expect("valid");
    let shown = config.redacted_yaml();
    assert!(!shown.contains("SECRET-VALUE"), "{shown}");
    assert!(
        format!("{config:?}").contains("REDACTED") || !format!("{config:?}").contains("zs-SECRET")
    );
    assert!(
        !format!("{:?}", config.integration("zoom").expect("zoom").oauth_client_secret)
            .contains("SECRET-VALUE")
    );
    insta::assert_snapshot!("redacted_full", parse(FULL).expect("valid").redacted_yaml());
}

/// Every error message of integrations.yaml, pinned.
#[test]
fn error_messages() {
    let cases: &[(&str, String)] = &[
        ("unknown key", zoom_with("    oauth_scope: [a]\n")),
        ("unknown top-level key", "integration:\n  zoom: {}\n".to_owned()),
        ("unknown key in overrides", zoom_with("    overrides: { auth: { token_uri: x } }\n")),
        ("unknown key deep in overrides", zoom_with("    overrides: { api: { retry: { attempts: 3 } } }\n")),
        ("missing variable", zoom_with("    redirect_uri: \"http://127.0.0.1:${CALLBACK_PORT}/cb\"\n")),
        ("missing variable in overrides", zoom_with("    overrides: { api: { base_url: \"${API_BASE}\" } }\n")),
        ("unterminated variable", zoom_with("    redirect_uri: \"${CALLBACK\"\n")),
        ("malformed variable", zoom_with("    redirect_uri: \"${CALLBACK-x}\"\n")),
        ("unknown blueprint", "integrations:\n  zoom:\n    extends_blueprint: zom:v0\n    oauth_client_id: a\n".to_owned()),
        ("unknown version", "integrations:\n  zoom:\n    extends_blueprint: zoom:v3\n    oauth_client_id: a\n".to_owned()),
        ("missing extends_blueprint", "integrations:\n  zoom:\n    oauth_client_id: a\n".to_owned()),
        ("missing client id", "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n".to_owned()),
        ("empty client id", "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_id: \"\"\n".to_owned()),
        ("null client id", "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_id:\n".to_owned()),
        ("s2s without account id", "integrations:\n  s2s:\n    extends_blueprint: zoom-server-to-server:v0\n    oauth_client_id: a\n    oauth_client_secret: b\n".to_owned()),
        ("s2s without secret", "integrations:\n  s2s:\n    extends_blueprint: zoom-server-to-server:v0\n    oauth_client_id: a\n    account_id: c\n".to_owned()),
        ("unknown plan", zoom_with("    rate_limit_plan: enterprise\n")),
        ("bad url in overrides", zoom_with("    overrides: { auth: { token_url: \"/oauth/token\" } }\n")),
        ("non-http url", zoom_with("    overrides: { api: { base_url: \"ftp://example.test/v2\" } }\n")),
        ("bad redirect uri", zoom_with("    redirect_uri: \"127.0.0.1:53682/callback\"\n")),
        ("bad duration", zoom_with("    timeouts: { request: 30 }\n")),
        ("zero duration", zoom_with("    timeouts: { request: 0s }\n")),
        ("zero attempts", zoom_with("    retry: { max_attempts: 0 }\n")),
        ("negative attempts", zoom_with("    retry: { max_attempts: -1 }\n")),
        ("unknown enum value", zoom_with("    overrides: { auth: { client_auth: basik } }\n")),
        ("overrides not a mapping", zoom_with("    overrides: [a]\n")),
        ("override of name", zoom_with("    overrides: { name: other }\n")),
        ("scopes not a list", zoom_with("    oauth_scopes: meeting:read\n")),
        ("integration not a mapping", "integrations:\n  zoom: yes\n".to_owned()),
        ("bad integration name", "integrations:\n  \"zoom eu\":\n    extends_blueprint: zoom:v0\n    oauth_client_id: a\n".to_owned()),
        ("bad log level", zoom_with("    log_level: verbose\n")),
        ("zero quota override", zoom_with("    overrides: { api: { rate_limits: { plans: { pro: { Light: { per_second: 0 } } } } } }\n")),
        ("default plan missing", zoom_with("    overrides: { api: { rate_limits: { default_plan: gold } } }\n")),
    ];
    let mut shown = String::new();
    for (name, yaml) in cases {
        let error = parse_err(yaml);
        shown.push_str(&format!("## {name}\n{error}\n\n"));
    }
    insta::assert_snapshot!("error_messages", shown);
}

#[test]
fn errors_never_show_secret_values() {
    let secret = "zs-SECRET-VALUE-1";
    let cases = [
        zoom_with("    retry: { max_attempts: \"${ZOOM_CLIENT_SECRET}\" }\n"),
        zoom_with("    timeouts: { request: \"${ZOOM_CLIENT_SECRET}\" }\n"),
        zoom_with("    overrides: { auth: { token_url: \"${ZOOM_CLIENT_SECRET}\" } }\n"),
        zoom_with("    overrides: { auth: { scopes_on_authorize: \"${ZOOM_CLIENT_SECRET}\" } }\n"),
        zoom_with("    oauth_scopes: { a: \"${ZOOM_CLIENT_SECRET}\" }\n"),
        "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_id: a\n    \
         oauth_client_secret: [\"zs-SECRET-VALUE-1\"]\n"
            .to_owned(),
        "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_secret: zs-SECRET-VALUE-1\n    \
         oauth_client_secret: zs-SECRET-VALUE-1\n"
            .to_owned(),
    ];
    for yaml in cases {
        let error = parse_err(&yaml);
        assert!(!error.to_string().contains(secret), "{error}");
        assert!(!format!("{error:?}").contains(secret), "{error:?}");
    }
}

#[test]
fn error_questions() {
    assert!(parse_err(&zoom_with("    oauth_scope: []\n")).is_unknown_key());
    let missing = parse_err(&zoom_with("    redirect_uri: \"${NOPE}\"\n"));
    assert!(missing.is_missing_variable());
    assert_eq!(missing.key_path(), Some("integrations.zoom.redirect_uri"));
    assert_eq!(missing.file(), Some("integrations.yaml"));
    assert_eq!((missing.line(), missing.column()), (Some(6), Some(19)));
    assert!(parse_err("a: [").is_syntax());
    assert!(parse_err(&zoom_with("    rate_limit_plan: gold\n")).is_invalid());
}

#[test]
fn keys_are_never_interpolated() {
    let error = parse_err(&zoom_with("    overrides: { api: { \"${SANDBOX_PORT}\": 1 } }\n"));
    assert!(error.is_unknown_key());
    assert!(error.to_string().contains("unknown key `${SANDBOX_PORT}`"), "{error}");
}

#[test]
fn escaped_dollar_brace_stays_literal_in_overrides() {
    let config = parse(&zoom_with(
        "    overrides: { auth: { token_params: { template: \"$${SANDBOX_PORT}\" } } }\n",
    ))
    .expect("valid");
    let params = &config.integration("zoom").expect("zoom").blueprint.auth.token_params;
    assert_eq!(params["template"], "${SANDBOX_PORT}");
}

#[test]
fn load_reads_a_file_without_variables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("integrations.yaml");
    let yaml = "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_id: abc\n";
    std::fs::write(&path, yaml).expect("write");
    let config = Config::load(&path).expect("valid");
    assert!(config.integration("zoom").expect("zoom").oauth_client_secret.is_none());
}

#[test]
fn lists_in_lists_and_nulls_are_read() {
    let config =
        parse(&zoom_with("    account_id: ~\n    redirect_uri: null\n    oauth_scopes: []\n"))
            .expect("valid");
    let zoom = config.integration("zoom").expect("zoom");
    assert_eq!(zoom.account_id, None);
    assert_eq!(zoom.redirect_uri.as_deref(), Some(nango_config::integration::DEFAULT_REDIRECT_URI));
    assert!(zoom.oauth_scopes.is_empty());
}

#[test]
fn an_authorization_code_integration_without_redirect_uri_gets_the_loopback_default() {
    let config = parse(&zoom_with("")).expect("valid");
    let zoom = config.integration("zoom").expect("zoom");
    assert_eq!(zoom.redirect_uri.as_deref(), Some("http://127.0.0.1:53682/callback"));
}

#[test]
fn durations_longer_than_a_day_are_refused_before_they_overflow_a_clock() {
    for (key, value) in [("deadline", "10000000000000000000s"), ("max_delay", "25h")] {
        let extra = format!("    overrides: {{ api: {{ retry: {{ {key}: {value} }} }} }}\n");
        let error = parse(&zoom_with(&extra)).expect_err("refused");
        assert!(error.to_string().contains("at most 24h"), "{key}: {error}");
    }
}

#[test]
fn a_device_or_pipe_as_the_config_is_refused_without_reading_it() {
    let error = Config::load(std::path::Path::new("/dev/zero")).expect_err("not a file");
    assert!(error.to_string().contains("not a regular file"), "{error}");
}
