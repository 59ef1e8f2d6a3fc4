//! `nango`: connect accounts, call any endpoint of an integration, run the Zoom sandbox and demo.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod context;
mod error;
mod output;
mod pagination;
mod providers;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_tracing(&cli.global);
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

/// Logs go to stderr: text lines, coloured only on a terminal and when `NO_COLOR` is unset, or
/// one JSON object a record. Writing a log record to a closed stderr is ignored.
fn init_tracing(global: &cli::GlobalArgs) {
    use tracing_subscriber::EnvFilter;

    let default = match global.verbose {
        0 => "error",
        1 => "info,nango=debug,nango_http=debug,nango_oauth=debug,nango_zoom=debug",
        _ => "debug,hyper=info,reqwest=info,h2=info,rustls=info",
    };
    let filter = EnvFilter::try_from_env("NANGO_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let colour = std::io::stderr().is_terminal() && !no_colour;
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match global.log_format {
        cli::LogFormat::Text => builder.with_ansi(colour).init(),
        cli::LogFormat::Json => builder.with_ansi(false).json().init(),
    }
}
