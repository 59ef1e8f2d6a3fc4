//! `zoom-sandbox`: runs the local Zoom until Ctrl-C.
//!
//! Usage: `zoom-sandbox [--port N] [--auto-approve] [--plan free|pro|business-plus]
//! [--seed-users N] [--per-second-multiplier N]`. Logs go to stderr (`RUST_LOG=zoom_sandbox=debug` for every request).

use std::process::ExitCode;

use tracing_subscriber::EnvFilter;
use zoom_sandbox::{Plan, Sandbox, SandboxConfig};

fn parse(args: &[String]) -> Result<SandboxConfig, String> {
    let mut cfg = SandboxConfig::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--port" => cfg.port = Some(value()?.parse().map_err(|e| format!("--port: {e}"))?),
            "--seed-users" => {
                cfg.seed_users = value()?.parse().map_err(|e| format!("--seed-users: {e}"))?
            }
            "--per-second-multiplier" => {
                cfg.per_second_multiplier =
                    value()?.parse().map_err(|e| format!("--per-second-multiplier: {e}"))?
            }
            "--auto-approve" => cfg.auto_approve = true,
            "--plan" => {
                cfg.plan = match value()?.as_str() {
                    "free" => Plan::Free,
                    "pro" => Plan::Pro,
                    "business-plus" => Plan::BusinessPlus,
                    other => return Err(format!("unknown plan {other}")),
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(cfg)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();

    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = match parse(&args) {
        Ok(cfg) => cfg,
        Err(message) => {
            eprintln!("zoom-sandbox: {message}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::start(cfg).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("zoom-sandbox: cannot listen: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", sandbox.base_url());
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}
