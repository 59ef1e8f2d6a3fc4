//! `nango connections`.

use std::time::SystemTime;

use nango_oauth::{Connection, ConnectionStatus};

use crate::cli::{ConnectionRef, ConnectionsCommand};
use crate::context::{Paths, Runtime, open_store};
use crate::error::{CliError, CliResult, ExitKind, connect_command};
use crate::output;

pub(crate) async fn run(paths: &Paths, command: ConnectionsCommand) -> CliResult {
    match command {
        ConnectionsCommand::Show(target) => {
            let runtime = Runtime::load(paths, &target.integration).await?;
            let connection = find_target(&runtime, &target).await?;
            if target.json {
                output::print_line(&to_json(&connection).to_string())?;
            } else {
                output::print_text(&table(std::slice::from_ref(&connection)))?;
                let scopes = connection.tokens.scopes.join(" ");
                output::print_line(&format!(
                    "scopes: {}",
                    if scopes.is_empty() { "-" } else { &scopes }
                ))?;
            }
            Ok(())
        }
        ConnectionsCommand::Revoke(target) => {
            let runtime = Runtime::load(paths, &target.integration).await?;
            find_target(&runtime, &target).await?;
            runtime.oauth.revoke(&target.connection).await?;
            output::eprint_line(&format!(
                "Revoked and deleted {} connection `{}`.",
                target.integration, target.connection
            ));
            print_outcome(&target, true)
        }
        ConnectionsCommand::Delete(target) => {
            let runtime = Runtime::load(paths, &target.integration).await?;
            find_target(&runtime, &target).await?;
            runtime.oauth.delete(&target.connection).await?;
            output::eprint_line(&format!(
                "Deleted {} connection `{}` from the local store.",
                target.integration, target.connection
            ));
            print_outcome(&target, false)
        }
        ConnectionsCommand::List { json } => {
            let store = open_store(&paths.home).await?;
            let connections = store.list(None).await?;
            if json {
                let rows: Vec<serde_json::Value> = connections.iter().map(to_json).collect();
                output::print_line(&serde_json::Value::Array(rows).to_string())?;
            } else {
                output::print_text(&table(&connections))?;
            }
            Ok(())
        }
    }
}

/// With `--json`, what revoke or delete did, on stdout for scripts.
fn print_outcome(target: &ConnectionRef, revoked: bool) -> CliResult {
    if target.json {
        let outcome = serde_json::json!({
            "integration": target.integration,
            "connection_id": target.connection,
            "revoked": revoked,
            "deleted": true,
        });
        output::print_line(&outcome.to_string())?;
    }
    Ok(())
}

async fn find_target(runtime: &Runtime, target: &ConnectionRef) -> CliResult<Connection> {
    find(runtime, &target.integration, &target.connection).await
}

/// The stored connection, or an error that says how to create it.
pub(crate) async fn find(
    runtime: &Runtime,
    integration: &str,
    connection: &str,
) -> CliResult<Connection> {
    runtime.oauth.connection(connection).await.map_err(|e| {
        if !e.is_not_found() {
            return CliError::from(e);
        }
        CliError::new(
            ExitKind::Reauth,
            format!("no {integration} connection `{connection}` is stored"),
        )
        .with_hint(format!("Create it with `{}`.", connect_command(integration, connection)))
    })
}

fn status(connection: &Connection) -> &'static str {
    match connection.status {
        ConnectionStatus::Active => "active",
        _ => "needs re-authorisation",
    }
}

fn expiry(at: Option<SystemTime>) -> String {
    at.map(|t| chrono::DateTime::<chrono::Utc>::from(t).format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "-".to_owned())
}

fn to_json(connection: &Connection) -> serde_json::Value {
    serde_json::json!({
        "integration": connection.integration,
        "connection_id": connection.connection_id,
        "status": status(connection),
        "expires_at": expiry(connection.tokens.expires_at),
        "scopes": connection.tokens.scopes,
    })
}

/// A plain table; the columns are as wide as their widest cell.
fn table(connections: &[Connection]) -> String {
    if connections.is_empty() {
        return "No connections. Create one with `nango connect <integration>`.\n".to_owned();
    }
    let mut rows =
        vec![["INTEGRATION", "CONNECTION", "STATUS", "ACCESS TOKEN EXPIRES"].map(String::from)];
    for c in connections {
        rows.push([
            c.integration.clone(),
            c.connection_id.clone(),
            status(c).to_owned(),
            expiry(c.tokens.expires_at),
        ]);
    }
    let widths: Vec<usize> =
        (0..4).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    rows.iter()
        .map(|row| {
            let cells: Vec<String> =
                row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
            format!("{}\n", cells.join("  ").trim_end())
        })
        .collect()
}
