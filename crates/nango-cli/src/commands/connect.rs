//! `nango connect`: authorise an account and store the connection.

use std::io::IsTerminal;
use std::time::Duration;

use nango_config::blueprint::AuthMode;
use nango_oauth::{Browser, Connection, PrintBrowser};

use crate::cli::ConnectArgs;
use crate::context::{Paths, Runtime};
use crate::error::CliResult;

pub(crate) async fn run(paths: &Paths, args: ConnectArgs) -> CliResult {
    let runtime = Runtime::load(paths, &args.integration).await?;
    let browser: Box<dyn Browser> =
        if args.no_browser { Box::new(PrintBrowser) } else { Box::new(SystemBrowser) };
    let spinner = std::io::stderr().is_terminal().then(|| {
        let spinner = indicatif::ProgressBar::new_spinner();
        spinner.set_message("waiting for the authorisation redirect…");
        spinner.enable_steady_tick(Duration::from_millis(120));
        spinner
    });
    let result = connect(&runtime, &args.connection, browser.as_ref(), args.timeout).await;
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    eprintln!("{}", describe(&result?));
    Ok(())
}

/// Connects `connection_id`: a browser round trip for the authorization-code grant, a token
/// request for client credentials. The demo calls this too.
pub(crate) async fn connect(
    runtime: &Runtime,
    connection_id: &str,
    browser: &dyn Browser,
    timeout: Duration,
) -> CliResult<Connection> {
    let connection = match runtime.integration.blueprint.auth.mode {
        AuthMode::Oauth2AuthorizationCode => {
            runtime.oauth.connect(connection_id, browser, timeout).await?
        }
        AuthMode::Oauth2ClientCredentials => {
            runtime.oauth.connect_client_credentials(connection_id).await?
        }
    };
    Ok(connection)
}

/// One line about a fresh connection: who, which scopes.
pub(crate) fn describe(connection: &Connection) -> String {
    let scopes = if connection.tokens.scopes.is_empty() {
        "no scopes reported".to_owned()
    } else {
        connection.tokens.scopes.join(" ")
    };
    format!(
        "Connected {} as connection `{}`; granted scopes: {scopes}",
        connection.integration, connection.connection_id
    )
}

/// Opens the system browser, falling back to printing the URL.
struct SystemBrowser;

#[async_trait::async_trait]
impl Browser for SystemBrowser {
    async fn open(&self, url: &url::Url) -> Result<(), nango_oauth::Error> {
        eprintln!("Opening your browser to authorise. If it does not open, visit:\n  {url}");
        if webbrowser::open(url.as_str()).is_err() {
            eprintln!("(no browser found; open the URL above yourself)");
        }
        Ok(())
    }
}
