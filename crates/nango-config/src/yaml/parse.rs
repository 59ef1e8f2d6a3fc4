//! Text to [`Node`]: serde-saphyr with hostile-input limits, then exact-text recovery.

use std::sync::Arc;

use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::options::{DuplicateKeyPolicy, NonFiniteFloatPolicy};
use serde_saphyr::{Error as YamlError, Location, Spanned};

use super::node::{Key, Kind, Loc, Node, Style, join};
use super::raw::Raw;
use crate::error::{ConfigError, ErrorKind, Place};

/// Largest file accepted, in bytes. Configuration files are a few kilobytes.
pub(crate) const MAX_FILE_BYTES: usize = 1024 * 1024;
/// Deepest nesting accepted. The deepest key of our schema is 10 levels down
/// (`integrations.x.overrides.api.rate_limits.shared_daily.pro[0].categories[0]`). Each level
/// costs the parser tens of kilobytes of stack in debug builds: about 60 levels overflow a 2 MiB
/// thread, so the limit stays well below that.
const MAX_DEPTH: usize = 24;
/// Most nodes accepted, aliases expanded.
const MAX_NODES: usize = 100_000;

/// Parses one YAML document. An empty document is an empty mapping.
pub(crate) fn parse(text: &str, file: &str) -> Result<Node, ConfigError> {
    let file: Arc<str> = Arc::from(file);
    if text.len() > MAX_FILE_BYTES {
        return Err(ConfigError::new(
            ErrorKind::Syntax,
            format!("the file is larger than {MAX_FILE_BYTES} bytes"),
        )
        .in_file(&file)
        .with_help("a configuration file is a few kilobytes; check that this is the right file"));
    }
    if let Some(nul) = text.find('\0') {
        let line = text[..nul].matches('\n').count() as u64 + 1;
        let place = Place { file: Some(file.to_string()), line: Some(line), column: None };
        return Err(ConfigError::new(ErrorKind::Syntax, "the file contains a NUL byte")
            .at(&place)
            .with_help("this looks like a binary file, not YAML"));
    }

    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
            max_documents: 1,
        },
        duplicate_keys: DuplicateKeyPolicy::Error,
        // `.inf` and `.nan` reach us as floats and keep their text, like every typed scalar.
        non_finite_float_policy: NonFiniteFloatPolicy::PassThrough,
    };
    let raw: Option<Spanned<Raw>> =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| yaml_error(&e, &file))?;
    let Some(raw) = raw else {
        let loc = Loc { file, line: 1, column: 1 };
        return Ok(Node::empty_map(loc, String::new()));
    };

    let source = Source { text, file };
    source.node(raw, String::new())
}

struct Source<'a> {
    text: &'a str,
    file: Arc<str>,
}

impl Source<'_> {
    fn loc(&self, location: &Location) -> Loc {
        Loc { file: self.file.clone(), line: location.line(), column: location.column() }
    }

    /// The exact text a span covers, if the span is known.
    fn text_of(&self, location: &Location) -> Option<&str> {
        let span = location.span();
        let start = usize::try_from(span.byte_offset()?).ok()?;
        let len = usize::try_from(span.byte_len()?).ok()?;
        self.text.get(start..start.checked_add(len)?)
    }

    fn node(&self, raw: Spanned<Raw>, path: String) -> Result<Node, ConfigError> {
        let loc = self.loc(&raw.referenced);
        let exact =
            |fallback: String| self.text_of(&raw.defined).map(str::to_owned).unwrap_or(fallback);
        let kind = match raw.value {
            Raw::Null => Kind::Null(exact(String::new())),
            Raw::Bool(b) => Kind::Scalar(exact(b.to_string()), Style::Typed),
            Raw::Int(i) => Kind::Scalar(exact(i.to_string()), Style::Typed),
            Raw::Float(f) => Kind::Scalar(exact(f.to_string()), Style::Typed),
            Raw::Str(s) => Kind::Scalar(s, Style::Str),
            Raw::Seq(items) => {
                let mut nodes = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    nodes.push(self.node(item, format!("{path}[{i}]"))?);
                }
                Kind::Seq(nodes)
            }
            Raw::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let key = self.key(key, &path)?;
                    let value = self.node(value, join(&path, &key.text))?;
                    out.push((key, value));
                }
                Kind::Map(out)
            }
        };
        Ok(Node { kind, loc, path })
    }

    fn key(&self, raw: Spanned<Raw>, path: &str) -> Result<Key, ConfigError> {
        let loc = self.loc(&raw.referenced);
        let text = match raw.value {
            Raw::Str(s) => s,
            Raw::Bool(_) | Raw::Int(_) | Raw::Float(_) => {
                self.text_of(&raw.defined).unwrap_or_default().to_owned()
            }
            Raw::Null | Raw::Seq(_) | Raw::Map(_) => {
                return Err(ConfigError::new(
                    ErrorKind::Syntax,
                    "a mapping key must be a plain name, not empty, a list or a mapping",
                )
                .at(&loc.place())
                .with_path(path));
            }
        };
        Ok(Key { text, loc })
    }
}

