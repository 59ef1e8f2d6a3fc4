//! `${VAR}` interpolation in every string value of a tree.
//!
//! Rules: `${NAME}` is replaced by the variable's value and is an error when the variable is not
//! set; `${NAME:-default}` uses `default` (which may be empty) when the variable is unset or
//! empty; `$${` is a literal `${`; a `$` not followed by `{` stays as it is; a substituted value
//! is never expanded again. Names are `[A-Za-z_][A-Za-z0-9_]*`. Keys are never interpolated.

use crate::error::{ConfigError, ErrorKind};
use crate::yaml::node::{Kind, Node, Style};

/// Where variables come from: the process environment in production, a map in tests.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Interpolates every string scalar of `node`, at any depth.
pub(crate) fn interpolate_tree(node: &mut Node, env: Env<'_>) -> Result<(), ConfigError> {
    match &mut node.kind {
        Kind::Scalar(text, style) if *style == Style::Str => {
            let expansion = expand(text, env).map_err(|problem| {
                problem.into_error().at(&node.loc.place()).with_path(node.path.clone())
            })?;
            if let Some((expanded, substituted)) = expansion {
                *text = expanded;
                if substituted {
                    *style = Style::Interpolated;
                }
            }
            Ok(())
        }
        Kind::Seq(items) => items.iter_mut().try_for_each(|item| interpolate_tree(item, env)),
        Kind::Map(entries) => entries.iter_mut().try_for_each(|(_, v)| interpolate_tree(v, env)),
        Kind::Scalar(..) | Kind::Null(_) => Ok(()),
    }
}

/// What can be wrong with one string.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// `${NAME}` and `NAME` is not set.
    Missing(String),
    /// `${` without its `}`.
    Unterminated,
    /// `${...}` whose inside is not `NAME` or `NAME:-default`.
    BadExpression,
}

impl Problem {
    fn into_error(self) -> ConfigError {
        match self {
            Problem::Missing(name) => ConfigError::new(
                ErrorKind::MissingVariable,
                format!("environment variable `{name}` is not set"),
            )
            .with_help(format!("set {name}, or give a default with ${{{name}:-default}}")),
            Problem::Unterminated => {
                ConfigError::new(ErrorKind::BadInterpolation, "`${` has no closing `}`")
                    .with_help("close it, or write `$${` for a literal `${`")
            }
            Problem::BadExpression => ConfigError::new(
                ErrorKind::BadInterpolation,
                "malformed `${...}`: expected a variable name",
            )
            .with_help(
                "write ${NAME} or ${NAME:-default} (NAME: letters, digits, _), or `$${` for a \
                 literal `${`",
            ),
        }
    }
}

/// Expands one string. `Ok(None)`: nothing to do. `Ok(Some((text, substituted)))`: the new
/// text, and whether a variable or default was substituted.
pub(crate) fn expand(text: &str, env: Env<'_>) -> Result<Option<(String, bool)>, Problem> {
    if !text.contains('$') {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    let mut substituted = false;
    let mut changed = false;
    let mut rest = text;

    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(tail) = after.strip_prefix("${") {
            out.push_str("${");
            changed = true;
            rest = tail;
        } else if let Some(inner_and_tail) = after.strip_prefix('{') {
            let close = inner_and_tail.find('}').ok_or(Problem::Unterminated)?;
            let value = resolve(&inner_and_tail[..close], env)?;
            out.push_str(&value);
            substituted = true;
            changed = true;
            rest = &inner_and_tail[close + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(changed.then_some((out, substituted)))
}

fn resolve(inner: &str, env: Env<'_>) -> Result<String, Problem> {
    let (name, default) = match inner.split_once(":-") {
        Some((name, default)) => (name, Some(default)),
        None => (inner, None),
    };
    if !is_name(name) {
        return Err(Problem::BadExpression);
    }
    match (env(name), default) {
        (Some(value), Some(default)) if value.is_empty() => Ok(default.to_owned()),
        (Some(value), _) => Ok(value),
        (None, Some(default)) => Ok(default.to_owned()),
        (None, None) => Err(Problem::Missing(name.to_owned())),
    }
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("example.test".into()),
            "EMPTY" => Some(String::new()),
            "DOLLARS" => Some("${HOST}$${x}".into()),
            _ => None,
        }
    }

    fn ex(text: &str) -> Result<String, Problem> {
        expand(text, &env).map(|r| r.map_or_else(|| text.to_owned(), |(s, _)| s))
    }

    #[test]
    fn plain_text_is_untouched() {
        assert_eq!(expand("no dollars", &env), Ok(None));
        assert_eq!(expand("cost $5 and $ alone$", &env), Ok(None));
    }

    #[test]
    fn variables_are_substituted() {
        assert_eq!(ex("https://${HOST}/v2"), Ok("https://example.test/v2".into()));
        assert_eq!(ex("${HOST}${HOST}"), Ok("example.testexample.test".into()));
        assert_eq!(expand("${HOST}", &env), Ok(Some(("example.test".into(), true))));
    }

    #[test]
    fn defaults_apply_when_unset_or_empty() {
        assert_eq!(ex("${NOPE:-fallback}"), Ok("fallback".into()));
        assert_eq!(ex("${EMPTY:-fallback}"), Ok("fallback".into()));
        assert_eq!(ex("${HOST:-fallback}"), Ok("example.test".into()));
        assert_eq!(ex("[${NOPE:-}]"), Ok("[]".into()));
        assert_eq!(ex("${NOPE:-a:-b}"), Ok("a:-b".into()));
    }

    #[test]
    fn empty_value_without_default_is_empty() {
        assert_eq!(ex("[${EMPTY}]"), Ok("[]".into()));
    }

    #[test]
    fn double_dollar_brace_is_literal() {
        assert_eq!(expand("$${HOST}", &env), Ok(Some(("${HOST}".into(), false))));
        assert_eq!(ex("a$$b"), Ok("a$$b".into()));
        // Scanning is left to right: the first `$` is lone, then `$${` is the escape.
        assert_eq!(ex("$$${HOST}"), Ok("$${HOST}".into()));
    }

    #[test]
    fn substituted_values_are_not_expanded_again() {
        assert_eq!(ex("${DOLLARS}"), Ok("${HOST}$${x}".into()));
    }

    #[test]
    fn missing_variable_is_named() {
        assert_eq!(ex("x ${NOPE} y"), Err(Problem::Missing("NOPE".into())));
    }

    #[test]
    fn malformed_expressions_are_errors() {
        assert_eq!(ex("${HOST"), Err(Problem::Unterminated));
        assert_eq!(ex("${}"), Err(Problem::BadExpression));
        assert_eq!(ex("${1ABC}"), Err(Problem::BadExpression));
        assert_eq!(ex("${A-B}"), Err(Problem::BadExpression));
        assert_eq!(ex("${A:?err}"), Err(Problem::BadExpression));
        assert_eq!(ex("${ HOST }"), Err(Problem::BadExpression));
    }
}
