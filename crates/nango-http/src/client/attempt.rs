//! One attempt on the wire: send, buffer the body, and name what happened.

use std::error::Error as _;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::FutureExt as _;
use http::{HeaderMap, StatusCode};

use crate::timeout::Timeouts;

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

/// Sends `request` and buffers the body, all within `timeout`.
///
/// The timeout is applied here, through the client's [`Timeouts`], rather than through
/// reqwest's per-request timeout, which costs an extension map on the request and a tokio timer.
/// It is wall-clock time on the wire, not the injected [`crate::time::Clock`]: a hung socket
/// does not care about virtual time. When it fires the request counts as sent, since it may
/// have been. A connect that times out first, on reqwest's `connect_timeout` (shorter than the
/// request timeout by default), is known not to have sent anything and says so.
///
/// Not an `async fn`: reqwest's future is created here, so the returned future holds it and
/// not the request.
pub(super) fn execute<'a>(
    client: &reqwest::Client,
    timeouts: &'a Timeouts,
    request: reqwest::Request,
    timeout: Duration,
) -> impl Future<Output = Wire> + Send + 'a {
    let exchange = read(client.execute(request));
    timeouts.bound(timeout, exchange).map(|outcome| match outcome {
        Ok(wire) => wire,
        // The request may have been written (or even processed): count it as sent.
        Err(_elapsed) => Wire::Timeout { sent: true, detail: String::new() },
    })
}

/// Waits for the response and buffers its body.
async fn read(pending: impl Future<Output = reqwest::Result<reqwest::Response>>) -> Wire {
    let mut response = match pending.await {
        Ok(response) => response,
        Err(error) => return from_error(&error),
    };
    // Chunk by chunk rather than `Response::bytes`, whose future is larger than this one.
    let mut body = Body::Empty;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => body.push(chunk),
            Ok(None) => break,
            Err(error) => {
                return match from_error(&error) {
                    // The status line arrived, so the request was sent whatever reqwest reports.
                    Wire::Connect { detail } | Wire::Timeout { detail, .. }
                        if error.is_timeout() =>
                    {
                        Wire::Timeout { sent: true, detail }
                    }
                    Wire::Connect { detail } => Wire::Transport { detail },
                    other => other,
                };
            }
        }
    }
    // Taken after the body, not before: a local would be kept across every chunk's await.
    let headers = std::mem::take(response.headers_mut());
    Wire::Response { status: response.status(), headers, body: body.into_bytes() }
}

/// A body being buffered: one chunk is kept as it came (no copy), more are joined.
enum Body {
    Empty,
    One(Bytes),
    Many(BytesMut),
}

impl Body {
    fn push(&mut self, chunk: Bytes) {
        *self = match std::mem::replace(self, Body::Empty) {
            Body::Empty => Body::One(chunk),
            Body::One(first) => {
                let mut joined = BytesMut::with_capacity(first.len() + chunk.len());
                joined.extend_from_slice(&first);
                joined.extend_from_slice(&chunk);
                Body::Many(joined)
            }
            Body::Many(mut joined) => {
                joined.extend_from_slice(&chunk);
                Body::Many(joined)
            }
        };
    }

    fn into_bytes(self) -> Bytes {
        match self {
            Body::Empty => Bytes::new(),
            Body::One(bytes) => bytes,
            Body::Many(joined) => joined.freeze(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn buffered(chunks: &[&'static [u8]]) -> Bytes {
        let mut body = Body::Empty;
        for chunk in chunks {
            body.push(Bytes::from_static(chunk));
        }
        body.into_bytes()
    }

    #[test]
    fn chunks_are_joined_in_order() {
        assert_eq!(buffered(&[]), Bytes::new());
        assert_eq!(buffered(&[b"one"]), Bytes::from_static(b"one"));
        assert_eq!(buffered(&[b"one", b"-two"]), Bytes::from_static(b"one-two"));
        assert_eq!(buffered(&[b"a", b"", b"bc", b"d"]), Bytes::from_static(b"abcd"));
    }

    #[test]
    fn a_single_chunk_is_not_copied() {
        let chunk = Bytes::from(vec![7u8; 64]);
        let mut body = Body::Empty;
        body.push(chunk.clone());
        assert_eq!(body.into_bytes().as_ptr(), chunk.as_ptr());
    }
}
