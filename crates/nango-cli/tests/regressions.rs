//! Regression tests, one per fault a new user found, each named after the fault it guards.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::{Env, assert_no_secret, connect, failure, nango, sandbox, settings, text};

#[tokio::test(flavor = "multi_thread")]
async fn paginate_does_not_change_or_drop_the_request() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    let _guard = settings().bind_to_scope();

    let post = env.run(&["call", "zoom", "POST", "/users/me/meetings", "--paginate"]);
    assert_eq!(post.status.code(), Some(2), "{}", failure(&post));
    insta::assert_snapshot!("paginate_post", failure(&post));
    let body = env.run(&["call", "zoom", "GET", "/users", "--paginate", "-f", "topic=x"]);
    assert_eq!(body.status.code(), Some(2), "{}", failure(&body));
    insta::assert_snapshot!("paginate_with_body", failure(&body));
    assert_eq!(sandbox.control().stats().requests, 0, "nothing was sent");

    connect(&env, "default").await;
    let not_a_list = env.run(&["call", "zoom", "GET", "/users/me", "--paginate"]);
    assert_eq!(not_a_list.status.code(), Some(2), "{}", failure(&not_a_list));
    assert!(not_a_list.stdout.is_empty(), "printed {}", text(&not_a_list.stdout));
    insta::assert_snapshot!("paginate_not_a_list", failure(&not_a_list));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn authorization_header_does_not_replace_the_token() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    let _guard = settings().bind_to_scope();
    let output = env.run(&["call", "zoom", "GET", "/users/me", "-H", "authorization: Bearer mine"]);
    assert_eq!(output.status.code(), Some(2), "{}", failure(&output));
    insta::assert_snapshot!("authorization_header", failure(&output));
    assert_eq!(sandbox.control().stats().requests, 0, "nothing was sent");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_have_no_colour_in_a_file_and_json_logs_are_json() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    connect(&env, "default").await;

    let mut text_logs = env.cmd(&["-vv", "call", "zoom", "GET", "/users/me"]);
    let text_logs = text_logs.env_remove("NO_COLOR").output().unwrap();
    assert!(text_logs.status.success(), "{}", failure(&text_logs));
    let stderr = text(&text_logs.stderr);
    assert!(stderr.contains("DEBUG"), "-vv logs: {stderr}");
    assert!(!stderr.contains('\x1b'), "colour codes in a file: {stderr:?}");

    // On a terminal, text logs are coloured unless NO_COLOR is set.
    let (code, shown) = env.run_tty(&["-vv", "call", "zoom", "GET", "/users/me"], false);
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("DEBUG\x1b[0m"), "no coloured level on a terminal: {shown:?}");
    let (code, shown) = env.run_tty(&["-vv", "call", "zoom", "GET", "/users/me"], true);
    assert_eq!(code, Some(0), "{shown}");
    assert!(shown.contains("DEBUG") && !shown.contains('\x1b'), "NO_COLOR: {shown:?}");

    let json_logs = env.run(&["-vv", "--log-format", "json", "call", "zoom", "GET", "/users/me"]);
    assert!(json_logs.status.success(), "{}", failure(&json_logs));
    let stderr = text(&json_logs.stderr);
    assert!(stderr.lines().count() >= 2, "-vv logs: {stderr}");
    for line in stderr.lines() {
        let record: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log record ({e}): {line:?}"));
        assert!(record.get("level").is_some(), "{line}");
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_ids_are_validated() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    let _guard = settings().bind_to_scope();
    for bad in ["", "a\tb", "../x", ".", &"x".repeat(129)] {
        for command in [&["connect", "zoom", "--no-browser"][..], &["call", "zoom", "GET", "/x"]] {
            let mut args = command.to_vec();
            args.extend(["--connection", bad]);
            let output = env.run(&args);
            assert_eq!(output.status.code(), Some(2), "{bad:?}: {}", failure(&output));
            assert!(text(&output.stderr).contains("1 to 128 characters"), "{}", failure(&output));
        }
    }
    let traversal = env.run(&["connections", "show", "zoom", "--connection", "../x"]);
    insta::assert_snapshot!("connection_id_traversal", failure(&traversal));
    assert!(!env.home.exists(), "nothing was created");
    sandbox.shutdown().await;
}

