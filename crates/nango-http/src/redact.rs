//! Redaction of secrets in what nango logs or prints.

use std::borrow::Cow;

use http::HeaderName;

/// Query parameters whose values are secrets.
pub const SECRET_QUERY_PARAMS: &[&str] = &[
    "access_token",
    "refresh_token",
    "client_secret",
    "code",
    "code_verifier",
    "token",
    "id_token",
    "api_key",
    "key",
    "password",
    "signature",
    "sig",
];

/// Fragments that make any query parameter whose name contains them a secret
/// (`X-Amz-Signature`, `X-Amz-Credential`, `jwt`, `apikey`, `db_password`, …).
const SECRET_QUERY_FRAGMENTS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "signature",
    "credential",
    "jwt",
    "apikey",
    "api_key",
    "api-key",
    "authorization",
];

/// Whether a query parameter's value is a secret: a name of [`SECRET_QUERY_PARAMS`], a name
/// containing a secret-sounding fragment, or one ending in `token` (but not a pagination
/// cursor's `page_token`), `key` or `sig`. Redacting a harmless value costs a reader little;
/// printing a secret cannot be undone, so unknown names that look like credentials are
/// redacted too.
pub fn is_secret_query_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_QUERY_PARAMS.contains(&name.as_str())
        || SECRET_QUERY_FRAGMENTS.iter().any(|fragment| name.contains(fragment))
        || (name.ends_with("token") && !name.ends_with("page_token"))
        || name.ends_with("key")
        || name.ends_with("sig")
}

/// Whether a header carries a secret.
pub fn is_secret_header(name: &HeaderName) -> bool {
    let name = name.as_str();
    matches!(name, "authorization" | "proxy-authorization" | "cookie" | "set-cookie")
        || name.contains("token")
        || name.contains("secret")
        || name.contains("api-key")
        || name.contains("signature")
}

/// A header value as it may be shown: secrets become `<redacted N bytes>`.
pub fn header_value_for_display(name: &HeaderName, value: &http::HeaderValue) -> String {
    if is_secret_header(name) {
        format!("<redacted {} bytes>", value.len())
    } else {
        String::from_utf8_lossy(value.as_bytes()).into_owned()
    }
}

/// The path and query of `url` with secret query values replaced by `REDACTED`.
pub fn redacted_path_and_query(url: &url::Url) -> String {
    let mut out = url.path().to_owned();
    if url.query().is_none() {
        return out;
    }
    let pairs: Vec<String> =
        url.query_pairs()
            .map(|(k, v)| {
                if is_secret_query_param(&k) { format!("{k}=REDACTED") } else { format!("{k}={v}") }
            })
            .collect();
    out.push('?');
    out.push_str(&pairs.join("&"));
    out
}

/// The path of `url` alone (no query): what logs name a request by when no template is known.
pub fn redacted_path(url: &url::Url) -> String {
    url.path().to_owned()
}

/// A path that may carry a query (`/users?access_token=…`), with secret query values redacted.
pub fn redact_path_str(path: &str) -> Cow<'_, str> {
    if !path.contains('?') {
        return Cow::Borrowed(path);
    }
    let joined = format!("http://redacted.invalid/{}", path.trim_start_matches('/'));
    match url::Url::parse(&joined) {
        Ok(url) if path.starts_with('/') => Cow::Owned(redacted_path_and_query(&url)),
        Ok(url) => Cow::Owned(redacted_path_and_query(&url).trim_start_matches('/').to_owned()),
        Err(_) => Cow::Borrowed(path.split('?').next().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_query_values_are_redacted() {
        let url = url::Url::parse(
            "https://api.example/v2/users?page_size=30&access_token=CANARY&Client_Secret=S",
        )
        .unwrap();
        let shown = redacted_path_and_query(&url);
        assert_eq!(shown, "/v2/users?page_size=30&access_token=REDACTED&Client_Secret=REDACTED");
        assert_eq!(redacted_path(&url), "/v2/users");
    }

    /// Regression: only the listed names were redacted, so `jwt`, `apikey` and AWS's
    /// `X-Amz-Signature` values reached errors and logs.
    #[test]
    fn credential_like_names_are_redacted_and_cursors_are_not() {
        for name in ["jwt", "apikey", "X-Amz-Signature", "X-Amz-Credential", "sessionToken"] {
            assert!(is_secret_query_param(name), "{name}");
        }
        for name in ["x_api_key", "db_password", "hmac_sig", "ACCESS_TOKEN", "code"] {
            assert!(is_secret_query_param(name), "{name}");
        }
        for name in ["next_page_token", "page_size", "status", "from", "author", "country"] {
            assert!(!is_secret_query_param(name), "{name}");
        }
        let url = url::Url::parse("https://h/x?jwt=CANARY&apikey=CANARY&next_page_token=abc");
        let shown = redacted_path_and_query(&url.unwrap());
        assert_eq!(shown, "/x?jwt=REDACTED&apikey=REDACTED&next_page_token=abc");
    }

    #[test]
    fn a_path_string_with_a_query_is_redacted() {
        assert_eq!(redact_path_str("/users/me"), "/users/me");
        assert_eq!(redact_path_str("/users?token=CANARY&a=1"), "/users?token=REDACTED&a=1");
        assert_eq!(redact_path_str("users?key=CANARY"), "users?key=REDACTED");
    }

    #[test]
    fn secret_headers_show_only_their_length() {
        let name = http::header::AUTHORIZATION;
        let value = http::HeaderValue::from_static("Bearer CANARY");
        assert!(is_secret_header(&name));
        assert_eq!(header_value_for_display(&name, &value), "<redacted 13 bytes>");
        let name = http::HeaderName::from_static("x-zm-trackingid");
        assert!(!is_secret_header(&name));
    }
}
