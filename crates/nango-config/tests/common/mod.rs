//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use nango_config::{Config, ConfigError};

/// The environment the tests see: a fixed map, never the process environment.
pub fn env(name: &str) -> Option<String> {
    match name {
        "ZOOM_CLIENT_SECRET" => Some("zs-SECRET-VALUE-1".to_owned()),
        "ZOOM_ACCOUNT_ID" => Some("acct-42".to_owned()),
        "SANDBOX_PORT" => Some("9999".to_owned()),
        "EMPTY" => Some(String::new()),
        "RETRIES" => Some("7".to_owned()),
        _ => None,
    }
}

/// Parses `yaml` as `integrations.yaml` with [`env`].
pub fn parse(yaml: &str) -> Result<Config, ConfigError> {
    Config::parse(yaml, "integrations.yaml", &env)
}

/// Parses `yaml`, expecting an error.
pub fn parse_err(yaml: &str) -> ConfigError {
    match parse(yaml) {
        Ok(_) => panic!("expected an error for:\n{yaml}"),
        Err(e) => e,
    }
}

/// A minimal valid Zoom integration followed by `extra` lines (indented 4 spaces).
pub fn zoom_with(extra: &str) -> String {
    format!(
        "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_id: abc\n    \
         oauth_client_secret: ${{ZOOM_CLIENT_SECRET}}\n{extra}"
    )
}
