//! Redaction of secrets in what nango logs or prints.

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
    let pairs: Vec<String> = url
        .query_pairs()
        .map(|(k, v)| {
            let secret = SECRET_QUERY_PARAMS.iter().any(|s| k.eq_ignore_ascii_case(s));
            if secret { format!("{k}=REDACTED") } else { format!("{k}={v}") }
        })
        .collect();
    out.push('?');
    out.push_str(&pairs.join("&"));
    out
}
