//! Help texts: pinned by snapshots, each with examples, and checked against docs/cli.md.

mod common;

#[allow(dead_code, unreachable_pub)]
#[path = "../src/cli.rs"]
mod cli;

use std::path::Path;

use clap::CommandFactory;
use common::{nango, text};

/// Every command path: `[]`, `["call"]`, `["connections", "list"]`...
fn command_paths() -> Vec<Vec<String>> {
    fn walk(command: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        out.push(prefix.clone());
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut path = prefix.clone();
            path.push(sub.get_name().to_owned());
            walk(sub, path, out);
        }
    }
    let mut out = Vec::new();
    walk(&cli::Cli::command(), Vec::new(), &mut out);
    out
}

/// What `nango PATH --help` prints, piped, 100 columns wide.
fn help(path: &[String]) -> String {
    let output = nango().args(path).arg("--help").output().expect("nango runs");
    assert!(output.status.success(), "{path:?} --help: {}", text(&output.stderr));
    text(&output.stdout)
}

fn title(path: &[String]) -> String {
    if path.is_empty() { "nango".to_owned() } else { format!("nango {}", path.join(" ")) }
}

#[test]
fn every_help_text_is_pinned_and_shows_examples() {
    let paths = command_paths();
    assert!(paths.len() >= 16, "all commands are walked: {paths:?}");
    for path in paths {
        let shown = help(&path);
        assert!(shown.contains("\nExample"), "`{} --help` shows no example", title(&path));
        let name =
            if path.is_empty() { "help".to_owned() } else { format!("help_{}", path.join("_")) };
        insta::assert_snapshot!(name, shown, &format!("{} --help", title(&path)));
    }
}

const BEGIN: &str = "<!-- BEGIN GENERATED REFERENCE: `NANGO_UPDATE_DOCS=1 cargo test -p nango-cli --test help` rewrites it -->";
const END: &str = "<!-- END GENERATED REFERENCE -->";

/// The reference section of docs/cli.md: every command's help text.
fn reference() -> String {
    let mut out = String::new();
    for path in command_paths() {
        out.push_str(&format!("\n### `{}`\n\n```text\n{}```\n", title(&path), help(&path)));
    }
    out
}

#[test]
fn docs_cli_md_matches_the_help_texts() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md");
    let docs = std::fs::read_to_string(&file).expect("docs/cli.md");
    let start = docs.find(BEGIN).expect("docs/cli.md has the generated reference markers");
    let end = docs.find(END).expect("docs/cli.md has the end marker");
    let fresh = format!("{}{BEGIN}\n{}\n{}", &docs[..start], reference(), &docs[end..]);
    if std::env::var_os("NANGO_UPDATE_DOCS").is_some() {
        std::fs::write(&file, &fresh).expect("rewrite docs/cli.md");
        return;
    }
    assert!(
        docs == fresh,
        "docs/cli.md is stale: run `NANGO_UPDATE_DOCS=1 cargo test -p nango-cli --test help`"
    );
    // The hand-written part names every command and every long flag too.
    let prose = &docs[..start];
    for path in command_paths().iter().filter(|p| !p.is_empty()) {
        assert!(prose.contains(&title(path)), "docs/cli.md does not describe `{}`", title(path));
    }
    let mut flags = Vec::new();
    fn collect(command: &clap::Command, flags: &mut Vec<String>) {
        for arg in command.get_arguments() {
            if let Some(long) = arg.get_long().filter(|l| !matches!(*l, "help" | "version")) {
                flags.push(format!("--{long}"));
            }
        }
        command.get_subcommands().for_each(|sub| collect(sub, flags));
    }
    collect(&cli::Cli::command(), &mut flags);
    for flag in flags {
        assert!(prose.contains(&flag), "docs/cli.md does not mention {flag}");
    }
}
