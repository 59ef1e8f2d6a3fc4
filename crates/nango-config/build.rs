//! Embeds the workspace's `blueprints/*.yaml` into the crate (see `src/blueprints/builtin.rs`).

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dir = manifest.join("../../blueprints");
    println!("cargo:rerun-if-changed={}", dir.display());

    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if let Ok(entries) = fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            if !is_yaml {
                continue;
            }
            println!("cargo:rerun-if-changed={}", path.display());
            let file_name = path.file_name().expect("a file").to_string_lossy().into_owned();
            let absolute = fs::canonicalize(&path).expect("blueprint path resolves");
            files.push((file_name, absolute));
        }
    }
    files.sort();

    let mut out = String::from("/// Built-in blueprint files: (file name, text).\n");
    out.push_str("pub(crate) const FILES: &[(&str, &str)] = &[\n");
    for (name, path) in &files {
        out.push_str(&format!("    ({name:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    out.push_str("];\n");

    let target = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("builtin.rs");
    fs::write(target, out).expect("OUT_DIR is writable");
}
