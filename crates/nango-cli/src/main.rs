//! `nango`: connect accounts, call any endpoint of an integration, run the Zoom sandbox and demo.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod context;
mod error;
mod logging;
mod output;
mod providers;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    logging::init(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            output::eprint_line(&format!("error: could not start the async runtime: {e}"));
            return ExitCode::from(error::ExitKind::Failure.code());
        }
    };
    let name = cli.command.name();
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_pipe_closed() => ExitCode::SUCCESS,
        Err(e) => {
            let e = e.with_usage_hint(name);
            output::eprint_line(&e.render());
            ExitCode::from(e.exit_kind().code())
        }
    }
}
