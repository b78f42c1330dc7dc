//! Random tokens (session ids, API tokens, invitation links), the CSRF tokens derived from
//! session ids, and the hashes the store keeps. (Function secrets are another thing: see
//! `functions::seal`.)

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// API tokens start with this, so leaked ones are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "quire_pat_";

/// `bytes` random bytes from the OS, URL-safe base64 encoded.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new API token (192 random bits) and the short hint shown in token lists.
pub fn new_api_token() -> (String, String) {
    let token = format!("{TOKEN_PREFIX}{}", random_token(24));
    let hint = format!("{}…", &token[..TOKEN_PREFIX.len() + 4]);
    (token, hint)
}

/// A new token that starts with `prefix` (192 random bits): its SHA-256 (what the store
/// keeps), the token, and the hint shown in lists.
pub fn new_prefixed_token(prefix: &str) -> (String, String, String) {
    let token = format!("{prefix}{}", random_token(24));
    let hint = format!("{}…", &token[..prefix.len() + 4]);
    (sha256_hex(&token), token, hint)
}

/// Invitation links carry this before their token.
pub const INVITATION_PREFIX: &str = "quire_inv_";

/// The token of a new invitation link (256 random bits).
pub fn new_invitation_token() -> String {
    format!("{INVITATION_PREFIX}{}", random_token(32))
}

/// The CSRF token of a session: HMAC-SHA256 of its id under the server's key, as hex. Derived
/// on every request, so it is never stored, and only the server (holding the key) can make it.
pub fn csrf_token(key: &[u8; 32], session_id: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    // A label keeps these MACs apart from the key's other uses (signed artifact URLs).
    mac.update(b"quire csrf\n");
    mac.update(session_id.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Compares two secrets in constant time.
pub fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
