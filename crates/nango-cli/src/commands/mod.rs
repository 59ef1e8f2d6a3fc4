//! One module a command.

pub(crate) mod blueprints;
mod body;
pub(crate) mod call;
pub(crate) mod config;
pub(crate) mod connect;
pub(crate) mod connections;
pub(crate) mod demo;
pub(crate) mod sandbox;

use crate::cli::{Cli, Command};
use crate::context::Paths;
use crate::error::CliResult;

/// Runs the parsed command line.
pub(crate) async fn run(cli: Cli) -> CliResult {
    let paths = Paths::from_args(&cli.global);
    match cli.command {
        Command::Connect(args) => connect::run(&paths, args).await,
        Command::Call(args) => call::run(&paths, args).await,
        Command::Connections(command) => connections::run(&paths, command).await,
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Config(command) => config::run(&paths, command),
        Command::Blueprints(command) => blueprints::run(command),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "nango", &mut std::io::stdout());
            Ok(())
        }
    }
}
