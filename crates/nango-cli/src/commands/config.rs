//! `nango config check`.

use crate::cli::ConfigCommand;
use crate::context::{Paths, load_config};
use crate::error::CliResult;

pub(crate) fn run(paths: &Paths, command: ConfigCommand) -> CliResult {
    match command {
        ConfigCommand::Check => {
            let config = load_config(&paths.config)?;
            print!("{}", config.redacted_yaml());
            eprintln!("{} is valid.", paths.config.display());
            Ok(())
        }
    }
}