/// Converts a parser error: our own words for the common cases, never a snippet of the file
/// (the file may hold a secret).
fn yaml_error(error: &YamlError, file: &str) -> ConfigError {
    let location = error.location();
    let place = Place {
        file: Some(file.to_owned()),
        line: location.map(|l| l.line()).filter(|l| *l > 0),
        column: location.map(|l| l.column()).filter(|c| *c > 0),
    };
    let inner = innermost(error);

    let (message, help) = match inner {
        YamlError::DuplicateMappingKey { key, .. } => (
            match key {
                Some(key) => format!("duplicate key `{key}`"),
                None => "duplicate key".to_owned(),
            },
            "each key may appear once in a mapping; remove or rename one of them".to_owned(),
        ),
        YamlError::Budget { breach: BudgetBreach::Depth { .. }, .. } => too_deep(),
        YamlError::Budget { breach: BudgetBreach::Documents { .. }, .. }
        | YamlError::MultipleDocuments { .. } => (
            "more than one YAML document (`---`) in the file".to_owned(),
            "keep one document per file".to_owned(),
        ),
        YamlError::RecursiveReferencesRequireWeakTypes { .. } => (
            "an alias (`*name`) is inside its own anchor (`&name`)".to_owned(),
            "a value cannot contain itself; write it out".to_owned(),
        ),
        YamlError::Budget { .. }
        | YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. }
        | YamlError::AliasReplayCounterOverflow { .. } => (
            "the document is too large once aliases (`*name`) are expanded".to_owned(),
            format!("at most {MAX_NODES} values; write the configuration out without alias chains"),
        ),
        YamlError::UnknownAnchor { .. } => (
            "an alias (`*name`) refers to an anchor (`&name`) that is not defined before it"
                .to_owned(),
            "define the anchor first, or write the value out".to_owned(),
        ),
        other => {
            let message = plain_message(other);
            if message.contains("recursion limit") {
                too_deep()
            } else if message.contains("simple key") {
                let help = "a plain key stays on one line, is at most 1024 characters long and \
                            ends with `:`";
                (message, help.to_owned())
            } else {
                (message, "fix the YAML syntax at this place".to_owned())
            }
        }
    };
    ConfigError::new(ErrorKind::Syntax, format!("invalid YAML: {message}"))
        .at(&place)
        .with_help(help)
}

fn too_deep() -> (String, String) {
    (
        format!("the document is nested more than {MAX_DEPTH} levels deep"),
        "integrations.yaml needs about 10 levels; check the indentation".to_owned(),
    )
}

fn innermost(error: &YamlError) -> &YamlError {
    let mut current = error.without_snippet();
    #[allow(deprecated)]
    while let YamlError::AliasError { error, .. } = current {
        current = error.without_snippet();
    }
    current
}

/// The parser's message without its location prefix and without any snippet.
fn plain_message(error: &YamlError) -> String {
    let options = serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off };
    let rendered = error.render_with_options(options);
    let first = rendered.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let without_place = match first.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest,
        _ => first,
    };
    // The place is shown by our own error; drop the parser's copy at the end.
    let without_suffix = match without_place.rfind(" at line ") {
        Some(at) => &without_place[..at],
        None => without_place,
    };
    without_suffix.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(node: &Node, key: &str) -> (String, Style) {
        match &node.get(key).expect(key).kind {
            Kind::Scalar(text, style) => (text.clone(), *style),
            other => panic!("{key}: {other:?}"),
        }
    }

    #[test]
    fn typed_scalars_keep_their_exact_text() {
        let root = parse("a: NO\nb: 0123\nc: 1e3\nd: 0x1F\ne: .Inf\nf: 'NO'\ng: yes\n", "t.yaml")
            .expect("valid");
        assert_eq!(scalar(&root, "a"), ("NO".into(), Style::Typed));
        assert_eq!(scalar(&root, "b"), ("0123".into(), Style::Typed));
        assert_eq!(scalar(&root, "c"), ("1e3".into(), Style::Typed));
        assert_eq!(scalar(&root, "d"), ("0x1F".into(), Style::Typed));
        assert_eq!(scalar(&root, "e"), (".Inf".into(), Style::Typed));
        assert_eq!(scalar(&root, "f"), ("NO".into(), Style::Str));
        assert_eq!(scalar(&root, "g").0, "yes");
    }

    #[test]
    fn aliases_keep_the_anchors_text() {
        let root = parse("a: &x 0123\nb: *x\n", "t.yaml").expect("valid");
        assert_eq!(scalar(&root, "b"), ("0123".into(), Style::Typed));
    }

    #[test]
    fn places_and_paths_are_recorded() {
        let root = parse("top:\n  list: [x, {k: v}]\n", "t.yaml").expect("valid");
        let list = root.get("top").and_then(|t| t.get("list")).expect("list");
        let Kind::Seq(items) = &list.kind else { panic!("a list") };
        assert_eq!(items[1].path, "top.list[1]");
        let k = items[1].get("k").expect("k");
        assert_eq!(k.path, "top.list[1].k");
        assert_eq!((k.loc.line, k.loc.column), (2, 17), "the value `v`");
        assert_eq!(&*k.loc.file, "t.yaml");
    }

    #[test]
    fn empty_documents_are_empty_mappings() {
        for text in ["", "# only a comment\n", "---\n", "\n\n"] {
            let root = parse(text, "t.yaml").expect(text);
            assert_eq!(root.as_map().map(<[_]>::len), Some(0), "{text:?}");
        }
    }

    #[test]
    fn parser_messages_lose_their_place_suffix() {
        let error = parse("a: [1, 2\n", "t.yaml").expect_err("unclosed");
        assert!(!error.to_string().contains(" at line "), "{error}");
        assert!(error.is_syntax());
    }
}
