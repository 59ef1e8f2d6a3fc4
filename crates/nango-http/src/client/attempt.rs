//! One attempt on the wire: send, buffer the body, and name what happened.

use std::error::Error as _;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

/// What one attempt produced, before the policy reads it.
#[derive(Debug)]
pub(super) enum Wire {
    /// A whole response.
    Response { status: StatusCode, headers: HeaderMap, body: Bytes },
    /// No connection: the request was not sent.
    Connect { detail: String },
    /// The timeout fired; `sent` tells whether the request may have been processed.
    Timeout { sent: bool, detail: String },
    /// Another failure after the request may have been sent (a reset, a broken body).
    Transport { detail: String },
}

/// Sends `request` and buffers the body. The request's own timeout bounds the whole attempt.
pub(super) async fn execute(client: &reqwest::Client, request: reqwest::Request) -> Wire {
    let mut response = match client.execute(request).await {
        Ok(response) => response,
        Err(error) => return from_error(&error),
    };
    let status = response.status();
    // Taken, not copied: reading the body does not need them.
    let headers = std::mem::take(response.headers_mut());
    match response.bytes().await {
        Ok(body) => Wire::Response { status, headers, body },
        Err(error) => match from_error(&error) {
            // The status line arrived, so the request was sent whatever reqwest reports.
            Wire::Connect { detail } | Wire::Timeout { detail, .. } if error.is_timeout() => {
                Wire::Timeout { sent: true, detail }
            }
            Wire::Connect { detail } => Wire::Transport { detail },
            other => other,
        },
    }
}

fn from_error(error: &reqwest::Error) -> Wire {
    // A timeout needs no detail: the kind says it all.
    if error.is_connect() {
        if error.is_timeout() {
            return Wire::Timeout { sent: false, detail: String::new() };
        }
        return Wire::Connect { detail: safe_detail(error) };
    }
    if error.is_timeout() {
        return Wire::Timeout { sent: true, detail: String::new() };
    }
    Wire::Transport { detail: safe_detail(error) }
}

/// The innermost cause of `error`, which names the failure (e.g. "Connection refused") and never
/// the URL. Anything that looks like a URL is dropped, since a URL may carry a token.
fn safe_detail(error: &reqwest::Error) -> String {
    let mut innermost = None;
    let mut source = error.source();
    while let Some(cause) = source {
        innermost = Some(cause);
        source = cause.source();
    }
    let text = innermost.map_or_else(|| kind_text(error).to_owned(), ToString::to_string);
    if text.contains("://") || text.contains('?') { kind_text(error).to_owned() } else { text }
}

/// reqwest's kind of failure in words, without the URL.
fn kind_text(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "operation timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() {
        "reading the body failed"
    } else if error.is_decode() {
        "decoding the response failed"
    } else if error.is_redirect() {
        "redirect failed"
    } else {
        "request failed"
    }
}
