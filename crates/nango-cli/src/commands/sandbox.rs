//! `nango sandbox`: the local Zoom, until Ctrl-C, with an integrations.yaml to paste.

use zoom_sandbox::{ClientApp, Plan, Sandbox, SandboxConfig};

use crate::cli::{SandboxArgs, SandboxPlan};
use crate::error::{CliError, CliResult, ExitKind};
use crate::output;

pub(crate) async fn run(args: SandboxArgs) -> CliResult {
    let config = SandboxConfig {
        port: args.port,
        auto_approve: args.auto_approve,
        seed_users: args.seed_users,
        plan: match args.plan {
            SandboxPlan::Free => Plan::Free,
            SandboxPlan::Pro => Plan::Pro,
            SandboxPlan::Business => Plan::BusinessPlus,
        },
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.map_err(|e| start_error(args.port, e))?;
    let base = sandbox.base_url();
    output::eprint_line(&format!(
        "Zoom sandbox listening on {base}
  OAuth:  {base}/oauth/authorize, {base}/oauth/token, {base}/oauth/revoke
  API:    {base}/v2
  Admin:  {base}/_sandbox/stats (see the zoom-sandbox README)
An integrations.yaml for it follows on stdout; save it, then run `nango connect zoom`{}.
Press Ctrl-C to stop.",
        if args.auto_approve { "" } else { " and approve in the browser" }
    ));
    output::print_text(&integrations_yaml(&base, &ClientApp::demo(), args.plan.blueprint_key()))?;
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}

/// A taken `--port` says what to do instead.
fn start_error(port: Option<u16>, e: std::io::Error) -> CliError {
    match port {
        Some(port) if e.kind() == std::io::ErrorKind::AddrInUse => CliError::new(
            ExitKind::Failure,
            format!("port {port} is in use; pick another with --port or omit it for a free one"),
        ),
        _ => CliError::new(ExitKind::Failure, format!("cannot start the sandbox: {e}")),
    }
}

/// The integrations file of the sandbox's built-in demo app (its client id, secret, scopes and
/// registered redirect URI), pointed at `base`.
fn integrations_yaml(base: &str, app: &ClientApp, plan: &str) -> String {
    let redirect_uri = app.redirect_uris.first().map_or("", String::as_str);
    format!(
        "# integrations.yaml for the local Zoom sandbox at {base} (its public demo app).
# Then: nango connect zoom && nango call zoom GET /users/me
integrations:
  zoom:
    extends_blueprint: zoom:v0
    oauth_client_id: {id}
    oauth_client_secret: {secret}
    oauth_scopes: [{scopes}]
    redirect_uri: {redirect_uri}
    rate_limit_plan: {plan}
    overrides:
      auth:
        authorization_url: {base}/oauth/authorize
        token_url: {base}/oauth/token
        revoke_url: {base}/oauth/revoke
      api:
        base_url: {base}/v2
",
        id = app.client_id,
        secret = app.client_secret,
        scopes = app.scopes.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snippet_names_the_demo_app_and_the_sandbox() {
        let yaml = integrations_yaml("http://127.0.0.1:8090", &ClientApp::demo(), "pro");
        for needed in [
            "oauth_client_id: nango-demo-client",
            "oauth_client_secret: nango-demo-secret",
            "redirect_uri: http://127.0.0.1:53682/callback",
            "token_url: http://127.0.0.1:8090/oauth/token",
            "base_url: http://127.0.0.1:8090/v2",
        ] {
            assert!(yaml.contains(needed), "{needed} missing from\n{yaml}");
        }
    }

    #[test]
    fn a_taken_port_says_what_to_do() {
        let e = start_error(Some(8090), std::io::ErrorKind::AddrInUse.into());
        assert_eq!(
            e.render(),
            "error: port 8090 is in use; pick another with --port or omit it for a free one"
        );
    }
}
