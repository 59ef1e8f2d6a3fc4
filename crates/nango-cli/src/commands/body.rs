//! The request body and headers of `nango call`: `-d`, `-f`, `-F` and `-H`.

use std::io::Read;

use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

use crate::error::{CliError, CliResult, ExitKind};

fn usage(message: String) -> CliError {
    CliError::new(ExitKind::Usage, message)
}

/// The JSON body from `-d` (inline, `@file` or `-` for stdin) or from `-f`/`-F` fields.
pub(crate) fn body(
    data: Option<&str>,
    fields: &[String],
    typed: &[String],
) -> CliResult<Option<Value>> {
    if let Some(data) = data {
        return read_data(data).map(Some);
    }
    if fields.is_empty() && typed.is_empty() {
        return Ok(None);
    }
    let mut root = Map::new();
    for field in fields {
        let (key, value) = split_pair(field, "-f")?;
        insert(&mut root, key, Value::String(value.to_owned()))?;
    }
    for field in typed {
        let (key, value) = split_pair(field, "-F")?;
        insert(&mut root, key, typed_value(key, value)?)?;
    }
    Ok(Some(Value::Object(root)))
}

fn read_data(data: &str) -> CliResult<Value> {
    let (text, source) = if data == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        (text, "stdin".to_owned())
    } else if let Some(file) = data.strip_prefix('@') {
        let text = std::fs::read_to_string(file)
            .map_err(|e| usage(format!("cannot read the body file {file}: {e}")))?;
        (text, file.to_owned())
    } else {
        (data.to_owned(), "-d".to_owned())
    };
    serde_json::from_str(&text)
        .map_err(|e| usage(format!("the body from {source} is not valid JSON: {e}")))
}

fn split_pair<'a>(pair: &'a str, flag: &str) -> CliResult<(&'a str, &'a str)> {
    pair.split_once('=')
        .filter(|(key, _)| !key.is_empty())
        .ok_or_else(|| usage(format!("{flag} `{pair}` is not key=value")))
}

/// `-F` values: JSON literals keep their type, `@file` reads a file, anything else is a string;
/// a value that starts like a JSON object or array must be one (a typo is not sent as text).
fn typed_value(key: &str, value: &str) -> CliResult<Value> {
    if let Some(file) = value.strip_prefix('@') {
        let text = std::fs::read_to_string(file)
            .map_err(|e| usage(format!("cannot read the field file {file}: {e}")))?;
        return Ok(Value::String(text));
    }
    match serde_json::from_str(value) {
        Ok(parsed) => Ok(parsed),
        Err(e) if value.trim_start().starts_with(['{', '[']) => Err(usage(format!(
            "-F {key}: the value starts like JSON but is not valid JSON ({e}); fix it, or send \
             it as a string with -f {key}=..."
        ))),
        Err(_) => Ok(Value::String(value.to_owned())),
    }
}

/// Inserts at a dotted key path, creating objects on the way.
fn insert(root: &mut Map<String, Value>, key: &str, value: Value) -> CliResult {
    let mut parts = key.split('.').peekable();
    let mut node = root;
    while let Some(part) = parts.next() {
        if part.is_empty() {
            return Err(usage(format!("the field name `{key}` has an empty part")));
        }
        if parts.peek().is_none() {
            node.insert(part.to_owned(), value);
            return Ok(());
        }
        let child = node.entry(part.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        node = child.as_object_mut().ok_or_else(|| {
            usage(format!("the field `{key}` nests under a value that is not an object"))
        })?;
    }
    Ok(())
}

/// Headers from `-H 'Name: value'`.
pub(crate) fn headers(pairs: &[String]) -> CliResult<HeaderMap> {
    let mut map = HeaderMap::new();
    for pair in pairs {
        let (name, value) = pair
            .split_once(':')
            .ok_or_else(|| usage(format!("-H `{pair}` is not 'Name: value'")))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| usage(format!("`{}` is not a valid header name", name.trim())))?;
        if name == http::header::AUTHORIZATION {
            return Err(usage(
                "-H cannot set Authorization: the connection's access token is sent for you; \
                 use --connection to pick another connection"
                    .to_owned(),
            )
            .with_hint("List the stored connections with `nango connections list`."));
        }
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| usage(format!("the value of header `{name}` is not valid")))?;
        map.append(name, value);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn fields_build_nested_json_with_types() {
        let fields = strings(&["topic=Standup", "settings.host_video=true"]);
        let typed =
            strings(&["type=2", "settings.join_before_host=true", "agenda=plain text", "x=null"]);
        let body = body(None, &fields, &typed).unwrap().unwrap();
        assert_eq!(
            body,
            serde_json::json!({"topic": "Standup", "type": 2, "agenda": "plain text", "x": null,
                "settings": {"host_video": "true", "join_before_host": true}})
        );
    }

    #[test]
    fn broken_json_in_a_typed_field_is_a_usage_error() {
        for broken in [r#"x={"a":"#, "x=[1,", "x= {"] {
            let error = body(None, &[], &strings(&[broken])).unwrap_err();
            assert!(error.to_string().starts_with("-F x: "), "{error}");
        }
        let fine = body(None, &[], &strings(&["x={\"a\":1}", "y=[1]", "z=plain {"])).unwrap();
        assert_eq!(fine, Some(serde_json::json!({"x": {"a": 1}, "y": [1], "z": "plain {"})));
    }

    #[test]
    fn bad_fields_and_headers_are_usage_errors() {
        assert!(body(None, &strings(&["novalue"]), &[]).is_err());
        assert!(body(None, &strings(&["a=1", "a.b=2"]), &[]).is_err());
        assert!(body(Some("{not json"), &[], &[]).is_err());
        assert!(headers(&strings(&["NoColon"])).is_err());
        assert!(headers(&strings(&["authorization: Bearer mine"])).is_err());
        let h = headers(&strings(&["X-Trace: abc", "Accept: application/json"])).unwrap();
        assert_eq!(h["x-trace"], "abc");
    }
}
