//! `nango blueprints list|show`.

use nango_config::Blueprints;

use crate::cli::BlueprintsCommand;
use crate::error::CliResult;
use crate::output;

pub(crate) fn run(command: BlueprintsCommand) -> CliResult {
    let blueprints = Blueprints::builtin();
    match command {
        BlueprintsCommand::List => {
            for (name, versions) in blueprints.list() {
                output::print_line(&format!("{name}  {}", versions.join(", ")))?;
            }
        }
        BlueprintsCommand::Show { reference } => {
            output::print_text(&blueprints.source(&reference)?)?
        }
    }
    Ok(())
}
