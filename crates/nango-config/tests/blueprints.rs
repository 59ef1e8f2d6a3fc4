//! Built-in blueprints, user folders, references and versions.

use std::path::Path;
use std::time::Duration;

use nango_config::blueprint::{AuthMode, ClientAuth, PaginationSpec, Pkce, QuotaSpec};
use nango_config::{Blueprints, ConfigError};

fn q(per_second: Option<u32>, per_minute: Option<u32>, per_day: Option<u32>) -> QuotaSpec {
    QuotaSpec { per_second, per_minute, per_day }
}

fn get_err(blueprints: &Blueprints, reference: &str) -> ConfigError {
    blueprints.get(reference).expect_err(reference)
}

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

#[test]
fn builtin_lists_zoom_and_server_to_server() {
    let list = Blueprints::builtin().list();
    assert_eq!(
        list,
        vec![
            ("zoom".to_owned(), vec!["v0".to_owned()]),
            ("zoom-server-to-server".to_owned(), vec!["v0".to_owned()]),
        ]
    );
}

#[test]
fn every_builtin_version_is_valid() {
    let blueprints = Blueprints::builtin();
    for (name, versions) in blueprints.list() {
        for version in versions {
            let reference = format!("{name}:{version}");
            let bp = blueprints.get(&reference).unwrap_or_else(|e| panic!("{reference}: {e}"));
            assert_eq!(bp.name, name);
            assert_eq!(bp.version, version);
        }
    }
}

#[test]
fn zoom_v0_matches_zooms_documented_behaviour() {
    let bp = Blueprints::builtin().get("zoom:v0").expect("zoom:v0");
    assert_eq!(bp.display_name, "Zoom");
    assert_eq!(bp.auth.mode, AuthMode::Oauth2AuthorizationCode);
    assert_eq!(bp.auth.authorization_url.as_deref(), Some("https://zoom.us/oauth/authorize"));
    assert_eq!(bp.auth.token_url, "https://zoom.us/oauth/token");
    assert_eq!(bp.auth.revoke_url.as_deref(), Some("https://zoom.us/oauth/revoke"));
    assert_eq!(bp.auth.client_auth, ClientAuth::Basic);
    assert_eq!(bp.auth.pkce, Pkce::Supported);
    assert!(!bp.auth.scopes_on_authorize);
    assert_eq!(bp.auth.scope_separator, " ");
    assert_eq!(bp.auth.refresh_margin, Duration::from_secs(300));
    assert!(bp.docs_url.is_some());
    assert_eq!(bp.api.base_url, "https://api.zoom.us/v2");
    assert_eq!(bp.api.base_url_from_token_field.as_deref(), Some("api_url"));
    assert_eq!(
        bp.api.pagination,
        Some(PaginationSpec::Cursor {
            cursor_param: "next_page_token".into(),
            cursor_field: "next_page_token".into(),
            page_size_param: Some("page_size".into()),
            max_page_size: Some(300),
        })
    );

    let limits = &bp.api.rate_limits;
    assert_eq!(limits.default_plan.as_deref(), Some("pro"));
    assert_eq!(limits.default_category.as_deref(), Some("Light"));
    let plan = |p: &str, c: &str| limits.plans[p][c];
    // FACTS.md §4, the table per plan and label.
    assert_eq!(plan("free", "Light"), q(Some(4), None, Some(6000)));
    assert_eq!(plan("free", "Medium"), q(Some(2), None, Some(2000)));
    assert_eq!(plan("free", "Heavy"), q(Some(1), None, Some(1000)));
    assert_eq!(plan("free", "Resource-intensive"), q(None, Some(10), Some(30000)));
    assert_eq!(plan("pro", "Light"), q(Some(30), None, None));
    assert_eq!(plan("pro", "Medium"), q(Some(20), None, None));
    assert_eq!(plan("pro", "Heavy"), q(Some(10), None, None));
    assert_eq!(plan("pro", "Resource-intensive"), q(None, Some(10), None));
    assert_eq!(plan("business", "Light"), q(Some(80), None, None));
    assert_eq!(plan("business", "Medium"), q(Some(60), None, None));
    assert_eq!(plan("business", "Heavy"), q(Some(40), None, None));
    assert_eq!(plan("business", "Resource-intensive"), q(None, Some(20), None));
    assert_eq!(limits.plans.len(), 3);
    assert!(limits.plans.values().all(|categories| categories.len() == 4));

    let shared = |p: &str| &limits.shared_daily[p][0];
    assert_eq!(shared("pro").per_day, 30000);
    assert_eq!(shared("business").per_day, 60000);
    assert_eq!(shared("pro").categories, ["Heavy", "Resource-intensive"]);
    assert!(!limits.shared_daily.contains_key("free"));
}

