//! Logs go to stderr: text lines, coloured only on a terminal and when `NO_COLOR` is unset, or
//! one JSON object a record. The level comes from `-v`/`-vv`, else `NANGO_LOG`, else the
//! integration's `log_level` in integrations.yaml once it is loaded, else errors only.

use std::io::IsTerminal;
use std::sync::OnceLock;

use tracing_subscriber::prelude::*;
use tracing_subscriber::{EnvFilter, Registry, fmt, reload};

use crate::cli::{GlobalArgs, LogFormat};

/// Noisy dependencies stay at info when nango's own crates go further.
const QUIET_DEPENDENCIES: &str = "hyper=info,hyper_util=info,reqwest=info,h2=info,rustls=info";

/// Set when neither `-v` nor `NANGO_LOG` chose a level, so an integration's `log_level` may.
static ADJUSTABLE: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();

/// Installs the subscriber for this process.
pub(crate) fn init(global: &GlobalArgs) {
    let from_env = EnvFilter::try_from_env("NANGO_LOG").ok();
    let explicit = global.verbose > 0 || from_env.is_some();
    let filter = from_env.unwrap_or_else(|| {
        EnvFilter::new(match global.verbose {
            0 => "error".to_owned(),
            1 => "info,nango=debug,nango_http=debug,nango_oauth=debug,nango_zoom=debug".to_owned(),
            _ => format!("debug,{QUIET_DEPENDENCIES}"),
        })
    });
    let (filter, handle) = reload::Layer::new(filter);
    let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let colour = std::io::stderr().is_terminal() && !no_colour;
    let layer = fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter);
    match global.log_format {
        LogFormat::Text => registry.with(layer.with_ansi(colour)).init(),
        LogFormat::Json => registry.with(layer.with_ansi(false).json()).init(),
    }
    if !explicit {
        let _ = ADJUSTABLE.set(handle);
    }
}

/// Applies an integration's `log_level` (error, warn, info, debug, trace) unless the command
/// line or `NANGO_LOG` chose a level.
pub(crate) fn apply_integration_level(level: &str) {
    let Some(handle) = ADJUSTABLE.get() else { return };
    let directives = match level {
        "error" | "warn" => level.to_owned(),
        _ => format!("{level},{QUIET_DEPENDENCIES}"),
    };
    let _ = handle.reload(EnvFilter::new(directives));
}