#[test]
fn closed_stderr_does_not_panic() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let usage = nango()
        .args(["call", "zoom", "GET", "users"])
        .stderr(writer)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(usage.code(), Some(2), "the usage exit code is kept");

    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let (out_reader, out_writer) = std::io::pipe().unwrap();
    drop(out_reader);
    let listed =
        nango().args(["blueprints", "list"]).stdout(out_writer).stderr(writer).status().unwrap();
    assert_eq!(listed.code(), Some(0), "a closed stdout stops quietly");
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_json_in_a_typed_field_is_refused() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    let _guard = settings().bind_to_scope();
    let output = env.run(&["call", "zoom", "POST", "/users/me/meetings", "-F", r#"x={"a":"#]);
    assert_eq!(output.status.code(), Some(2), "{}", failure(&output));
    insta::assert_snapshot!("typed_field_broken_json", failure(&output));
    sandbox.shutdown().await;
}

#[test]
fn demo_with_no_users_says_one_user() {
    let home = tempfile::tempdir().unwrap();
    let output = nango()
        .args(["demo", "--users", "0", "--burst", "3"])
        .env("NANGO_HOME", home.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", text(&output.stderr));
    assert!(stdout.contains("1 active user in 1 page of 100 (total_records 1)"), "{stdout}");
    assert!(stdout.contains("0 answers 429, 0 failures"), "{stdout}");
    assert!(stdout.contains(", 1 refresh, 0 answers 429."), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_on_a_taken_port_says_what_to_do() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    let mut settings = settings();
    settings.add_filter(r"port \d+", "port [PORT]");
    let _guard = settings.bind_to_scope();
    let addr = redirect_uri.trim_start_matches("http://").trim_end_matches("/callback");
    let _taken = std::net::TcpListener::bind(addr).unwrap();
    let output = env.run(&["connect", "zoom", "--no-browser", "--timeout", "5s"]);
    assert_eq!(output.status.code(), Some(1), "{}", failure(&output));
    insta::assert_snapshot!("connect_port_in_use", failure(&output));
    sandbox.shutdown().await;
}

#[test]
fn sandbox_on_a_taken_port_says_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = nango().args(["sandbox", "--port", &port]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", failure(&output));
    let mut settings = settings();
    settings.add_filter(&format!(r"\b{port}\b"), "[PORT]");
    settings.bind(|| insta::assert_snapshot!("sandbox_port_in_use", failure(&output)));
}

#[test]
fn a_malformed_token_store_is_named_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("connections.db"), "not a database, not at all\n".repeat(200))
        .unwrap();
    let output = nango().arg("--home").arg(dir.path()).args(["connections", "list"]).output();
    let output = output.unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", failure(&output));
    let stderr = text(&output.stderr);
    assert!(stderr.contains(&dir.path().join("connections.db").display().to_string()), "{stderr}");
    settings().bind(|| insta::assert_snapshot!("token_store_malformed", failure(&output)));
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_while_connect_waits_stores_nothing() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    let mut child = env
        .cmd(&["connect", "zoom", "--no-browser", "--timeout", "20s"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let waiting = tokio::task::spawn_blocking(move || {
        let seen =
            lines.by_ref().map_while(Result::ok).any(|line| line.contains("/oauth/authorize"));
        (seen, lines)
    });
    let (seen, lines) =
        tokio::time::timeout(Duration::from_secs(20), waiting).await.unwrap().unwrap();
    assert!(seen, "connect printed the authorisation URL");

    let mut kill = std::process::Command::new("kill");
    assert!(kill.args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest:?}");
    assert_eq!(rest.last().map(String::as_str), Some("Cancelled; nothing was stored."), "{rest:?}");
    let listed = env.run(&["connections", "list"]);
    assert!(text(&listed.stdout).starts_with("No connections."), "{}", text(&listed.stdout));
    sandbox.shutdown().await;
}

/// Kills the child process it holds when dropped, also when the test fails.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until the demo app's redirect port is free: other crates' tests use the same app.
async fn wait_for_demo_redirect_port() {
    let clock = nango_http::SystemClock::shared();
    for _ in 0..150 {
        if std::net::TcpListener::bind("127.0.0.1:53682").is_ok() {
            return;
        }
        clock.sleep(Duration::from_millis(200)).await;
    }
    panic!("port 53682 stayed in use");
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_prints_an_integrations_file_that_connects() {
    let child = nango()
        .args(["sandbox", "--auto-approve", "--seed-users", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let stdout = child.0.stdout.take().unwrap();
    let read = tokio::task::spawn_blocking(move || {
        let mut yaml = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            yaml.push_str(&line);
            yaml.push('\n');
            if line.trim_start().starts_with("base_url:") {
                break;
            }
        }
        yaml
    });
    let yaml = tokio::time::timeout(Duration::from_secs(20), read).await.unwrap().unwrap();
    assert!(yaml.contains("redirect_uri: http://127.0.0.1:53682/callback"), "{yaml}");

    let dir = tempfile::tempdir().unwrap();
    let env = Env { home: dir.path().join("home"), config: dir.path().join("i.yaml"), dir };
    std::fs::write(&env.config, &yaml).unwrap();
    wait_for_demo_redirect_port().await;
    connect(&env, "default").await;
    let me = env.run(&["call", "zoom", "GET", "/users/me"]);
    assert!(me.status.success(), "{}", failure(&me));
    assert!(text(&me.stdout).contains("\"email\""), "{}", text(&me.stdout));
}

#[tokio::test(flavor = "multi_thread")]
async fn log_level_in_integrations_yaml_is_applied_unless_v_or_nango_log_say_otherwise() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    let original = std::fs::read_to_string(&env.config).unwrap();
    let with_level = original.replacen(
        "extends_blueprint: zoom:v0\n",
        "extends_blueprint: zoom:v0\n    log_level: debug\n",
        1,
    );
    assert_ne!(original, with_level, "the test config names zoom:v0");
    std::fs::write(&env.config, with_level).unwrap();
    assert!(connect(&env, "default").await.status.success());

    let debug = env.run(&["call", "zoom", "GET", "/users/me"]);
    assert!(debug.status.success(), "{}", text(&debug.stderr));
    assert!(
        text(&debug.stderr).contains("DEBUG"),
        "log_level: debug logs: {}",
        text(&debug.stderr)
    );
    assert_no_secret(&debug);

    let quiet =
        env.cmd(&["call", "zoom", "GET", "/users/me"]).env("NANGO_LOG", "error").output().unwrap();
    assert!(quiet.status.success());
    assert!(!text(&quiet.stderr).contains("DEBUG"), "NANGO_LOG wins: {}", text(&quiet.stderr));
    sandbox.shutdown().await;
}
