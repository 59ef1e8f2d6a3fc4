//! Which provider crate reads a blueprint's responses.

use std::sync::Arc;

use nango_config::Blueprint;
use nango_http::{GenericPolicy, ProviderPolicy};

/// The policy of a blueprint's provider: Zoom's for the Zoom blueprints, plain HTTP otherwise.
pub(crate) fn policy_for(blueprint: &Blueprint) -> Arc<dyn ProviderPolicy> {
    match blueprint.name.as_str() {
        "zoom" | "zoom-server-to-server" => Arc::new(nango_zoom::ZoomPolicy),
        _ => Arc::new(GenericPolicy),
    }
}
