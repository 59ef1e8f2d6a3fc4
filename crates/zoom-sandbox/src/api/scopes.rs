//! Scope checks: each operation needs one of its classic scopes (or an `:admin` or granular
//! variant of one); a token without any gets Zoom's 4711 error.

use axum::http::{Method, StatusCode};
use axum::response::Response;

use super::api_error;

/// The scopes that allow an operation; a granted scope allows it when it equals one of them or
/// extends one of them (`meeting:write:admin`, `meeting:write:meeting`).
fn required(method: &Method, path: &str) -> &'static [&'static str] {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["", "v2", "users", "me"]) => &["user:read", "user_info:read"],
        ("GET", ["", "v2", "users", _, "meetings"]) => &["meeting:read"],
        ("GET", ["", "v2", "users", ..]) => &["user:read"],
        ("GET", ["", "v2", "meetings", _]) => &["meeting:read"],
        ("PATCH", _) => &["meeting:write", "meeting:update"],
        ("DELETE", _) => &["meeting:write", "meeting:delete"],
        _ => &["meeting:write"],
    }
}

fn allows(granted: &str, required: &str) -> bool {
    granted == required || granted.strip_prefix(required).is_some_and(|rest| rest.starts_with(':'))
}

/// `Ok` when one of `granted` allows the operation; else Zoom's 400 code 4711.
pub(crate) fn check(granted: &[String], method: &Method, path: &str) -> Result<(), Response> {
    let required = required(method, path);
    if granted.iter().any(|g| required.iter().any(|r| allows(g, r))) {
        return Ok(());
    }
    let listed: Vec<String> =
        required.iter().flat_map(|r| [r.to_string(), format!("{r}:admin")]).collect();
    let message = format!("Invalid access token, does not contain scopes:[{}].", listed.join(", "));
    Err(api_error(StatusCode::BAD_REQUEST, 4711, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn classic_admin_and_granular_scopes_allow() {
        let path = "/v2/users/me/meetings";
        assert!(check(&scopes(&["meeting:write"]), &Method::POST, path).is_ok());
        assert!(check(&scopes(&["meeting:write:admin"]), &Method::POST, path).is_ok());
        assert!(check(&scopes(&["meeting:write:meeting"]), &Method::POST, path).is_ok());
        assert!(check(&scopes(&["meeting:writer"]), &Method::POST, path).is_err());
        assert!(check(&scopes(&["meeting:read"]), &Method::POST, path).is_err());
        assert!(check(&scopes(&["meeting:read"]), &Method::GET, path).is_ok());
        assert!(check(&scopes(&["user:read"]), &Method::GET, path).is_err());
        assert!(check(&scopes(&["user:read:admin"]), &Method::GET, "/v2/users").is_ok());
        assert!(check(&scopes(&["imchat:bot"]), &Method::GET, "/v2/users/me").is_err());
        assert!(
            check(&scopes(&["meeting:update:meeting"]), &Method::PATCH, "/v2/meetings/1").is_ok()
        );
    }
}
