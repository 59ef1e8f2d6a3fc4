//! Printing JSON: pretty with colour on a terminal, compact when piped; `NO_COLOR` honoured.

use std::io::{IsTerminal, Write};

use serde_json::Value;

use crate::error::CliResult;

/// How stdout is shown.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) pretty: bool,
    pub(crate) colour: bool,
}

impl Style {
    /// Detected from stdout and the environment.
    pub(crate) fn detect() -> Style {
        let terminal = std::io::stdout().is_terminal();
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style { pretty: terminal, colour: terminal && !no_colour }
    }
}

/// Renders `value` in `style`.
pub(crate) fn render_json(value: &Value, style: Style) -> String {
    if !style.pretty {
        return value.to_string();
    }
    let pretty = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    if style.colour { colourise(&pretty) } else { pretty }
}

/// Writes a body to stdout: JSON rendered per `style`, anything else as is.
pub(crate) fn print_body(body: &[u8], style: Style) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if body.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => writeln!(out, "{}", render_json(&value, style)),
        Err(_) => {
            out.write_all(body)?;
            if !body.ends_with(b"\n") {
                writeln!(out)?;
            }
            Ok(())
        }
    }
}

/// Writes `line` and a newline to stderr. A closed stderr is ignored: there is nobody left to
/// tell, and the exit code still says what happened (`eprintln!` would panic with 101).
pub(crate) fn eprint_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Writes `line` and a newline to stdout; a closed stdout becomes
/// [`crate::error::CliError::pipe_closed`].
pub(crate) fn print_line(line: &str) -> CliResult {
    writeln!(std::io::stdout().lock(), "{line}")?;
    Ok(())
}

/// Writes `text` as is to stdout; a closed stdout becomes
/// [`crate::error::CliError::pipe_closed`].
pub(crate) fn print_text(text: &str) -> CliResult {
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// ANSI colours for pretty JSON: keys blue, strings green, numbers and literals yellow.
fn colourise(pretty: &str) -> String {
    const KEY: &str = "\x1b[34m";
    const STRING: &str = "\x1b[32m";
    const LITERAL: &str = "\x1b[33m";
    const RESET: &str = "\x1b[0m";
    let mut out = String::with_capacity(pretty.len() * 2);
    let chars: Vec<char> = pretty.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            let text: String = chars[start..=i.min(chars.len() - 1)].iter().collect();
            let is_key = chars[i + 1..].iter().find(|c| !c.is_whitespace()) == Some(&':');
            out.push_str(if is_key { KEY } else { STRING });
            out.push_str(&text);
            out.push_str(RESET);
            i += 1;
        } else if c.is_ascii_digit() || c == '-' || c == 't' || c == 'f' || c == 'n' {
            let start = i;
            while i < chars.len() && !matches!(chars[i], ',' | '\n' | ' ' | ']' | '}') {
                i += 1;
            }
            out.push_str(LITERAL);
            out.extend(&chars[start..i]);
            out.push_str(RESET);
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piped_output_is_compact_and_plain() {
        let value = serde_json::json!({"a": [1, "x"], "b": null});
        let style = Style { pretty: false, colour: false };
        assert_eq!(render_json(&value, style), r#"{"a":[1,"x"],"b":null}"#);
    }

    #[test]
    fn terminal_output_is_pretty_and_coloured() {
        let value = serde_json::json!({"name": "a\"b", "n": -1.5, "ok": true});
        let coloured = render_json(&value, Style { pretty: true, colour: true });
        let plain = render_json(&value, Style { pretty: true, colour: false });
        assert!(coloured.contains("\x1b[34m\"name\"\x1b[0m"));
        assert!(coloured.contains("\x1b[32m\"a\\\"b\"\x1b[0m"));
        assert!(coloured.contains("\x1b[33m-1.5\x1b[0m"));
        let stripped = coloured.replace("\x1b[34m", "").replace("\x1b[32m", "");
        assert_eq!(stripped.replace("\x1b[33m", "").replace("\x1b[0m", ""), plain);
    }
}
