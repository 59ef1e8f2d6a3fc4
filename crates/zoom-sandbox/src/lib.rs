//! A faithful local Zoom on loopback: Zoom's OAuth host (`/oauth/*`, as on `zoom.us`) and its
//! REST API (`/v2/*`, as on `api.zoom.us`) on one port, for tests and the `nango demo`.
//!
//! It models what a client must cope with, as written down in the project's Zoom facts: token
//! bodies and error bodies byte for byte, refresh-token rotation, code 124 on expired tokens,
//! per-account rate limits by category with Zoom's 429s, `next_page_token` pagination, and the
//! per-user meeting create/update cap. Tests drive it through [`SandboxControl`]: move its
//! clock, inject faults, read counters.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use zoom_sandbox::{Sandbox, SandboxConfig};
//!
//! let sandbox = Sandbox::start(SandboxConfig { auto_approve: true, ..Default::default() }).await?;
//! let token_url = format!("{}/oauth/token", sandbox.base_url()); // as https://zoom.us/oauth/token
//! let api_base = format!("{}/v2", sandbox.base_url()); // as https://api.zoom.us/v2
//! assert!(token_url.starts_with("http://127.0.0.1:") && api_base.ends_with("/v2"));
//!
//! sandbox.control().advance_clock(std::time::Duration::from_secs(3600)); // tokens expire
//! assert_eq!(sandbox.control().stats().requests, 0);
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Endpoints
//! - `GET /oauth/authorize`: consent page (or a 302 with `code` and `state` when auto-approve
//!   is on); PKCE `S256` and `plain`. `POST /oauth/token`: `authorization_code`,
//!   `refresh_token` (rotating), `account_credentials`, `client_credentials`.
//!   `POST /oauth/revoke`.
//! - Modelled by hand: `GET /v2/users`, `GET /v2/users/{userId}` (id, email or `me`),
//!   `GET|POST /v2/users/{userId}/meetings`, `GET|PATCH|DELETE /v2/meetings/{meetingId}`.
//! - Every other operation of Zoom's catalogue (`data/operations.json`, written by
//!   `cargo xtask zoom-catalog` from Zoom's OpenAPI specs): its documented success status with
//!   the spec's example body (none for 204 or where the spec has none), the path's identifiers
//!   copied into `id` (last parameter) and `foo_id` (parameter `fooId`). Literal path segments
//!   beat parameters, so `GET /v2/users/email` is Zoom's email check, not a user.
//! - Every `/v2` request needs a valid bearer token first (`401` code 124), as on Zoom; then a
//!   method and path that name no operation get
//!   `404 {"code":404,"message":"No API found for GET /v2/..."}`. Each operation is counted in
//!   its category (Light where the spec gives none) against the same per-second buckets and
//!   daily pools, with the same headers and 429s; [`Stats::requests_by_operation`] counts it
//!   by `"METHOD /template"`.
//!
//! # Admin HTTP API
//! For the CLI and non-Rust users; requests to it are not counted, rate limited or faulted.
//!
//! | request | JSON body | effect |
//! |---|---|---|
//! | `POST /_sandbox/clock/advance` | `{"seconds": 3600}` | [`SandboxControl::advance_clock`] |
//! | `POST /_sandbox/faults` | a [`FaultRule`] (below) | [`SandboxControl::inject_fault`] |
//! | `GET /_sandbox/stats` | | [`Stats`] as JSON |
//! | `POST /_sandbox/auto-approve` | `{"enabled": true}` | [`SandboxControl::set_auto_approve`] |
//! | `POST /_sandbox/clients` | a [`ClientApp`] | [`SandboxControl::add_client`] |
//! | `POST /_sandbox/daily-usage` | (below) | [`SandboxControl::set_daily_usage`] |
//!
//! The clock answer is `{"now": "<sandbox time>"}`. A fault rule reads
//! `{"method":"POST","path_prefix":"/oauth/token","fault":{"type":"drop_after_processing"},
//! "times":1}`; daily usage reads `{"account_id":"demo-account","category":"Medium",
//! "used":1999}`. Faults are written `{"type":"delay","ms":1500}`,
//! `{"type":"status","status":503}` or `{"type":"drop_after_processing"}`; `method` may be
//! omitted (any method), `times` defaults to 1.
//!
//! # Time
//! One sandbox clock (real time plus the offset moved by [`SandboxControl::advance_clock`])
//! drives token, code and page-token expiry and the daily windows. Token buckets refill on real
//! monotonic time.
//!
//! # Limitations
//! - Only the users and meetings operations above keep state. The other catalogue operations
//!   answer a fixed example whatever the request: they validate no body or query, find no
//!   missing resource (a `DELETE` of anything succeeds), paginate nothing, and check no scope,
//!   because the catalogue lists no scopes. No webhooks, device flow, or Zoom's concurrency
//!   ("lock") limits.
//! - A catalogue `202` with a documented example answers the example (`PATCH /rooms/events`);
//!   path identifiers are copied as sent, without percent-decoding.
//! - Where FACTS gives no exact string, bodies are modelled: token-endpoint redirect mismatch
//!   (`{"reason":"Redirect URI mismatch.","error":"invalid_request"}`), PKCE mismatch
//!   (`"Invalid code_verifier"`, `invalid_grant`), wrong `account_id` (`"Invalid account_id"`),
//!   an expired code (same body as an invalid one), the 4711 scope error's HTTP status (400),
//!   the 404 for a method and path that name no operation.
//! - Revoking an unknown token answers success (RFC 7009); Zoom's answer is undocumented.
//! - After a refresh the previous access token stays valid until it expires.
//! - A meeting `start_time` without `Z` is read as UTC, because the sandbox has no time-zone
//!   database; meetings are always `waiting`.
//! - "Public client" PKCE without a client secret is not supported.
#![forbid(unsafe_code)]
#![allow(
    clippy::result_large_err,
    reason = "handlers refuse with the finished axum Response; it is built once per request"
)]

mod admin;
mod api;
mod clock;
mod config;
mod control;
mod faults;
mod ids;
mod meeting;
mod oauth;
mod ratelimit;
mod seed;
mod server;
mod state;

pub use config::{ClientApp, Plan, SandboxConfig};
pub use control::{SandboxControl, Stats};
pub use faults::{Fault, FaultRule};
pub use server::{RunningSandbox, Sandbox};
