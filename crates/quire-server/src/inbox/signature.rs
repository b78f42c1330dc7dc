//! Meta's delivery signature: `X-Hub-Signature-256: sha256=<lowercase hex>`, the HMAC-SHA256
//! of the raw body under the app secret. Compared in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER: &str = "x-hub-signature-256";

type HmacSha256 = Hmac<Sha256>;

fn mac(app_secret: &str, body: &[u8]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(app_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    mac
}

/// The header value Meta would send with `body` under `app_secret`.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(app_secret, body).finalize().into_bytes())
    )
}

/// Whether `header` is the signature of `body` under `app_secret`.
pub fn verify(app_secret: &str, body: &[u8], header: &str) -> bool {
    let Some(digest) = header
        .strip_prefix("sha256=")
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
    else {
        return false;
    };
    // `verify_slice` compares in constant time (and refuses a digest of another length).
    mac(app_secret, body).verify_slice(&digest).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_its_body_under_its_secret() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let header = sign("app-secret", body);
        assert!(header.starts_with("sha256=") && header.len() == 7 + 64);
        assert!(verify("app-secret", body, &header));
        assert!(verify(
            "app-secret",
            body,
            &header.to_uppercase().replace("SHA256=", "sha256=")
        ));
        assert!(!verify("other-secret", body, &header));
        assert!(!verify("app-secret", b"{}", &header));
        assert!(!verify("app-secret", body, &header[..40]));
        assert!(!verify(
            "app-secret",
            body,
            header.trim_start_matches("sha256=")
        ));
        assert!(!verify("app-secret", body, "sha256=not-hex"));
        assert!(!verify("app-secret", body, ""));
    }
}
