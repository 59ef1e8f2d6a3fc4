//! Unit tests that cross modules: the stores, the token lifecycle, the flows, the session.

mod canary;
mod connect;
mod lifecycle;
mod lost_answer;
mod session;
mod store;
