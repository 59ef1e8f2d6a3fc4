//! integrations.yaml and provider blueprints for nango.
#![forbid(unsafe_code)]

pub mod blueprint;
pub mod integration;

pub use blueprint::Blueprint;
pub use integration::Integration;
