//! Random identifiers shaped like Zoom's: tokens, codes, user ids, meeting ids, tracking ids.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::{Rng as _, RngCore as _};

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `n` random bytes.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// A random alphanumeric string of `len` characters.
pub(crate) fn alnum(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char).collect()
}

/// An opaque token that looks like Zoom's JWT-shaped tokens (`eyJ…`). It is not a real JWT: the
/// sandbox only ever looks it up.
pub(crate) fn jwt_like_token(kind: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","v":"2.0","kid":"sandbox"}"#);
    let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"tokenType":"{kind}","aud":"sandbox"}}"#));
    let signature = URL_SAFE_NO_PAD.encode(random_bytes::<48>());
    format!("{header}.{payload}.{signature}")
}

/// A meeting UUID: 16 random bytes in standard base64 with padding, as Zoom shows them.
pub(crate) fn meeting_uuid() -> String {
    STANDARD.encode(random_bytes::<16>())
}

/// An 11-digit meeting id (int64 in Zoom's API).
pub(crate) fn meeting_id() -> i64 {
    rand::rng().random_range(80_000_000_000..100_000_000_000)
}

/// The value of the `x-zm-trackingid` header.
pub(crate) fn tracking_id() -> String {
    let hex: String = random_bytes::<16>().iter().map(|b| format!("{b:02x}")).collect();
    format!("v=2.0;clid=us05;rid=WEB_{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_look_like_zoom() {
        assert!(jwt_like_token("access_token").starts_with("eyJ"));
        assert_eq!(meeting_id().to_string().len(), 11);
        assert!(meeting_uuid().ends_with("=="));
        assert!(tracking_id().starts_with("v=2.0;clid=us05;rid=WEB_"));
        assert_ne!(alnum(32), alnum(32));
    }
}
