//! Unit tests that cross modules: the stores, the token lifecycle, the flows, the session.

mod canary;
mod connect;
mod lifecycle;
mod session;
mod store;
