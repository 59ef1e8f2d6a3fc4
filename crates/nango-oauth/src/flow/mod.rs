//! The OAuth2 flows: the authorize URL, the loopback callback, the token requests.

pub mod authorize;
pub mod callback;
pub mod client_credentials;
pub mod exchange;

pub use authorize::PendingAuthorization;
