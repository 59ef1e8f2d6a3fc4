//! `nango config check`.

use crate::cli::ConfigCommand;
use crate::context::{Paths, load_config};
use crate::error::CliResult;
use crate::output;

pub(crate) fn run(paths: &Paths, command: ConfigCommand) -> CliResult {
    match command {
        ConfigCommand::Check => {
            let config = load_config(&paths.config)?;
            output::print_text(&config.redacted_yaml())?;
            output::eprint_line(&format!("{} is valid.", paths.config.display()));
            Ok(())
        }
    }
}
