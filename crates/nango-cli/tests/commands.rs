//! Every command run as a user would: on a terminal (a pty) and piped, with and without
//! `NO_COLOR`, with `-i`, with `--log-format json`, and the connection lifecycle.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::{Env, assert_no_secret, connect, nango, sandbox, settings, text};

const BLUE: &str = "\x1b[34m";

#[tokio::test(flavor = "multi_thread")]
async fn terminal_output_is_pretty_and_coloured_piped_output_is_compact() {
    let (sandbox, redirect_uri) = sandbox(30).await;
    let env = Env::new(&sandbox, &redirect_uri);
    connect(&env, "default").await;

    let piped = env.cmd(&["call", "zoom", "GET", "/users/me"]).env_remove("NO_COLOR").output();
    let piped = piped.unwrap();
    assert!(piped.status.success(), "{}", text(&piped.stderr));
    let stdout = text(&piped.stdout);
    assert_eq!(stdout.lines().count(), 1, "compact JSON when piped: {stdout}");
    assert!(!stdout.contains('\x1b'), "no colour in a pipe even without NO_COLOR: {stdout}");

    let (code, shown) = env.run_tty(&["call", "zoom", "GET", "/users/me"], false);
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains(&format!("{BLUE}\"email\"")), "coloured keys on a terminal: {shown}");
    assert!(shown.lines().count() > 3, "pretty JSON on a terminal: {shown}");

    let (code, plain) = env.run_tty(&["call", "zoom", "GET", "/users/me"], true);
    assert_eq!(code, Some(0), "{plain}");
    assert!(!plain.contains('\x1b'), "NO_COLOR turns colour off: {plain:?}");
    assert!(plain.contains("\n  \"email\": "), "still pretty: {plain}");
    let value: serde_json::Value = serde_json::from_str(&plain).expect("plain pretty JSON");
    assert!(value.get("email").is_some());

    // The progress bar only on a terminal, never in a pipe.
    let pages = env.run(&["call", "zoom", "GET", "/users", "-q", "page_size=5", "--paginate"]);
    assert!(pages.status.success(), "{}", text(&pages.stderr));
    assert!(text(&pages.stderr).is_empty(), "nothing on stderr in a pipe");
    let items: Vec<serde_json::Value> = serde_json::from_slice(&pages.stdout).expect("an array");
    let first = env.run(&["call", "zoom", "GET", "/users", "-q", "page_size=5"]);
    let first: serde_json::Value = serde_json::from_slice(&first.stdout).expect("a page");
    assert_eq!(Some(items.len() as u64), first["total_records"].as_u64(), "every page");
    assert!(items.len() > 5, "more than one page: {}", items.len());
    let (code, tty) =
        env.run_tty(&["call", "zoom", "GET", "/users", "-q", "page_size=5", "--paginate"], true);
    assert_eq!(code, Some(0), "{tty}");
    assert!(tty.contains("items"), "a progress bar on a terminal: {tty}");
    let jsonl = ["call", "zoom", "GET", "/users", "-q", "page_size=5", "--paginate", "--jsonl"];
    let (code, tty) = env.run_tty(&jsonl, true);
    assert_eq!(code, Some(0), "{tty}");
    // What the terminal shows of each line: the text after the bar's last "clear line".
    let shown = tty.lines().map(|l| l.rsplit("\x1b[2K").next().unwrap_or(l));
    let lines = shown.filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()).count();
    assert_eq!(lines, items.len(), "one item a line, the bar stepping aside: {tty:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn include_shows_status_and_headers_never_the_token() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    connect(&env, "default").await;

    let shown = env.run(&["call", "zoom", "GET", "/users/me", "-i", "-H", "X-Trace: t-1", "-vv"]);
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let stdout = text(&shown.stdout);
    assert!(stdout.starts_with("HTTP 200 OK\n"), "{stdout}");
    assert!(stdout.to_ascii_lowercase().contains("content-type: application/json"), "{stdout}");
    let (head, body) = stdout.split_once("\n\n").expect("a blank line before the body");
    assert!(head.lines().count() > 1, "headers: {head}");
    serde_json::from_str::<serde_json::Value>(body).expect("then the JSON body");
    assert_no_secret(&shown);
    for stream in [&shown.stdout, &shown.stderr] {
        let all = text(stream).to_ascii_lowercase();
        assert!(!all.contains("authorization: bearer"), "Authorization printed: {all}");
        assert!(!all.contains("access_token\":\""), "a token printed: {all}");
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs_are_one_object_a_line_without_secrets() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    connect(&env, "default").await;
    // An expired access token forces a refresh, the most secret-laden path.
    sandbox.control().advance_clock(Duration::from_secs(2 * 3600));

    let logged = env.run(&["--log-format", "json", "-vv", "call", "zoom", "GET", "/users/me"]);
    assert!(logged.status.success(), "{}", text(&logged.stderr));
    let stderr = text(&logged.stderr);
    assert!(stderr.lines().count() > 3, "-vv logs something: {stderr}");
    for line in stderr.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(value.get("level").is_some(), "{line}");
    }
    assert_no_secret(&logged);
    assert!(!stderr.contains("refresh_token="), "{stderr}");

    let failed = env.run(&["--log-format", "json", "call", "zoom", "GET", "/meetings/1"]);
    assert_eq!(failed.status.code(), Some(4));
    assert_no_secret(&failed);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_list_show_revoke_delete() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    let _guard = settings().bind_to_scope();

    let empty = env.run(&["connections", "list"]);
    assert!(empty.status.success(), "{}", text(&empty.stderr));
    insta::assert_snapshot!("connections_list_empty", text(&empty.stdout));

    connect(&env, "default").await;
    connect(&env, "work").await;
    let list = env.run(&["connections", "list"]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    insta::assert_snapshot!("connections_list_table", text(&list.stdout));
    let (code, tty) = env.run_tty(&["connections", "list"], true);
    assert_eq!(code, Some(0));
    assert_eq!(tty, text(&list.stdout), "the same table on a terminal");

    let show = env.run(&["connections", "show", "zoom", "--connection", "work"]);
    assert!(show.status.success(), "{}", text(&show.stderr));
    insta::assert_snapshot!("connections_show", text(&show.stdout));
    let json = env.run(&["connections", "show", "zoom", "--connection", "work", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(json["status"], "active");
    assert!(json["scopes"].as_array().is_some_and(|s| !s.is_empty()), "{json}");
    assert_no_secret(&show);

    let before = sandbox.control().stats().requests;
    let revoke = env.run(&["connections", "revoke", "zoom", "--connection", "work"]);
    assert!(revoke.status.success(), "{}", text(&revoke.stderr));
    assert!(text(&revoke.stderr).contains("Revoked"), "{}", text(&revoke.stderr));
    assert!(sandbox.control().stats().requests > before, "revoked at the provider");
    let gone = env.run(&["call", "zoom", "GET", "/users/me", "--connection", "work"]);
    assert_eq!(gone.status.code(), Some(5), "{}", text(&gone.stderr));

    let delete = env.run(&["connections", "delete", "zoom", "--json"]);
    assert!(delete.status.success(), "{}", text(&delete.stderr));
    let deleted: serde_json::Value = serde_json::from_slice(&delete.stdout).expect("JSON");
    assert_eq!(deleted["deleted"], true);
    let again = env.run(&["connections", "delete", "zoom"]);
    assert_eq!(again.status.code(), Some(5), "{}", text(&again.stderr));
    let list = env.run(&["connections", "list", "--json"]);
    assert_eq!(text(&list.stdout).trim(), "[]");

    // A dead grant shows in the table as needing re-authorisation.
    connect(&env, "old").await;
    sandbox.control().advance_clock(Duration::from_secs(400 * 24 * 3600));
    let dead = env.run(&["call", "zoom", "GET", "/users/me", "--connection", "old"]);
    assert_eq!(dead.status.code(), Some(5), "{}", text(&dead.stderr));
    insta::assert_snapshot!("needs_reauth", common::failure(&dead));
    let list = env.run(&["connections", "list"]);
    insta::assert_snapshot!("connections_list_needs_reauth", text(&list.stdout));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_from_fields_files_and_stdin() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    connect(&env, "default").await;

    let created = env.run(&[
        "call",
        "zoom",
        "POST",
        "/users/me/meetings",
        "-f",
        "topic=Standup",
        "-F",
        "type=2",
        "-F",
        "duration=15",
    ]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let meeting: serde_json::Value = serde_json::from_slice(&created.stdout).expect("JSON");
    assert_eq!(meeting["topic"], "Standup");
    assert_eq!(meeting["duration"], 15);

    let file = env.dir.path().join("meeting.json");
    std::fs::write(&file, r#"{"topic":"From a file","type":2}"#).unwrap();
    let at = format!("@{}", file.display());
    let from_file = env.run(&["call", "zoom", "POST", "/users/me/meetings", "-d", &at]);
    assert!(from_file.status.success(), "{}", text(&from_file.stderr));
    assert!(text(&from_file.stdout).contains("From a file"));

    let mut child = env
        .cmd(&["call", "zoom", "POST", "/users/me/meetings", "-d", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(br#"{"topic":"From stdin","type":2}"#).unwrap();
    let from_stdin = child.wait_with_output().unwrap();
    assert!(from_stdin.status.success(), "{}", text(&from_stdin.stderr));
    assert!(text(&from_stdin.stdout).contains("From stdin"));
    sandbox.shutdown().await;
}

#[test]
fn offline_commands_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("integrations.yaml");
    std::fs::write(
        &config,
        "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_id: abc\n    \
         oauth_client_secret: ${ZOOM_SECRET}\n    redirect_uri: http://127.0.0.1:53682/callback\n",
    )
    .unwrap();
    let check = nango()
        .arg("--config")
        .arg(&config)
        .args(["config", "check"])
        .env("ZOOM_SECRET", common::SECRET)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert!(text(&check.stdout).contains("zoom"), "{}", text(&check.stdout));
    assert_no_secret(&check);

    let list = nango().args(["blueprints", "list"]).output().unwrap();
    assert_eq!(list.status.code(), Some(0));
    assert!(text(&list.stdout).contains("zoom"), "{}", text(&list.stdout));
    let show = nango().args(["blueprints", "show", "zoom:v0"]).output().unwrap();
    assert_eq!(show.status.code(), Some(0));
    assert!(text(&show.stdout).contains("base_url"), "{}", text(&show.stdout));
    let unknown = nango().args(["blueprints", "show", "nope:v1"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(3), "{}", text(&unknown.stderr));

    for shell in ["bash", "zsh", "fish"] {
        let script = nango().args(["completions", shell]).output().unwrap();
        assert_eq!(script.status.code(), Some(0));
        assert!(text(&script.stdout).contains("nango"), "{shell}");
    }
    let bad = nango().args(["completions", "cmd.exe"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let version = nango().arg("--version").output().unwrap();
    assert_eq!(version.status.code(), Some(0));
}

#[test]
fn an_unwritable_home_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let failed = nango().arg("--home").arg(&not_a_dir).args(["connections", "list"]).output();
    let failed = failed.unwrap();
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed.stderr));
    assert!(text(&failed.stderr).contains("NANGO_HOME"), "{}", text(&failed.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_command_serves_until_stopped() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = nango()
        .args(["sandbox", "--port", &port.to_string(), "--auto-approve", "--seed-users", "3"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    // Keep reading stderr: a closed pipe would end the sandbox at its next line.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            tx.send(line).ok();
        }
    });
    let first = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(20)))
        .await
        .unwrap()
        .expect("the sandbox says where it listens");
    assert!(first.contains(&format!("127.0.0.1:{port}")), "{first}");
    let stats = reqwest::get(format!("http://127.0.0.1:{port}/_sandbox/stats")).await.unwrap();
    assert!(stats.status().is_success());
    child.kill().unwrap();
    child.wait().unwrap();
}
