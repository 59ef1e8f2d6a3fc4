//! integrations.yaml and provider blueprints for nango.
//!
//! A *blueprint* declares what a provider's API needs (OAuth endpoints, API base URL,
//! pagination, timeouts, retries, rate limits), one file per provider with named versions
//! (`zoom:v0`). Built-in blueprints are embedded from the workspace folder `blueprints/`.
//! An *integration* in `integrations.yaml` extends a blueprint with the user's OAuth client,
//! scopes and overrides; [`Config`] loads, interpolates `${VAR}`s, merges and validates them.
//!
//! ```
//! use nango_config::Config;
//!
//! let yaml = r#"
//! integrations:
//!   zoom:
//!     extends_blueprint: zoom:v0
//!     oauth_client_id: abc
//!     oauth_client_secret: ${ZOOM_CLIENT_SECRET}
//!     overrides:
//!       api: { base_url: "http://127.0.0.1:9999/v2" }
//! "#;
//! let env = |name: &str| (name == "ZOOM_CLIENT_SECRET").then(|| "s3cret".to_owned());
//! let config = Config::parse(yaml, "integrations.yaml", &env)?;
//! let zoom = config.integration("zoom")?;
//! assert_eq!(zoom.blueprint.api.base_url, "http://127.0.0.1:9999/v2");
//! assert_eq!(zoom.blueprint.auth.token_url, "https://zoom.us/oauth/token");
//! assert!(!config.redacted_yaml().contains("s3cret"));
//! # Ok::<(), nango_config::ConfigError>(())
//! ```
//!
//! The file formats are documented in `docs/configuration.md`.
#![forbid(unsafe_code)]

pub mod blueprint;
mod blueprints;
mod config;
mod error;
pub mod integration;
mod interpolate;
mod redact;
pub mod schema;
mod suggest;
mod validate;
mod yaml;

pub use blueprint::Blueprint;
pub use blueprints::Blueprints;
pub use config::Config;
pub use error::{ConfigError, ErrorKind};
pub use integration::Integration;
pub use interpolate::Env;
