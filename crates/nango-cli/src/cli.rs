//! The command-line grammar.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// nango: use third-party REST APIs (Zoom first) with OAuth, token refresh, throttling and
/// retries built in.
#[derive(Debug, Parser)]
#[command(name = "nango", version, propagate_version = true)]
#[command(
    after_help = "Examples:\n  nango demo\n  nango connect zoom\n  nango call zoom GET /users/me\n  nango call zoom GET /users --paginate --jsonl"
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The help heading of the options every command takes.
const GLOBAL: &str = "Global options";

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// The integrations file. Default: $NANGO_CONFIG, else ./integrations.yaml.
    #[arg(long, global = true, env = "NANGO_CONFIG", hide_env_values = true, value_name = "PATH", help_heading = GLOBAL)]
    pub(crate) config: Option<PathBuf>,
    /// Where connections are stored. Default: $NANGO_HOME, else the platform data directory.
    #[arg(long, global = true, env = "NANGO_HOME", hide_env_values = true, value_name = "DIR", help_heading = GLOBAL)]
    pub(crate) home: Option<PathBuf>,
    /// More logs on stderr: -v for decisions (retries, throttling, refresh), -vv for everything.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = GLOBAL)]
    pub(crate) verbose: u8,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, help_heading = GLOBAL)]
    pub(crate) log_format: LogFormat,
}

/// Log formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line, for machines.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Authorise an account of an integration and store the connection.
    #[command(
        after_help = "Examples:\n  nango connect zoom\n  nango connect zoom --connection work --no-browser"
    )]
    Connect(ConnectArgs),
    /// Call any endpoint of an integration with a stored connection.
    #[command(
        after_help = "Examples:\n  nango call zoom GET /users/me\n  nango call zoom GET /users -q status=active --paginate\n  nango call zoom POST /users/me/meetings -d '{\"topic\":\"Standup\",\"type\":2}'"
    )]
    Call(CallArgs),
    /// List, show, revoke or delete stored connections.
    #[command(
        subcommand,
        after_help = "Examples:\n  nango connections list\n  nango connections show zoom --connection work\n  nango connections revoke zoom"
    )]
    Connections(ConnectionsCommand),
    /// Run the local Zoom sandbox (OAuth and API v2 on one loopback port); print an
    /// integrations.yaml for it on stdout.
    #[command(
        after_help = "Examples:\n  nango sandbox --port 8090 --auto-approve\n  nango sandbox --auto-approve > integrations.yaml"
    )]
    Sandbox(SandboxArgs),
    /// Connect to a local Zoom and use it, end to end: the whole product in one minute.
    #[command(after_help = "Examples:\n  nango demo\n  nango demo --users 5000 --burst 60")]
    Demo(DemoArgs),
    /// Validate integrations.yaml.
    #[command(
        subcommand,
        after_help = "Examples:\n  nango config check\n  nango --config ./staging.yaml config check"
    )]
    Config(ConfigCommand),
    /// Built-in provider blueprints.
    #[command(
        subcommand,
        after_help = "Examples:\n  nango blueprints list\n  nango blueprints show zoom:v0"
    )]
    Blueprints(BlueprintsCommand),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  nango completions bash > ~/.nango.bash\n  nango completions zsh > ~/.zfunc/_nango"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `nango connect`.
#[derive(Debug, Args)]
pub(crate) struct ConnectArgs {
    /// The integration's name in integrations.yaml.
    pub(crate) integration: String,
    /// The connection id to store the account under (1-128 of A-Z a-z 0-9 . _ -).
    #[arg(long, default_value = "default", value_parser = connection_id)]
    pub(crate) connection: String,
    /// Print the authorisation URL instead of opening a browser.
    #[arg(long)]
    pub(crate) no_browser: bool,
    /// How long to wait for the redirect back from the provider.
    #[arg(long, default_value = "5m", value_parser = humantime::parse_duration)]
    pub(crate) timeout: Duration,
}

/// `nango call`.
#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// The integration's name in integrations.yaml.
    pub(crate) integration: String,
    /// HTTP method.
    pub(crate) method: String,
    /// Path relative to the integration's API base URL, e.g. /users/me.
    pub(crate) path: String,
    /// Query parameter key=value (repeatable).
    #[arg(short = 'q', long = "query", value_name = "KEY=VALUE")]
    pub(crate) query: Vec<String>,
    /// JSON body: inline JSON, @file, or - for stdin.
    #[arg(short = 'd', long = "data", value_name = "JSON|@FILE|-", conflicts_with_all = ["field", "typed_field"])]
    pub(crate) data: Option<String>,
    /// A string field of the JSON body, key=value (repeatable; dots nest: settings.host_video=x).
    #[arg(short = 'f', long = "field", value_name = "KEY=VALUE")]
    pub(crate) field: Vec<String>,
    /// A typed field of the JSON body: numbers, true, false, null and JSON literals keep their
    /// type; @file reads the value from a file.
    #[arg(short = 'F', long = "typed-field", value_name = "KEY=VALUE")]
    pub(crate) typed_field: Vec<String>,
    /// An extra request header, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) header: Vec<String>,
    /// Print the status line and response headers (secrets redacted) before the body.
    #[arg(short = 'i', long = "include")]
    pub(crate) include: bool,
    /// Fetch every page of a GET list and print all items as one JSON array.
    #[arg(long)]
    pub(crate) paginate: bool,
    /// With --paginate: print one item a line as each page arrives, instead of an array.
    #[arg(long, requires = "paginate")]
    pub(crate) jsonl: bool,
    /// The connection to use (its id: 1-128 of A-Z a-z 0-9 . _ -).
    #[arg(long, default_value = "default", value_parser = connection_id)]
    pub(crate) connection: String,
}

