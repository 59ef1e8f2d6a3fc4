//! `nango demo`: the whole product against the built-in Zoom sandbox, step by step.
//!
//! It starts the sandbox on a free loopback port, writes an integrations.yaml that extends
//! `zoom:v0` into a temporary home, and then goes through the same code paths as `nango connect`
//! and `nango call`: authorise with PKCE, call the API, paginate, create a meeting, survive an
//! expired token, a throttled burst and an injected timeout.

use std::future::Future;

use std::time::Duration;

use futures::TryStreamExt;
use futures::future::join_all;
use http::Method;
use nango_config::Config;
use nango_http::SystemClock;
use nango_oauth::HttpBrowser;
use serde_json::{Value, json};
use zoom_sandbox::{ClientApp, Fault, FaultRule, RunningSandbox, Sandbox, SandboxConfig};

use crate::cli::DemoArgs;
use crate::commands::{call, connect};
use crate::context::{Runtime, open_store};
use crate::error::{CliError, CliResult, ExitKind};
use crate::output;

const CLIENT_ID: &str = "nango-demo-client";
const CLIENT_SECRET: &str = "nango-demo-secret";
const CONNECTION: &str = "demo";

pub(crate) async fn run(args: DemoArgs) -> CliResult {
    let clock = SystemClock::shared();
    let started = clock.now();
    let home = tempfile::Builder::new().prefix("nango-demo-").tempdir()?;
    let redirect_port = free_port()?;
    let redirect_uri = format!("http://127.0.0.1:{redirect_port}/callback");

    let sandbox = step(1, "Start the Zoom sandbox", async {
        let config = SandboxConfig {
            auto_approve: true,
            seed_users: args.users,
            clients: vec![ClientApp {
                client_id: CLIENT_ID.to_owned(),
                client_secret: CLIENT_SECRET.to_owned(),
                redirect_uris: vec![redirect_uri.clone()],
                ..ClientApp::demo()
            }],
            ..SandboxConfig::default()
        };
        let sandbox = Sandbox::start(config).await?;
        say(&format!("OAuth and API v2 on {} (one port, both Zoom hosts)", sandbox.base_url()))?;
        Ok(sandbox)
    })
    .await?;
    let control = sandbox.control();

    let runtime = step(2, "Load integrations.yaml (extends zoom:v0)", async {
        let path = home.path().join("integrations.yaml");
        std::fs::write(&path, integrations_yaml(&sandbox, &redirect_uri))?;
        let env = |name: &str| (name == "ZOOM_CLIENT_SECRET").then(|| CLIENT_SECRET.to_owned());
        let config = Config::load_with_env(&path, &env)?;
        let integration = config.integration("zoom")?;
        say(&format!("{} -> {}", path.display(), integration.blueprint_ref))?;
        let store = open_store(home.path()).await?;
        Runtime::new(integration, store, clock.clone())
    })
    .await?;
    let session = runtime.session(CONNECTION);

    step(3, "Connect: authorization code with PKCE and state", async {
        let browser = HttpBrowser::new()?;
        let connection =
            connect::connect(&runtime, CONNECTION, &browser, Duration::from_secs(30)).await?;
        say(&connect::describe(&connection))?;
        say("tokens stored encrypted (AES-256-GCM) in a SQLite file with mode 0600")?;
        Ok(())
    })
    .await?;

    step(4, "GET /users/me", async {
        let me = json_of(call::call(&session, Method::GET, "/users/me", None).await?)?;
        say(&format!("hello, {} <{}>", field(&me, "display_name"), field(&me, "email")))?;
        Ok(())
    })
    .await?;

    step(5, "List every user across pages (next_page_token)", async {
        let spec = runtime.integration.blueprint.api.pagination.clone().ok_or_else(|| {
            CliError::new(ExitKind::Config, "the zoom:v0 blueprint declares no pagination")
        })?;
        let (mut pages, mut users, mut total) = (0, 0, None);
        let walk = session.pages(&spec, "/users?page_size=100", http::HeaderMap::new());
        let mut walk = std::pin::pin!(walk);
        while let Some(page) = walk.try_next().await? {
            pages += 1;
            users += page.items.len();
            total = total.or(page.total_records);
        }
        say(&format!(
            "{} in {} of 100 (total_records {})",
            count(users as u64, "active user", "active users"),
            count(pages as u64, "page", "pages"),
            total.unwrap_or(0)
        ))?;
        expect(Some(users as u64) == total, "every user exactly once")
    })
    .await?;

    step(6, "Create a meeting and read it back", async {
        let body = json!({"topic": "nango demo", "type": 2, "start_time": "2026-12-24T10:00:00Z",
            "duration": 30, "timezone": "UTC"});
        let created =
            json_of(call::call(&session, Method::POST, "/users/me/meetings", Some(body)).await?)?;
        let id = created.get("id").and_then(Value::as_i64).ok_or_else(|| {
            CliError::new(ExitKind::Provider, "the created meeting has no numeric id")
        })?;
        let path = format!("/meetings/{id}");
        let read = json_of(call::call(&session, Method::GET, &path, None).await?)?;
        say(&format!(
            "meeting {id}: \"{}\" at {}",
            field(&read, "topic"),
            field(&read, "start_time")
        ))?;
        expect(read.get("id") == created.get("id"), "the meeting reads back")
    })
    .await?;

    step(7, "Let the access token expire: transparent refresh", async {
        let before = control.stats().refreshes;
        control.advance_clock(Duration::from_secs(2 * 3600));
        say("sandbox clock moved 2 hours: the stored access token is now expired at Zoom")?;
        let me = call::call(&session, Method::GET, "/users/me", None).await?;
        let refreshes = control.stats().refreshes - before;
        say(&format!(
            "401 code 124 -> one refresh (rotated refresh token persisted) -> replay: HTTP {}",
            me.status.as_u16()
        ))?;
        expect(refreshes == 1, "exactly one refresh")
    })
    .await?;

    step(8, "A burst throttled to the plan's rate, with no 429", async {
        let quota = runtime.integration.quota("Light").and_then(|q| q.per_second).unwrap_or(30);
        let limited_before = control.stats().rate_limited;
        let t0 = clock.now();
        let calls = (0..args.burst).map(|_| call::call(&session, Method::GET, "/users/me", None));
        let results = join_all(calls).await;
        let elapsed = clock.now() - t0;
        let failures = results.iter().filter(|r| r.is_err()).count();
        let limited = control.stats().rate_limited - limited_before;
        let floor = (args.burst.saturating_sub(1)) as f64 / f64::from(quota);
        say(&format!(
            "{} GET /users/me (Light, Pro plan {quota}/s) in {:.2}s (floor {floor:.2}s); \
             {} 429, {}",
            args.burst,
            elapsed.as_secs_f64(),
            count(limited, "answer", "answers"),
            count(failures as u64, "failure", "failures"),
        ))?;
        expect(limited == 0 && failures == 0, "no 429 and no failure")
    })
    .await?;

    step(9, "Survive an injected timeout and a 503 by retrying", async {
        let rule = |fault| FaultRule {
            method: Some("GET".to_owned()),
            path_prefix: "/v2/users/me".to_owned(),
            fault,
            times: 1,
        };
        control.inject_fault(rule(Fault::Delay(Duration::from_secs(5))));
        let response = call::call(&session, Method::GET, "/users/me", None).await?;
        say(&format!(
            "request timeout 2s, sandbox delayed 5s -> HTTP {} after {}",
            response.status.as_u16(),
            count(response.attempts, "attempt", "attempts")
        ))?;
        control.inject_fault(rule(Fault::Status(503)));
        let again = call::call(&session, Method::GET, "/users/me", None).await?;
        say(&format!(
            "sandbox answered 503 once -> HTTP {} after {}",
            again.status.as_u16(),
            count(again.attempts, "attempt", "attempts")
        ))?;
        expect(response.attempts >= 2 && again.attempts >= 2, "both faults were retried")
    })
    .await?;

    let stats = control.stats();
    output::print_line(&format!(
        "\nDone in {:.1}s: {}, {} issued, {}, {} 429.",
        (clock.now() - started).as_secs_f64(),
        count(stats.requests, "API request", "API requests"),
        count(stats.tokens_issued, "token", "tokens"),
        count(stats.refreshes, "refresh", "refreshes"),
        count(stats.rate_limited, "answer", "answers"),
    ))?;
    output::print_line(
        "Try it yourself: `nango sandbox --port 8090 --auto-approve` (see the README), then `nango connect` and `nango call`.",
    )?;
    sandbox.shutdown().await;
    Ok(())
}

