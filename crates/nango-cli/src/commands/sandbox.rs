//! `nango sandbox`: the local Zoom, until Ctrl-C.

use zoom_sandbox::{Sandbox, SandboxConfig};

use crate::cli::SandboxArgs;
use crate::error::CliResult;

pub(crate) async fn run(args: SandboxArgs) -> CliResult {
    let config = SandboxConfig {
        port: args.port,
        auto_approve: args.auto_approve,
        seed_users: args.seed_users,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await?;
    let base = sandbox.base_url();
    eprintln!("Zoom sandbox listening on {base}");
    eprintln!("  OAuth:  {base}/oauth/authorize, {base}/oauth/token, {base}/oauth/revoke");
    eprintln!("  API:    {base}/v2");
    eprintln!("  Admin:  {base}/_sandbox/stats (see the zoom-sandbox README)");
    eprintln!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}
