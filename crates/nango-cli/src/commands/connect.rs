//! `nango connect`: authorise an account and store the connection.

use std::io::IsTerminal;
use std::time::Duration;

use nango_config::blueprint::AuthMode;
use nango_oauth::{Browser, Connection, PrintBrowser};

use crate::cli::ConnectArgs;
use crate::context::{Paths, Runtime};
use crate::error::{CliError, CliResult, ExitKind};
use crate::output;

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
    // Ctrl-C drops the flow before anything is stored: the token exchange and the write to
    // the store happen only after the redirect arrived.
    let result = tokio::select! {
        result = connect(&runtime, &args.connection, browser.as_ref(), args.timeout) => result,
        _ = tokio::signal::ctrl_c() => Err(cancelled()),
    };
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    let connection = result?;
    output::eprint_line(&describe(&connection));
    Ok(())
}

/// Ctrl-C while waiting for the redirect.
fn cancelled() -> CliError {
    CliError::new(ExitKind::Interrupted, "Cancelled; nothing was stored.").bare()
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
        AuthMode::Oauth2AuthorizationCode => runtime
            .oauth
            .connect(connection_id, browser, timeout)
            .await
            .map_err(|e| flow_error(runtime, e))?,
        AuthMode::Oauth2ClientCredentials => {
            runtime.oauth.connect_client_credentials(connection_id).await?
        }
    };
    Ok(connection)
}

/// The error of an authorisation flow; a taken callback port says what to do about it.
fn flow_error(runtime: &Runtime, e: nango_oauth::Error) -> CliError {
    let nango_oauth::Error::Io { source, .. } = &e else { return CliError::from(e) };
    if source.kind() != std::io::ErrorKind::AddrInUse {
        return CliError::from(e);
    }
    let redirect_uri = runtime.integration.redirect_uri.as_deref().unwrap_or("");
    let port = url::Url::parse(redirect_uri)
        .ok()
        .and_then(|u| u.port_or_known_default())
        .map_or_else(|| "?".to_owned(), |p| p.to_string());
    CliError::new(
        ExitKind::Failure,
        format!(
            "cannot wait for the authorisation redirect: port {port} of redirect_uri \
             {redirect_uri} is in use"
        ),
    )
    .with_hint(format!(
        "Another `nango connect` may be waiting, or another program uses port {port}; free it \
         or change redirect_uri in the integrations file, and register the new one on the app."
    ))
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
        output::eprint_line(&format!(
            "Opening your browser to authorise. If it does not open, visit:\n  {url}"
        ));
        if webbrowser::open(url.as_str()).is_err() {
            output::eprint_line("(no browser found; open the URL above yourself)");
        }
        Ok(())
    }
}
