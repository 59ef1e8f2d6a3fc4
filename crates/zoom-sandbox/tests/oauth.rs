//! The OAuth host over real HTTP: authorize, token grants, rotation, revoke.

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use zoom_sandbox::SandboxConfig;

#[tokio::test]
async fn auto_approve_redirects_with_code_and_state() {
    let sandbox = start_auto().await;
    let response = http()
        .get(format!("{}/oauth/authorize", sandbox.base_url()))
        .query(&[
            ("response_type", "code"),
            ("client_id", ID),
            ("redirect_uri", REDIRECT),
            ("state", "xyz 123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(response.headers()["location"].to_str().unwrap().starts_with(REDIRECT));
    assert!(response.headers().contains_key("x-zm-trackingid"));
    let params = location_params(&response);
    assert_eq!(param(&params, "state").as_deref(), Some("xyz 123"));
    assert_eq!(param(&params, "code").unwrap().len(), 32);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn consent_page_allow_completes_the_redirect() {
    let sandbox = start(SandboxConfig::default()).await;
    let page = http()
        .get(format!("{}/oauth/authorize", sandbox.base_url()))
        .query(&[
            ("response_type", "code"),
            ("client_id", ID),
            ("redirect_uri", REDIRECT),
            ("state", "s1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("meeting:write"));
    let start = html.find("/oauth/authorize/approve?request=").unwrap();
    let link: String = html[start..].chars().take_while(|c| *c != '"').collect();

    let allowed = http().get(format!("{}{link}", sandbox.base_url())).send().await.unwrap();
    assert_eq!(allowed.status(), StatusCode::FOUND);
    let params = location_params(&allowed);
    assert_eq!(param(&params, "state").as_deref(), Some("s1"));
    let code_value = param(&params, "code").unwrap();

    // The approval link is single use.
    let again = http().get(format!("{}{link}", sandbox.base_url())).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);

    let form =
        [("grant_type", "authorization_code"), ("code", &code_value), ("redirect_uri", REDIRECT)];
    let (status, _) = token_request(&sandbox, &form).await;
    assert_eq!(status, StatusCode::OK);

    // Switching auto-approve on at run time skips the page.
    sandbox.control().set_auto_approve(true);
    code(&sandbox, &[]).await;
}

#[tokio::test]
async fn consent_page_decline_redirects_with_access_denied() {
    let sandbox = start(SandboxConfig::default()).await;
    let html = http()
        .get(format!("{}/oauth/authorize", sandbox.base_url()))
        .query(&[
            ("response_type", "code"),
            ("client_id", ID),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("/oauth/authorize/deny?request=").unwrap();
    let link: String = html[start..].chars().take_while(|c| *c != '"').collect();
    let denied = http().get(format!("{}{link}", sandbox.base_url())).send().await.unwrap();
    assert_eq!(denied.status(), StatusCode::FOUND);
    assert_eq!(param(&location_params(&denied), "error").as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn redirect_mismatch_shows_4709_and_never_redirects() {
    let sandbox = start_auto().await;
    for uri in [
        "http://127.0.0.1:53683/callback",
        "http://127.0.0.1:53682/callback/",
        "https://evil.example/cb",
    ] {
        let response = http()
            .get(format!("{}/oauth/authorize", sandbox.base_url()))
            .query(&[("response_type", "code"), ("client_id", ID), ("redirect_uri", uri)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(!response.headers().contains_key("location"));
        assert!(response.text().await.unwrap().contains("4709"));
    }
    let unknown = http()
        .get(format!("{}/oauth/authorize", sandbox.base_url()))
        .query(&[("response_type", "code"), ("client_id", "nobody"), ("redirect_uri", REDIRECT)])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let token_flow = http()
        .get(format!("{}/oauth/authorize", sandbox.base_url()))
        .query(&[("response_type", "token"), ("client_id", ID), ("redirect_uri", REDIRECT)])
        .send()
        .await
        .unwrap();
    assert_eq!(token_flow.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn token_body_is_zooms() {
    let sandbox = start_auto().await;
    let body = user_tokens(&sandbox).await;
    assert!(body["access_token"].as_str().unwrap().starts_with("eyJ"));
    assert_eq!(body["api_url"], json!(sandbox.base_url()));
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 6);
    insta::assert_json_snapshot!(redact(body, &["access_token", "refresh_token", "api_url"]));
}

#[tokio::test]
async fn pkce_s256_plain_and_mismatch() {
    let sandbox = start_auto().await;
    let verifier = "a-verifier-of-at-least-43-characters-0123456789";

    let code_s256 =
        code(&sandbox, &[("code_challenge", &s256(verifier)), ("code_challenge_method", "S256")])
            .await;
    let ok = [
        ("grant_type", "authorization_code"),
        ("code", &code_s256),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ];
    assert_eq!(token_request(&sandbox, &ok).await.0, StatusCode::OK);

    // No method means plain.
    let code_plain = code(&sandbox, &[("code_challenge", verifier)]).await;
    let plain = [
        ("grant_type", "authorization_code"),
        ("code", &code_plain),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ];
    assert_eq!(token_request(&sandbox, &plain).await.0, StatusCode::OK);

    let code_bad =
        code(&sandbox, &[("code_challenge", &s256(verifier)), ("code_challenge_method", "S256")])
            .await;
    let wrong = [
        ("grant_type", "authorization_code"),
        ("code", &code_bad),
        ("redirect_uri", REDIRECT),
        ("code_verifier", "another-verifier-of-at-least-43-characters-xx"),
    ];
    let (status, body) = token_request(&sandbox, &wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn codes_are_single_use_and_expire_after_five_minutes() {
    let sandbox = start_auto().await;
    let code1 = code(&sandbox, &[]).await;
    let form = [("grant_type", "authorization_code"), ("code", &code1), ("redirect_uri", REDIRECT)];
    assert_eq!(token_request(&sandbox, &form).await.0, StatusCode::OK);
    let (status, reused) = token_request(&sandbox, &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("bad_code", reused);

    let code2 = code(&sandbox, &[]).await;
    sandbox.control().advance_clock(Duration::from_secs(301));
    let form = [("grant_type", "authorization_code"), ("code", &code2), ("redirect_uri", REDIRECT)];
    let (status, body) = token_request(&sandbox, &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"reason": "Invalid authorization code", "error": "invalid_grant"}));
}

#[tokio::test]
async fn token_redirect_uri_must_equal_the_authorize_one() {
    let sandbox = start_auto().await;
    let code = code(&sandbox, &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", "http://127.0.0.1:1/x"),
    ];
    let (status, body) = token_request(&sandbox, &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_is_dead_at_once() {
    let sandbox = start_auto().await;
    let first = user_tokens(&sandbox).await;
    let old = first["refresh_token"].as_str().unwrap();

    let (status, second) =
        token_request(&sandbox, &[("grant_type", "refresh_token"), ("refresh_token", old)]).await;
    assert_eq!(status, StatusCode::OK);
    let new = second["refresh_token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_ne!(second["access_token"], first["access_token"]);

    let reused = http()
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .basic_auth(ID, Some(SECRET))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", old)])
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(reused.headers()["content-type"], "application/json");
    let raw = reused.text().await.unwrap();
    assert_eq!(raw, r#"{"reason":"Invalid Token!","error":"invalid_grant"}"#, "byte for byte");
    insta::assert_snapshot!("refresh_reuse", raw);

    let (status, _) =
        token_request(&sandbox, &[("grant_type", "refresh_token"), ("refresh_token", new)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sandbox.control().stats().refreshes, 2);
    assert_eq!(sandbox.control().stats().tokens_issued, 3);
}

#[tokio::test]
async fn refresh_tokens_expire_with_their_ttl() {
    let cfg = SandboxConfig {
        auto_approve: true,
        refresh_token_ttl: Duration::from_secs(7200),
        ..Default::default()
    };
    let sandbox = start(cfg).await;
    let tokens = user_tokens(&sandbox).await;
    sandbox.control().advance_clock(Duration::from_secs(7201));
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, body) =
        token_request(&sandbox, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["reason"], "Invalid Token!");
}

#[tokio::test]
async fn bad_client_and_unsupported_grants() {
    let sandbox = start_auto().await;
    let response = http()
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .basic_auth(ID, Some("wrong"))
        .form(&[("grant_type", "account_credentials"), ("account_id", "demo-account")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("bad_client", response.json::<Value>().await.unwrap());

    let (status, body) = token_request(&sandbox, &[("grant_type", "password")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!("unsupported_grant", body);

    // A JSON body is refused as Zoom refuses it.
    let json_body = http()
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .basic_auth(ID, Some(SECRET))
        .json(&json!({"grant_type": "account_credentials", "account_id": "demo-account"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body.json::<Value>().await.unwrap()["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn credentials_in_body_and_params_in_query_are_accepted() {
    let sandbox = start_auto().await;
    let in_body = http()
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .form(&[
            ("grant_type", "account_credentials"),
            ("account_id", "demo-account"),
            ("client_id", ID),
            ("client_secret", SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(in_body.status(), StatusCode::OK);

    let in_query = http()
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .basic_auth(ID, Some(SECRET))
        .query(&[("grant_type", "account_credentials"), ("account_id", "demo-account")])
        .send()
        .await
        .unwrap();
    assert_eq!(in_query.status(), StatusCode::OK);
}

#[tokio::test]
async fn s2s_tokens_have_no_refresh_token_and_many_live_at_once() {
    let sandbox = start_auto().await;
    let form = [("grant_type", "account_credentials"), ("account_id", "demo-account")];
    let (status, body) = token_request(&sandbox, &form).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("refresh_token").is_none());
    assert_eq!(body["scope"], "meeting:read meeting:write user:read");
    let first = body["access_token"].as_str().unwrap().to_owned();
    let second = s2s_token(&sandbox).await;
    assert_eq!(api_get(&sandbox, &first, "/users/me").await.status(), StatusCode::OK);
    assert_eq!(api_get(&sandbox, &second, "/users/me").await.status(), StatusCode::OK);

    let wrong = [("grant_type", "account_credentials"), ("account_id", "someone-else")];
    assert_eq!(token_request(&sandbox, &wrong).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn single_active_s2s_token_switch_revokes_the_previous_one() {
    let sandbox =
        start(SandboxConfig { single_active_s2s_token: true, ..Default::default() }).await;
    let first = s2s_token(&sandbox).await;
    let second = s2s_token(&sandbox).await;
    let old = api_get(&sandbox, &first, "/users/me").await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(old.json::<Value>().await.unwrap()["code"], 124);
    assert_eq!(api_get(&sandbox, &second, "/users/me").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn chatbot_client_credentials_token() {
    let sandbox = start_auto().await;
    let (status, body) = token_request(&sandbox, &[("grant_type", "client_credentials")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["scope"], "imchat:bot");
    assert!(body.get("refresh_token").is_none());
}

#[tokio::test]
async fn revoke_kills_the_access_token_and_its_refresh_token() {
    let sandbox = start_auto().await;
    let tokens = user_tokens(&sandbox).await;
    let access = tokens["access_token"].as_str().unwrap();
    let response = http()
        .post(format!("{}/oauth/revoke", sandbox.base_url()))
        .basic_auth(ID, Some(SECRET))
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"status": "success"}));

    let rejected = api_get(&sandbox, access, "/users/me").await;
    assert_eq!(rejected.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        rejected.json::<Value>().await.unwrap(),
        json!({"code": 124, "message": "Invalid access token."})
    );
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, _) =
        token_request(&sandbox, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn another_app_cannot_use_or_revoke_the_demo_apps_tokens() {
    let sandbox = start_auto().await;
    sandbox.control().add_client(other_app());
    let tokens = user_tokens(&sandbox).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let response = http()
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .basic_auth("other-client", Some("other-secret"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let revoke = http()
        .post(format!("{}/oauth/revoke", sandbox.base_url()))
        .basic_auth("other-client", Some("other-secret"))
        .form(&[("token", refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::OK);
    let (status, _) =
        token_request(&sandbox, &[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .await;
    assert_eq!(status, StatusCode::OK, "the demo app's refresh token survives");
}

#[tokio::test]
async fn concurrent_refreshes_with_one_token_only_one_wins() {
    let sandbox = start_auto().await;
    let tokens = user_tokens(&sandbox).await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let url = format!("{}/oauth/token", sandbox.base_url());
        let refresh = refresh.clone();
        tasks.push(tokio::spawn(async move {
            let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
            let response = http().post(url).basic_auth(ID, Some(SECRET)).form(&form).send().await;
            response.unwrap().status()
        }));
    }
    let mut won = 0;
    for task in tasks {
        let status = task.await.unwrap();
        assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{status}");
        won += usize::from(status == StatusCode::OK);
    }
    assert_eq!(won, 1);
    assert_eq!(sandbox.control().stats().refreshes, 1);
}

#[tokio::test]
async fn api_url_is_configurable() {
    let cfg = SandboxConfig {
        api_url: Some("https://eu01api.zoom.us".into()),
        access_token_ttl: Duration::from_secs(3600),
        ..Default::default()
    };
    let sandbox = start(cfg).await;
    let token = [("grant_type", "account_credentials"), ("account_id", "demo-account")];
    let (status, body) = token_request(&sandbox, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["api_url"], "https://eu01api.zoom.us");
    assert_eq!(body["expires_in"], 3600);
}
