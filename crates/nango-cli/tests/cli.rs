//! The real `nango` binary against the real sandbox over loopback.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use zoom_sandbox::{ClientApp, RunningSandbox, Sandbox, SandboxConfig};

const SECRET: &str = "cli-test-secret-canary";

fn nango() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nango"))
}

struct Env {
    _dir: tempfile::TempDir,
    home: PathBuf,
    config: PathBuf,
}

impl Env {
    fn new(sandbox: &RunningSandbox, redirect_uri: &str) -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        let config = dir.path().join("integrations.yaml");
        let base = sandbox.base_url();
        std::fs::write(
            &config,
            format!(
                "integrations:
  zoom:
    extends_blueprint: zoom:v0
    oauth_client_id: cli-test
    oauth_client_secret: ${{ZOOM_SECRET}}
    redirect_uri: {redirect_uri}
    overrides:
      auth:
        authorization_url: {base}/oauth/authorize
        token_url: {base}/oauth/token
        revoke_url: {base}/oauth/revoke
      api:
        base_url: {base}/v2
        timeouts:
          request: 2s
"
            ),
        )
        .expect("write config");
        Env { _dir: dir, home, config }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = nango();
        cmd.arg("--config").arg(&self.config).arg("--home").arg(&self.home);
        cmd.args(args).env("ZOOM_SECRET", SECRET).env("NO_COLOR", "1").env_remove("NANGO_LOG");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().expect("nango runs")
    }
}

async fn sandbox(users: usize) -> (RunningSandbox, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let app = ClientApp {
        client_id: "cli-test".to_owned(),
        client_secret: SECRET.to_owned(),
        redirect_uris: vec![redirect_uri.clone()],
        ..ClientApp::demo()
    };
    let config = SandboxConfig {
        auto_approve: true,
        seed_users: users,
        clients: vec![app],
        ..SandboxConfig::default()
    };
    (Sandbox::start(config).await.expect("sandbox starts"), redirect_uri)
}

/// Runs `nango connect --no-browser` and plays the browser: reads the URL it prints and follows
/// the sandbox's auto-approve redirect back to the CLI's loopback listener.
async fn connect(env: &Env) -> Output {
    let mut child = env
        .cmd(&["connect", "zoom", "--no-browser", "--timeout", "20s"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn connect");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent {
                if let Some(url) = line.split_whitespace().find(|w| w.starts_with("http")) {
                    tx.send(url.to_owned()).ok();
                    sent = true;
                }
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let url = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(20)))
        .await
        .unwrap()
        .expect("connect prints the authorisation URL");
    let response = reqwest::get(&url).await.expect("the browser follows the redirects");
    assert!(response.status().is_success(), "callback page: {}", response.status());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap();
    let mut output = output.expect("connect finishes");
    output.stderr = reader.join().unwrap().into_bytes();
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_secret(output: &Output) {
    for stream in [&output.stdout, &output.stderr] {
        assert!(!text(stream).contains(SECRET), "the client secret leaked: {}", text(stream));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_call_paginate_and_list_connections() {
    let (sandbox, redirect_uri) = sandbox(5_000).await;
    let env = Env::new(&sandbox, &redirect_uri);

    let connected = connect(&env).await;
    assert!(connected.status.success(), "connect failed: {}", text(&connected.stderr));
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