/// `nango connections`.
#[derive(Debug, Subcommand)]
pub(crate) enum ConnectionsCommand {
    /// List stored connections with their expiry and state.
    #[command(after_help = "Examples:\n  nango connections list\n  nango connections list --json")]
    List {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Show one connection: scopes, expiry, state (never its tokens).
    #[command(
        after_help = "Examples:\n  nango connections show zoom\n  nango connections show zoom --connection work --json"
    )]
    Show(ConnectionRef),
    /// Revoke a connection's tokens at the provider and delete it.
    #[command(
        after_help = "Examples:\n  nango connections revoke zoom\n  nango connections revoke zoom --connection work"
    )]
    Revoke(ConnectionRef),
    /// Delete a connection from the local store (the provider keeps its grant).
    #[command(
        after_help = "Examples:\n  nango connections delete zoom\n  nango connections delete zoom --connection work"
    )]
    Delete(ConnectionRef),
}

/// Names one stored connection.
#[derive(Debug, Args)]
pub(crate) struct ConnectionRef {
    /// The integration's name in integrations.yaml.
    pub(crate) integration: String,
    /// The connection id (1-128 of A-Z a-z 0-9 . _ -).
    #[arg(long, default_value = "default", value_parser = connection_id)]
    pub(crate) connection: String,
    /// Print JSON for scripts.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `nango sandbox`.
#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    /// Port on 127.0.0.1 (default: a free one).
    #[arg(long)]
    pub(crate) port: Option<u16>,
    /// Approve authorisation requests without a consent page.
    #[arg(long)]
    pub(crate) auto_approve: bool,
    /// Users seeded into the account besides its owner.
    #[arg(long, default_value_t = 120)]
    pub(crate) seed_users: usize,
    /// The account's Zoom plan, which sets the rate limits it enforces.
    #[arg(long, value_enum, default_value_t = SandboxPlan::Pro)]
    pub(crate) plan: SandboxPlan,
}

/// Zoom plans the sandbox can enforce.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum SandboxPlan {
    /// Free: low per-second limits and daily caps per category.
    Free,
    /// Pro.
    Pro,
    /// Business and above.
    Business,
}

impl SandboxPlan {
    /// The plan's key in the zoom:v0 blueprint's `rate_limits.plans`.
    pub(crate) fn blueprint_key(self) -> &'static str {
        match self {
            SandboxPlan::Free => "free",
            SandboxPlan::Pro => "pro",
            SandboxPlan::Business => "business",
        }
    }
}

/// `nango demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Users seeded into the sandbox account.
    #[arg(long, default_value_t = 250)]
    pub(crate) users: usize,
    /// Requests in the throttled burst.
    #[arg(long, default_value_t = 45)]
    pub(crate) burst: usize,
}

/// `nango config`.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Validate the integrations file and print it resolved, secrets redacted.
    #[command(after_help = "Example:\n  NANGO_CONFIG=./integrations.yaml nango config check")]
    Check,
}

/// `nango blueprints`.
#[derive(Debug, Subcommand)]
pub(crate) enum BlueprintsCommand {
    /// List built-in blueprints and their versions.
    #[command(after_help = "Example:\n  nango blueprints list")]
    List,
    /// Print a blueprint, e.g. zoom:v0.
    #[command(
        after_help = "Examples:\n  nango blueprints show zoom:v0\n  nango blueprints show zoom"
    )]
    Show {
        /// name:version, or a name for its highest version.
        reference: String,
    },
}

/// The longest connection id accepted.
const MAX_CONNECTION_ID: usize = 128;

/// Checks a connection id: 1 to 128 characters of `A-Z a-z 0-9 . _ -`, and not `.` or `..`, so
/// that it is safe in a file name, a URL and a shell command.
pub(crate) fn connection_id(text: &str) -> Result<String, String> {
    const RULE: &str = "a connection id is 1 to 128 characters of A-Z, a-z, 0-9, `.`, `_` and `-`, \
                        and not `.` or `..`";
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if text.is_empty() {
        return Err(format!("the connection id is empty; {RULE}"));
    }
    if text.chars().count() > MAX_CONNECTION_ID {
        return Err(format!(
            "the connection id is longer than {MAX_CONNECTION_ID} characters; {RULE}"
        ));
    }
    if let Some(c) = text.chars().find(|c| !allowed(*c)) {
        return Err(format!("the connection id contains {c:?}; {RULE}"));
    }
    if text == "." || text == ".." {
        return Err(format!("the connection id cannot be `{text}`; {RULE}"));
    }
    Ok(text.to_owned())
}

impl Command {
    /// The command's name as typed, e.g. `call` or `connections`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Command::Connect(_) => "connect",
            Command::Call(_) => "call",
            Command::Connections(_) => "connections",
            Command::Sandbox(_) => "sandbox",
            Command::Demo(_) => "demo",
            Command::Config(_) => "config",
            Command::Blueprints(_) => "blueprints",
            Command::Completions { .. } => "completions",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_are_checked() {
        for good in ["default", "work", "a.b_c-9", &"x".repeat(128)] {
            assert_eq!(connection_id(good).as_deref(), Ok(good));
        }
        for bad in ["", "a\tb", "../x", "a/b", "a b", ".", "..", "é", &"x".repeat(129)] {
            let error = connection_id(bad).unwrap_err();
            assert!(error.contains("1 to 128 characters"), "{bad:?}: {error}");
        }
    }
}
