//! `nango blueprints list|show`.

use nango_config::Blueprints;

use crate::cli::BlueprintsCommand;
use crate::error::CliResult;

pub(crate) fn run(command: BlueprintsCommand) -> CliResult {
    let blueprints = Blueprints::builtin();
    match command {
        BlueprintsCommand::List => {
            for (name, versions) in blueprints.list() {
                println!("{name}  {}", versions.join(", "));
            }
        }
        BlueprintsCommand::Show { reference } => print!("{}", blueprints.source(&reference)?),
    }
    Ok(())
}
