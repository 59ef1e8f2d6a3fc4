//! How the authorize URL reaches the person who grants access.

use async_trait::async_trait;
use url::Url;

use crate::error::{Error, Result};

/// Opens an authorize URL. The CLI opens the system browser; [`PrintBrowser`] prints the URL;
/// [`HttpBrowser`] follows an auto-approving server's redirects (demo and tests).
#[async_trait]
pub trait Browser: Send + Sync {
    /// Shows `url` to the user, or visits it.
    ///
    /// # Errors
    /// When the URL could not be shown or visited.
    async fn open(&self, url: &Url) -> Result<()>;
}

/// Prints the URL to stderr for the user to open.
#[derive(Debug, Default, Clone, Copy)]
pub struct PrintBrowser;

#[async_trait]
impl Browser for PrintBrowser {
    async fn open(&self, url: &Url) -> Result<()> {
        eprintln!("Open this URL in a browser to authorise:\n\n  {url}\n");
        Ok(())
    }
}

/// Visits the URL with a plain HTTP client that follows redirects, as a user clicking "Allow"
/// on a server that approves at once would; the redirect lands on nango's loopback listener.
#[derive(Debug, Clone)]
pub struct HttpBrowser {
    client: reqwest::Client,
}

impl HttpBrowser {
    /// A browser following up to 10 redirects.
    ///
    /// # Errors
    /// [`Error::Io`] if the HTTP client cannot be built.
    pub fn new() -> Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(10))
            .build()
            .map_err(|e| Error::io("building the HTTP browser", std::io::Error::other(e)))?;
        Ok(Self { client })
    }
}

#[async_trait]
impl Browser for HttpBrowser {
    async fn open(&self, url: &Url) -> Result<()> {
        let response = self.client.get(url.clone()).send().await.map_err(|e| {
            Error::io("visiting the authorize URL", std::io::Error::other(e.without_url()))
        })?;
        let status = response.status();
        if !status.is_success() {
            let at = response.url();
            return Err(Error::io(
                format!(
                    "visiting the authorize URL ended at {}{}",
                    at.host_str().unwrap_or(""),
                    at.path()
                ),
                std::io::Error::other(format!("HTTP {}", status.as_u16())),
            ));
        }
        Ok(())
    }
}
