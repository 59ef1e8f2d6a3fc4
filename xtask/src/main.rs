//! Workspace automation. `cargo xtask zoom-catalog` regenerates the Zoom endpoint catalogue;
//! `cargo xtask bench` measures nango-http and writes `docs/benchmarks.md`.
#![forbid(unsafe_code)]

mod bench;
mod example;
mod zoom_catalog;

use anyhow::{Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("zoom-catalog") => zoom_catalog::run(&args[1..]),
        Some("bench-refresh-child") => bench::refresh_child(&args[1..]),
        Some("bench") => bench::run(&zoom_catalog::workspace_root()?, &args[1..]),
        Some(other) => bail!("unknown task `{other}`; tasks: zoom-catalog, bench"),
        None => bail!("usage: cargo xtask <task>; tasks: zoom-catalog, bench [--json] [--quick]"),
    }
}
