//! Helpers shared by the integration tests: the real `nango` binary against the real sandbox
//! over loopback, with a temporary home and integrations file.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use zoom_sandbox::{ClientApp, Plan, RunningSandbox, Sandbox, SandboxConfig};

/// The OAuth client secret; it must never appear in any output.
pub const SECRET: &str = "cli-test-secret-canary";
/// The sandbox account of the test app.
pub const ACCOUNT: &str = "demo-account";

/// The binary under test, with no configuration inherited from the developer's shell.
pub fn nango() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nango"));
    let inherited = [
        "NANGO_CONFIG",
        "NANGO_HOME",
        "NANGO_LOG",
        "NANGO_ENCRYPTION_KEY",
        "NANGO_ENCRYPTION_KEY_PREVIOUS",
        "NO_COLOR",
        "RUST_LOG",
    ];
    for var in inherited {
        cmd.env_remove(var);
    }
    cmd.env("COLUMNS", "100").env("TZ", "UTC");
    cmd
}

/// A temporary home and an integrations file pointing at one sandbox.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub config: PathBuf,
}

impl Env {
    /// An integration `zoom` extending `zoom:v0` on `sandbox`, on the Pro plan.
    pub fn new(sandbox: &RunningSandbox, redirect_uri: &str) -> Env {
        Env::with_plan(sandbox, redirect_uri, "pro")
    }

    /// The same on `plan` (`free`, `pro`, `business`...).
    pub fn with_plan(sandbox: &RunningSandbox, redirect_uri: &str, plan: &str) -> Env {
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
    rate_limit_plan: {plan}
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
        Env { dir, home, config }
    }

    /// `nango --config .. --home .. ARGS` with the secret in the environment and no colour.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = nango();
        cmd.arg("--config").arg(&self.config).arg("--home").arg(&self.home);
        cmd.args(args).env("ZOOM_SECRET", SECRET).env("NO_COLOR", "1");
        cmd
    }

    /// Runs with stdout and stderr piped.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().expect("nango runs")
    }

    /// Runs on a terminal (a pty from util-linux `script`), with `NO_COLOR` set or not. Returns
    /// the exit code and what the terminal showed (stdout and stderr together).
    pub fn run_tty(&self, args: &[&str], no_color: bool) -> (Option<i32>, String) {
        let mut line = vec![
            quote(env!("CARGO_BIN_EXE_nango")),
            "--config".to_owned(),
            quote(&self.config.to_string_lossy()),
            "--home".to_owned(),
            quote(&self.home.to_string_lossy()),
        ];
        line.extend(args.iter().map(|a| quote(a)));
        let mut cmd = nango();
        cmd.args(["-qec", &line.join(" "), "/dev/null"]).env("ZOOM_SECRET", SECRET);
        cmd.env("TERM", "xterm");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let mut script = Command::new("script");
        script.args(cmd.get_args());
        for (key, value) in cmd.get_envs() {
            match value {
                Some(value) => script.env(key, value),
                None => script.env_remove(key),
            };
        }
        let output = script.stdin(Stdio::null()).output().expect("script (util-linux) runs");
        (output.status.code(), text(&output.stdout).replace("\r\n", "\n"))
    }
}

fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// A sandbox with the test app registered, auto-approving, with `users` seeded users.
pub async fn sandbox(users: usize) -> (RunningSandbox, String) {
    sandbox_on(users, Plan::Pro).await
}

/// The same on `plan`.
pub async fn sandbox_on(users: usize, plan: Plan) -> (RunningSandbox, String) {
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
        plan,
        ..SandboxConfig::default()
    };
    (Sandbox::start(config).await.expect("sandbox starts"), redirect_uri)
}

/// Runs `nango connect --no-browser` and plays the browser: reads the URL it prints and follows
/// the sandbox's auto-approve redirect back to the CLI's loopback listener.
pub async fn connect(env: &Env, connection: &str) -> Output {
    let mut child = env
        .cmd(&["connect", "zoom", "--connection", connection, "--no-browser", "--timeout", "20s"])
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
            if !sent && let Some(url) = line.split_whitespace().find(|w| w.starts_with("http")) {
                tx.send(url.to_owned()).ok();
                sent = true;
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
    assert!(output.status.success(), "connect failed: {}", text(&output.stderr));
    output
}

/// Bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Fails when the client secret or an access token appears in the output.
pub fn assert_no_secret(output: &Output) {
    for stream in [&output.stdout, &output.stderr] {
        let shown = text(stream);
        assert!(!shown.contains(SECRET), "the client secret leaked: {shown}");
        assert!(!shown.to_ascii_lowercase().contains("bearer "), "a token leaked: {shown}");
    }
}

/// Insta settings that replace ports, temporary paths and times with placeholders.
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    let temp = std::env::temp_dir().to_string_lossy().trim_end_matches('/').to_owned();
    settings.add_filter(&format!(r"{}/[^\s:`'\x22]+", regex_escape(&temp)), "[TMP]");
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?( ?[+-]\d{2}:\d{2}|Z)?",
        "[TIME]",
    );
    settings.add_filter(r"\[\d+ attempts\]", "[N attempts]");
    settings
}

/// What a failed run showed: its exit code and stderr, for a snapshot.
pub fn failure(output: &Output) -> String {
    format!("exit code: {:?}\n{}", output.status.code(), text(&output.stderr))
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if r".+*?()|[]{}^$\".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
