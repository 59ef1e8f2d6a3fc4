//! `nango call`: any endpoint, signed, throttled and retried.

use std::io::{IsTerminal, Write};

use futures::TryStreamExt;
use http::{HeaderMap, Method};
use nango_oauth::Session;
use serde_json::Value;

use super::body;
use crate::cli::CallArgs;
use crate::context::{Paths, Runtime};
use crate::error::{CliError, CliResult, ExitKind};
use crate::output::{self, Style};

pub(crate) async fn run(paths: &Paths, args: CallArgs) -> CliResult {
    let method = parse_method(&args.method)?;
    let path = path_with_query(&args.path, &args.query)?;
    let body = body::body(args.data.as_deref(), &args.field, &args.typed_field)?;
    let headers = body::headers(&args.header)?;
    if args.paginate {
        check_paginate(&method, body.is_some())?;
    }
    let runtime = Runtime::load(paths, &args.integration).await?;
    // Only stored connections are used: a client-credentials token is never fetched for a
    // connection nobody created (a typo, or one just revoked).
    super::connections::find(&runtime, &args.integration, &args.connection).await?;
    let session = runtime.session(&args.connection);
    let style = Style::detect();
    if args.paginate {
        let progress = std::io::stderr().is_terminal().then(progress_bar);
        let result = if args.jsonl {
            stream_jsonl(&runtime, &session, &path, &headers, progress.as_ref()).await
        } else {
            let all = paginate_all(&runtime, &session, &path, &headers, progress.as_ref()).await;
            all.and_then(|items| {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{}", output::render_json(&Value::Array(items), style))?;
                Ok(())
            })
        };
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        return result;
    }
    let response = session.request(method, &path, body, headers).await?;
    if args.include {
        print_head(&response)?;
    }
    output::print_body(&response.body, style)?;
    Ok(())
}