/// Runs one numbered step, printing its title, and names the step if it fails.
async fn step<T>(n: u32, title: &str, body: impl Future<Output = CliResult<T>>) -> CliResult<T> {
    output::print_line(&format!("[{n}] {title}"))?;
    body.await.map_err(|e| e.context(format!("demo step {n} ({title}) failed")))
}

fn say(line: &str) -> CliResult {
    output::print_line(&format!("    {line}"))
}

/// `n` and the noun, singular for one: `1 user`, `0 users`, `2 users`.
fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

fn expect(ok: bool, what: &str) -> CliResult {
    if ok { Ok(()) } else { Err(CliError::new(ExitKind::Failure, format!("expected {what}"))) }
}

fn json_of(response: nango_http::Response) -> CliResult<Value> {
    response.json().map_err(|e| CliError::new(ExitKind::Provider, format!("not JSON: {e}")))
}

fn field<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("?")
}

fn free_port() -> CliResult<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn integrations_yaml(sandbox: &RunningSandbox, redirect_uri: &str) -> String {
    let base = sandbox.base_url();
    format!(
        "# Written by `nango demo`: Zoom's zoom:v0 blueprint, pointed at the local sandbox.
integrations:
  zoom:
    extends_blueprint: zoom:v0
    oauth_client_id: {CLIENT_ID}
    oauth_client_secret: ${{ZOOM_CLIENT_SECRET}}
    oauth_scopes: [meeting:read, meeting:write, user:read]
    redirect_uri: {redirect_uri}
    rate_limit_plan: pro
    overrides:
      auth:
        authorization_url: {base}/oauth/authorize
        token_url: {base}/oauth/token
        revoke_url: {base}/oauth/revoke
      api:
        base_url: {base}/v2
        timeouts:
          request: 2s
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_counts_agree_with_their_nouns() {
        assert_eq!(count(0u64, "user", "users"), "0 users");
        assert_eq!(count(1u64, "user", "users"), "1 user");
        assert_eq!(count(2u32, "refresh", "refreshes"), "2 refreshes");
    }
}
