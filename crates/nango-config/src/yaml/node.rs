//! The YAML tree the crate works on: every node keeps its exact text, its place and its key path.

use std::sync::Arc;

use crate::error::Place;

/// Where a node is: the file it came from, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loc {
    pub(crate) file: Arc<str>,
    pub(crate) line: u64,
    pub(crate) column: u64,
}

impl Loc {
    pub(crate) fn place(&self) -> Place {
        Place {
            file: Some(self.file.to_string()),
            line: (self.line > 0).then_some(self.line),
            column: (self.column > 0).then_some(self.column),
        }
    }
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// A string: quoted, or plain text that YAML reads as a string.
    Str,
    /// Plain text that YAML would read as a boolean or a number (`NO`, `0123`, `1e3`, `30`).
    /// The text is kept; string fields take it as written.
    Typed,
    /// The result of `${VAR}` interpolation: a string, never shown in errors.
    Interpolated,
}

/// The content of a node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// `~`, `null` or nothing; the text is kept (`~`, `null`, or empty).
    Null(String),
    /// A scalar with its exact text.
    Scalar(String, Style),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order; keys are unique (the parser rejects duplicates).
    Map(Vec<(Key, Node)>),
}

/// A mapping key: its text and its place.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub(crate) text: String,
    pub(crate) loc: Loc,
}

/// One node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) loc: Loc,
    /// The key path from the root of its own file, e.g. `integrations.zoom.oauth_scopes[1]`.
    pub(crate) path: String,
}

impl Node {
    /// An empty mapping at `loc`.
    pub(crate) fn empty_map(loc: Loc, path: String) -> Self {
        Self { kind: Kind::Map(Vec::new()), loc, path }
    }

    /// A string scalar (used to build the blueprint head).
    pub(crate) fn string(text: &str, loc: Loc, path: String) -> Self {
        Self { kind: Kind::Scalar(text.to_owned(), Style::Str), loc, path }
    }

    /// The entries, if this is a mapping.
    pub(crate) fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.kind {
            Kind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value under `key`, if this is a mapping that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.iter().find(|(k, _)| k.text == key).map(|(_, v)| v)
    }

    /// The text, if this is a string-like scalar.
    pub(crate) fn as_text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(text, _) => Some(text),
            _ => None,
        }
    }

    /// A word for the node's shape, for error messages.
    pub(crate) fn shape(&self) -> &'static str {
        match &self.kind {
            Kind::Null(_) => "nothing (null)",
            Kind::Scalar(..) => "a scalar",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }

    /// Merges `over` into `self`: mappings merge key by key (recursively), anything else in
    /// `over` replaces what is here. Replaced nodes keep `over`'s place, so errors point at the
    /// override.
    pub(crate) fn merge(&mut self, over: Node) {
        match (&mut self.kind, over.kind) {
            (Kind::Map(base), Kind::Map(over_entries)) => {
                for (key, value) in over_entries {
                    match base.iter_mut().find(|(k, _)| k.text == key.text) {
                        Some((_, existing)) => existing.merge(value),
                        None => base.push((key, value)),
                    }
                }
            }
            (_, kind) => {
                self.kind = kind;
                self.loc = over.loc;
                self.path = over.path;
            }
        }
    }
}

/// Joins a key path and a key.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc() -> Loc {
        Loc { file: Arc::from("t.yaml"), line: 1, column: 1 }
    }

    fn s(text: &str) -> Node {
        Node::string(text, loc(), String::new())
    }

    fn map(entries: Vec<(&str, Node)>) -> Node {
        let entries =
            entries.into_iter().map(|(k, v)| (Key { text: k.to_owned(), loc: loc() }, v)).collect();
        Node { kind: Kind::Map(entries), loc: loc(), path: String::new() }
    }

    #[test]
    fn maps_merge_key_by_key() {
        let mut base = map(vec![("auth", map(vec![("a", s("1")), ("b", s("2"))]))]);
        base.merge(map(vec![("auth", map(vec![("b", s("3")), ("c", s("4"))]))]));
        let auth = base.get("auth").expect("auth");
        assert_eq!(auth.get("a").and_then(Node::as_text), Some("1"));
        assert_eq!(auth.get("b").and_then(Node::as_text), Some("3"));
        assert_eq!(auth.get("c").and_then(Node::as_text), Some("4"));
    }

    #[test]
    fn lists_and_scalars_replace() {
        let list = |items: &[&str]| Node {
            kind: Kind::Seq(items.iter().map(|t| s(t)).collect()),
            loc: loc(),
            path: String::new(),
        };
        let mut base = map(vec![("l", list(&["a", "b"])), ("x", s("1"))]);
        base.merge(map(vec![("l", list(&["c"])), ("x", map(vec![]))]));
        assert_eq!(base.get("l"), Some(&list(&["c"])));
        assert_eq!(base.get("x").and_then(Node::as_map).map(<[_]>::len), Some(0));
    }

    #[test]
    fn join_paths() {
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a", "b"), "a.b");
    }
}
