//! The real `nango` binary against the real sandbox over loopback.

mod common;

use std::process::Stdio;

use common::{Env, assert_no_secret, connect, nango, sandbox, text};

#[tokio::test(flavor = "multi_thread")]
async fn connect_call_paginate_and_list_connections() {
    let (sandbox, redirect_uri) = sandbox(5_000).await;
    let env = Env::new(&sandbox, &redirect_uri);

    let connected = connect(&env, "default").await;
    assert!(text(&connected.stderr).contains("granted scopes"), "{}", text(&connected.stderr));
    assert_no_secret(&connected);

    let me = env.run(&["call", "zoom", "GET", "/users/me"]);
    assert!(me.status.success(), "{}", text(&me.stderr));
    let body: serde_json::Value = serde_json::from_slice(&me.stdout).expect("JSON on stdout");
    assert!(body.get("email").is_some(), "{body}");
    assert!(!text(&me.stdout).contains('\n') || text(&me.stdout).trim().lines().count() == 1);

    let all = env.run(&["call", "zoom", "GET", "/users", "--paginate", "--jsonl"]);
    assert!(all.status.success(), "{}", text(&all.stderr));
    let ids: Vec<String> = text(&all.stdout)
        .lines()
        .map(|line| {
            let user: serde_json::Value = serde_json::from_str(line).expect("one JSON item a line");
            user["id"].as_str().expect("user id").to_owned()
        })
        .collect();
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    let first = env.run(&["call", "zoom", "GET", "/users", "-q", "page_size=1"]);
    let first: serde_json::Value = serde_json::from_slice(&first.stdout).expect("JSON");
    let total = first["total_records"].as_u64().expect("total_records") as usize;
    assert!(total > 4_000, "most of the 5,000 seeded users are active: {total}");
    assert_eq!(ids.len(), total, "every active user (Zoom's default filter) is listed");
    assert_eq!(unique.len(), ids.len(), "every user exactly once");

    let array = env.run(&["call", "zoom", "GET", "/users", "--paginate"]);
    assert!(array.status.success(), "{}", text(&array.stderr));
    let array: Vec<serde_json::Value> = serde_json::from_slice(&array.stdout).expect("an array");
    assert_eq!(array.len(), total, "the array holds every user too");
    let array_ids: std::collections::BTreeSet<&str> =
        array.iter().filter_map(|u| u["id"].as_str()).collect();
    assert_eq!(array_ids.len(), total, "every user exactly once in the array");

    // A reader that goes away after the first item (`| head -1`) ends nango quietly.
    let mut child = env
        .cmd(&["call", "zoom", "GET", "/users", "--paginate", "--jsonl"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first).unwrap();
    assert!(first.starts_with('{'), "{first}");
    let closed = child.wait_with_output().expect("nango ends");
    assert_eq!(closed.status.code(), Some(0), "{}", text(&closed.stderr));
    assert!(text(&closed.stderr).is_empty(), "quiet: {}", text(&closed.stderr));

    let list = env.run(&["connections", "list", "--json"]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).expect("JSON");
    assert_eq!(rows[0]["connection_id"], "default");
    assert_eq!(rows[0]["status"], "active");
    assert_no_secret(&list);

    let missing = env.run(&["call", "zoom", "GET", "/meetings/1"]);
    assert_eq!(
        missing.status.code(),
        Some(4),
        "provider error exit code: {}",
        text(&missing.stderr)
    );
    assert!(text(&missing.stderr).contains("3001"), "{}", text(&missing.stderr));

    sandbox.shutdown().await;
    let down = env.run(&["call", "zoom", "GET", "/users/me"]);
    assert_eq!(down.status.code(), Some(7), "network exit code: {}", text(&down.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_for_config_and_missing_connection() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);

    let unknown = env.run(&["call", "nope", "GET", "/users/me"]);
    assert_eq!(unknown.status.code(), Some(3), "{}", text(&unknown.stderr));
    assert!(text(&unknown.stderr).contains("zoom"), "lists what exists: {}", text(&unknown.stderr));

    let no_file = nango()
        .args(["--config", "/nonexistent/integrations.yaml", "call", "zoom", "GET", "/x"])
        .output()
        .unwrap();
    assert_eq!(no_file.status.code(), Some(3), "{}", text(&no_file.stderr));

    let not_connected = env.run(&["call", "zoom", "GET", "/users/me"]);
    assert_eq!(not_connected.status.code(), Some(5), "{}", text(&not_connected.stderr));
    assert!(
        text(&not_connected.stderr).contains("nango connect"),
        "{}",
        text(&not_connected.stderr)
    );

    let usage = env.run(&["call", "zoom", "GET", "users"]);
    assert_eq!(usage.status.code(), Some(2), "{}", text(&usage.stderr));

    let check = env.run(&["config", "check"]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert_no_secret(&check);
    sandbox.shutdown().await;
}

#[test]
fn demo_runs_end_to_end() {
    let home = tempfile::tempdir().unwrap();
    let output = nango()
        .args(["demo", "--users", "150", "--burst", "40"])
        .env("NANGO_HOME", home.path())
        .stdin(Stdio::null())
        .output()
        .expect("demo runs");
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "demo failed:\n{stdout}\n{}", text(&output.stderr));
    for step in 1..=9 {
        assert!(stdout.contains(&format!("[{step}]")), "step {step} missing:\n{stdout}");
    }
    assert!(stdout.contains("Done in"), "{stdout}");
    assert!(!stdout.contains("nango-demo-secret"), "the demo printed its secret");
}