#[test]
fn zoom_server_to_server_uses_account_credentials() {
    let bp = Blueprints::builtin().get("zoom-server-to-server:v0").expect("s2s");
    assert_eq!(bp.auth.mode, AuthMode::Oauth2ClientCredentials);
    assert_eq!(bp.auth.grant_type.as_deref(), Some("account_credentials"));
    assert!(bp.auth.requires_account_id);
    assert_eq!(bp.auth.token_url, "https://zoom.us/oauth/token");
    assert_eq!(bp.auth.authorization_url, None);
    assert_eq!(bp.api.base_url, "https://api.zoom.us/v2");
}

#[test]
fn name_without_version_picks_the_highest_numerically() {
    let blueprints =
        Blueprints::builtin().with_dir(&fixtures().join("blueprints-extra")).expect("dir");
    let versions = blueprints.list().into_iter().find(|(n, _)| n == "acme").expect("acme").1;
    assert_eq!(versions, ["v0", "v2", "v9", "v10"]);
    let bp = blueprints.get("acme").expect("acme");
    assert_eq!(bp.version, "v10");
    assert_eq!(bp.api.base_url, "https://api.acme.test/v10");
    assert_eq!(blueprints.get("acme:v9").expect("v9").api.base_url, "https://api.acme.test/v9");
}

#[test]
fn versions_inherit_the_file_head() {
    let blueprints =
        Blueprints::builtin().with_dir(&fixtures().join("blueprints-extra")).expect("dir");
    let v0 = blueprints.get("acme:v0").expect("v0");
    assert_eq!(v0.display_name, "Acme");
    assert_eq!(v0.docs_url.as_deref(), Some("https://docs.acme.test/"));
    let v2 = blueprints.get("acme:v2").expect("v2");
    assert_eq!(v2.docs_url.as_deref(), Some("https://docs.acme.test/v2"));
}

#[test]
fn user_folder_file_replaces_a_builtin_of_the_same_name() {
    let blueprints =
        Blueprints::builtin().with_dir(&fixtures().join("blueprints-zoom")).expect("dir");
    let bp = blueprints.get("zoom").expect("zoom");
    assert_eq!(bp.version, "v1");
    assert_eq!(bp.api.base_url, "https://eu01api.zoom.us/v2");
}

#[test]
fn unknown_names_and_versions_list_what_exists() {
    let blueprints = Blueprints::builtin();
    insta::assert_snapshot!("unknown_blueprint_close", get_err(&blueprints, "zom:v0"));
    insta::assert_snapshot!("unknown_blueprint_far", get_err(&blueprints, "github:v0"));
    insta::assert_snapshot!("unknown_version", get_err(&blueprints, "zoom:v7"));
    insta::assert_snapshot!("malformed_reference", get_err(&blueprints, "zoom:latest"));
    assert!(get_err(&blueprints, "zom:v0").is_not_found());
    assert!(get_err(&blueprints, "zoom:v7").is_not_found());
}

#[test]
fn source_shows_the_file_or_the_resolved_version() {
    let blueprints = Blueprints::builtin();
    let file = blueprints.source("zoom").expect("file");
    assert!(file.starts_with("# Zoom"));
    assert!(file.contains("versions:"));
    let resolved = blueprints.source("zoom:v0").expect("resolved");
    insta::assert_snapshot!("zoom_v0_resolved", resolved);
}

#[test]
fn bad_blueprint_files_in_a_user_folder_are_errors() {
    let cases = [
        "blueprints-bad-name",
        "blueprints-bad-version",
        "blueprints-unknown-key",
        "blueprints-no-authorize-url",
        "blueprints-zero-quota",
        "blueprints-missing-dir",
    ];
    let mut shown = String::new();
    for case in cases {
        let error = Blueprints::builtin()
            .with_dir(&fixtures().join(case))
            .and_then(|b| b.get("broken"))
            .expect_err(case);
        let text = error.to_string().replace(env!("CARGO_MANIFEST_DIR"), "<crate>");
        shown.push_str(&format!("## {case}\n{text}\n\n"));
    }
    insta::assert_snapshot!("bad_blueprint_files", shown);
}
