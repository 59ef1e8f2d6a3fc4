//! Error messages as users see them, pinned by snapshots, with their exit codes: usage 2,
//! config 3, provider 4, re-authorisation 5, rate limited 6, network 7.

mod common;

use std::time::Duration;

use common::{ACCOUNT, Env, connect, failure, nango, sandbox, sandbox_on, settings};
use zoom_sandbox::Plan;

#[tokio::test(flavor = "multi_thread")]
async fn usage_and_config_errors() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    let _guard = settings().bind_to_scope();

    let missing_args = env.run(&["call", "zoom"]);
    assert_eq!(missing_args.status.code(), Some(2));
    insta::assert_snapshot!("usage_missing_arguments", failure(&missing_args));

    let relative = env.run(&["call", "zoom", "GET", "users"]);
    assert_eq!(relative.status.code(), Some(2));
    insta::assert_snapshot!("usage_relative_path", failure(&relative));

    let bad_field = env.run(&["call", "zoom", "POST", "/users", "-f", "novalue"]);
    assert_eq!(bad_field.status.code(), Some(2));
    insta::assert_snapshot!("usage_bad_field", failure(&bad_field));

    let unknown = env.run(&["call", "nope", "GET", "/users/me"]);
    assert_eq!(unknown.status.code(), Some(3));
    insta::assert_snapshot!("config_unknown_integration", failure(&unknown));

    let no_file = nango()
        .args(["--config", "/nonexistent/integrations.yaml", "call", "zoom", "GET", "/x"])
        .output()
        .unwrap();
    assert_eq!(no_file.status.code(), Some(3));
    insta::assert_snapshot!("config_missing_file", failure(&no_file));

    let no_secret =
        env.cmd(&["call", "zoom", "GET", "/users/me"]).env_remove("ZOOM_SECRET").output().unwrap();
    assert_eq!(no_secret.status.code(), Some(3));
    insta::assert_snapshot!("config_missing_variable", failure(&no_secret));

    let yaml = env.dir.path().join("broken.yaml");
    std::fs::write(
        &yaml,
        "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_id: a: b\n",
    )
    .unwrap();
    let broken = nango().arg("--config").arg(&yaml).args(["config", "check"]).output().unwrap();
    assert_eq!(broken.status.code(), Some(3));
    insta::assert_snapshot!("config_yaml_syntax", failure(&broken));

    let typo = env.dir.path().join("typo.yaml");
    std::fs::write(
        &typo,
        "integrations:\n  zoom:\n    extends_blueprint: zoom:v0\n    oauth_client_idd: a\n",
    )
    .unwrap();
    let typo = nango().arg("--config").arg(&typo).args(["config", "check"]).output().unwrap();
    assert_eq!(typo.status.code(), Some(3));
    insta::assert_snapshot!("config_unknown_key", failure(&typo));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_provider_and_network_errors() {
    let (sandbox, redirect_uri) = sandbox(0).await;
    let env = Env::new(&sandbox, &redirect_uri);
    let _guard = settings().bind_to_scope();

    let not_connected = env.run(&["call", "zoom", "GET", "/users/me"]);
    assert_eq!(not_connected.status.code(), Some(5));
    insta::assert_snapshot!("missing_connection_call", failure(&not_connected));
    let not_shown = env.run(&["connections", "show", "zoom", "--connection", "work"]);
    assert_eq!(not_shown.status.code(), Some(5));
    insta::assert_snapshot!("missing_connection_show", failure(&not_shown));

    connect(&env, "default").await;
    connect(&env, "net").await;
    let missing = env.run(&["call", "zoom", "GET", "/meetings/1"]);
    assert_eq!(missing.status.code(), Some(4));
    insta::assert_snapshot!("provider_404", failure(&missing));

    let invalid = env.run(&["call", "zoom", "POST", "/users/me/meetings", "-F", "type=99"]);
    assert_eq!(invalid.status.code(), Some(4), "{}", failure(&invalid));

    // The refresh token outlives nothing: a person must authorise again.
    sandbox.control().advance_clock(Duration::from_secs(400 * 24 * 3600));
    let expired = env.run(&["call", "zoom", "GET", "/users/me"]);
    assert_eq!(expired.status.code(), Some(5), "{}", failure(&expired));
    assert!(common::text(&expired.stderr).contains("nango connect zoom"));

    sandbox.shutdown().await;
    let down = env.run(&["call", "zoom", "GET", "/users/me", "--connection", "net"]);
    assert_eq!(down.status.code(), Some(7));
    insta::assert_snapshot!("network_failure", failure(&down));
}

#[tokio::test(flavor = "multi_thread")]
async fn daily_rate_limit_says_until_when() {
    let (sandbox, redirect_uri) = sandbox_on(0, Plan::Free).await;
    let env = Env::with_plan(&sandbox, &redirect_uri, "free");
    let _guard = settings().bind_to_scope();
    connect(&env, "default").await;
    assert!(sandbox.control().set_daily_usage(ACCOUNT, "Light", 6_000), "Free caps Light");

    let limited = env.run(&["call", "zoom", "GET", "/users/me"]);
    assert_eq!(limited.status.code(), Some(6), "{}", failure(&limited));
    let stderr = common::text(&limited.stderr);
    assert!(stderr.contains("Wait until ") && stderr.contains(" UTC)"), "{stderr}");
    insta::assert_snapshot!("rate_limited_daily", failure(&limited));

    // The local time is the user's zone; UTC follows it.
    let india = env.cmd(&["call", "zoom", "GET", "/users/me"]).env("TZ", "IST-05:30").output();
    let india = common::text(&india.unwrap().stderr);
    assert!(india.contains(":30:00 +05:30 (") && india.contains(":00:00 UTC)"), "{india}");
    sandbox.shutdown().await;
}
