//! The Zoom blueprint for nango: what is particular to Zoom's REST API v2.
//!
//! - [`catalog`]: every operation of Zoom's published specs with its rate-limit category.
//! - [`policy::ZoomPolicy`]: Zoom's errors (`{code, message}`), code 124, `X-RateLimit-Type`
//!   (per-second vs daily) and RFC 3339 `Retry-After`, plugged into `nango-http`.
//! - [`Zoom`]: typed users and meetings over an authorised `nango_oauth::Session`; listings
//!   are `Stream`s from nango-oauth's cursor paginator, paged as the blueprint declares
//!   ([`client::pagination`] when it declares nothing).
//! - [`webhook`]: `x-zm-signature` verification and the URL validation challenge.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod client;
pub mod models;
pub mod policy;
pub mod webhook;

pub use catalog::{Catalog, Operation};
pub use client::Zoom;
pub use policy::ZoomPolicy;