/// The status line and headers, secrets redacted, as `-i` shows them.
fn print_head(response: &nango_http::Response) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let status = response.status;
    writeln!(out, "HTTP {} {}", status.as_u16(), status.canonical_reason().unwrap_or(""))?;
    for (name, value) in &response.headers {
        let shown = nango_http::redact::header_value_for_display(name, value);
        writeln!(out, "{name}: {shown}")?;
    }
    writeln!(out)
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    let style = indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} items {wide_bar}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Sends one request through the session. The demo calls this too.
pub(crate) async fn call(
    session: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> CliResult<nango_http::Response> {
    Ok(session.request(method, path, body, HeaderMap::new()).await?)
}

/// Every item of every page, in order. The demo calls this too.
pub(crate) async fn paginate_all(
    runtime: &Runtime,
    session: &Session,
    path: &str,
    headers: &HeaderMap,
    progress: Option<&indicatif::ProgressBar>,
) -> CliResult<Vec<Value>> {
    let mut all = Vec::new();
    walk(runtime, session, path, headers, progress, |items| {
        all.extend(items);
        Ok(())
    })
    .await?;
    Ok(all)
}

/// Prints one item a line as each page arrives: memory stays at one page, and a consumer sees
/// the first items while later pages are still being fetched. A page is written once, after
/// it arrived whole (retries happen below, inside the session), so every item appears once.
async fn stream_jsonl(
    runtime: &Runtime,
    session: &Session,
    path: &str,
    headers: &HeaderMap,
    progress: Option<&indicatif::ProgressBar>,
) -> CliResult {
    walk(runtime, session, path, headers, progress, |items| {
        let write = || {
            let mut out = std::io::stdout().lock();
            write_jsonl(&mut out, &items)?;
            out.flush()
        };
        // The bar on stderr steps aside while a page goes to the same terminal.
        match progress {
            Some(bar) => bar.suspend(write)?,
            None => write()?,
        }
        Ok(())
    })
    .await
}

/// One compact JSON value a line.
fn write_jsonl(out: &mut impl Write, items: &[Value]) -> std::io::Result<()> {
    for item in items {
        serde_json::to_writer(&mut *out, item)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Walks the pages of `path` with the blueprint's pagination, handing each page's items to
/// `on_items` and advancing `progress`.
async fn walk<F>(
    runtime: &Runtime,
    session: &Session,
    path: &str,
    headers: &HeaderMap,
    progress: Option<&indicatif::ProgressBar>,
    mut on_items: F,
) -> CliResult
where
    F: FnMut(Vec<Value>) -> CliResult,
{
    let spec = runtime.integration.blueprint.api.pagination.as_ref().ok_or_else(|| {
        CliError::new(
            ExitKind::Usage,
            format!(
                "the {} blueprint declares no pagination, so --paginate cannot follow its pages",
                runtime.integration.blueprint_ref
            ),
        )
        .with_hint("Call the endpoint without --paginate and pass the page parameters with -q.")
    })?;
    // nango-oauth fetches a page when the one before it has been handed on, not ahead.
    let mut pages = std::pin::pin!(session.pages(spec, path, headers.clone()));
    while let Some(page) = pages.try_next().await? {
        if let Some(bar) = progress {
            if let Some(total) = page.total_records {
                bar.set_length(total);
            }
            bar.inc(page.items.len() as u64);
        }
        on_items(page.items)?;
    }
    Ok(())
}

/// `--paginate` repeats a GET page after page; it cannot carry another method or a body, so it
/// refuses them instead of dropping them.
fn check_paginate(method: &Method, has_body: bool) -> CliResult {
    let refuse = |what: String| {
        Err(CliError::new(ExitKind::Usage, format!("--paginate {what}")).with_hint(
            "Drop --paginate to send this request once, or paginate a GET without a body.",
        ))
    };
    if method != Method::GET {
        return refuse(format!("follows the pages of a GET; it cannot send {method}"));
    }
    if has_body {
        return refuse("sends GETs without a body; -d, -f and -F would be dropped".to_owned());
    }
    Ok(())
}

fn parse_method(text: &str) -> CliResult<Method> {
    Method::from_bytes(text.to_ascii_uppercase().as_bytes())
        .map_err(|_| CliError::new(ExitKind::Usage, format!("`{text}` is not an HTTP method")))
}

/// `path` with `key=value` pairs appended, percent-encoded.
fn path_with_query(path: &str, pairs: &[String]) -> CliResult<String> {
    if !path.starts_with('/') {
        return Err(CliError::new(
            ExitKind::Usage,
            format!("the path `{path}` must start with `/` (it is relative to the API base URL)"),
        ));
    }
    if pairs.is_empty() {
        return Ok(path.to_owned());
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for pair in pairs {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            CliError::new(ExitKind::Usage, format!("query parameter `{pair}` is not key=value"))
        })?;
        query.append_pair(key, value);
    }
    let separator = if path.contains('?') { '&' } else { '?' };
    Ok(format!("{path}{separator}{}", query.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_encoded_and_appended() {
        let pairs = vec!["status=active".to_owned(), "q=a b&c".to_owned()];
        assert_eq!(path_with_query("/users", &pairs).unwrap(), "/users?status=active&q=a+b%26c");
        assert_eq!(path_with_query("/u?x=1", &pairs[..1]).unwrap(), "/u?x=1&status=active");
        assert!(path_with_query("users", &[]).is_err());
        assert!(path_with_query("/users", &["novalue".to_owned()]).is_err());
    }

    #[test]
    fn jsonl_is_one_compact_item_a_line() {
        let mut out = Vec::new();
        let items = vec![serde_json::json!({"id": "a", "n": [1, 2]}), serde_json::json!("b")];
        write_jsonl(&mut out, &items).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "{\"id\":\"a\",\"n\":[1,2]}\n\"b\"\n");
    }

    #[test]
    fn paginate_refuses_what_it_would_drop() {
        assert!(check_paginate(&Method::GET, false).is_ok());
        assert!(check_paginate(&Method::POST, false).is_err());
        assert!(check_paginate(&Method::GET, true).is_err());
    }

    #[test]
    fn methods_are_case_insensitive() {
        assert_eq!(parse_method("get").unwrap(), Method::GET);
        assert!(parse_method("G T").is_err());
    }
}
