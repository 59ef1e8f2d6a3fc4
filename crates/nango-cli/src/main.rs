//! `nango`: connect accounts, call any endpoint of an integration, run the Zoom sandbox and demo.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod context;
mod error;
mod output;
mod pagination;
mod providers;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_tracing(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(error::ExitKind::Failure.code());
        }
    };
    let name = cli.command.name();
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_pipe_closed() => ExitCode::SUCCESS,
        Err(e) => {
            let e = e.with_usage_hint(name);
            eprintln!("{}", e.render());
            ExitCode::from(e.exit_kind().code())
        }
    }
}

fn init_tracing(global: &cli::GlobalArgs) {
    use tracing_subscriber::EnvFilter;

    let default = match global.verbose {
        0 => "error",
        1 => "info,nango=debug,nango_http=debug,nango_oauth=debug,nango_zoom=debug",
        _ => "debug,hyper=info,reqwest=info,h2=info,rustls=info",
    };
    let filter = EnvFilter::try_from_env("NANGO_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match global.log_format {
        cli::LogFormat::Text => builder.init(),
        cli::LogFormat::Json => builder.json().init(),
    }
}
