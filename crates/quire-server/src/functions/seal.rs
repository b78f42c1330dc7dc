//! Secrets at rest: ChaCha20-Poly1305 under the server's `secret_key`, a random 96-bit nonce per
//! value, and the function id and secret name as associated data, so a sealed value cannot be
//! moved to another function or name. Stored as base64 of `nonce || ciphertext`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};

const NONCE_BYTES: usize = 12;

/// A sealed value that does not open: the key changed or the row was tampered with.
#[derive(Debug, thiserror::Error)]
#[error(
    "secret {name:?} cannot be decrypted: the server's secret key changed or the stored value was altered; set the secret again"
)]
pub struct OpenError {
    pub name: String,
}

fn associated_data(function_id: &str, name: &str) -> Vec<u8> {
    format!("quire-function-secret\0{function_id}\0{name}").into_bytes()
}

/// Encrypts `value` of secret `name` of `function_id`.
pub fn seal(key: &[u8; 32], function_id: &str, name: &str, value: &str) -> String {
    let cipher = ChaCha20Poly1305::new(key.into());
    let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let aad = associated_data(function_id, name);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: value.as_bytes(),
                aad: &aad,
            },
        )
        .expect("ChaCha20-Poly1305 encrypts any message under 256 GiB");
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&ciphertext);
    STANDARD.encode(sealed)
}

/// Decrypts what [`seal`] made for the same function and name.
pub fn open(
    key: &[u8; 32],
    function_id: &str,
    name: &str,
    sealed: &str,
) -> Result<String, OpenError> {
    let error = || OpenError {
        name: name.to_owned(),
    };
    let bytes = STANDARD.decode(sealed).map_err(|_| error())?;
    if bytes.len() < NONCE_BYTES {
        return Err(error());
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
    let cipher = ChaCha20Poly1305::new(key.into());
    let aad = associated_data(function_id, name);
    let plain = cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| error())?;
    String::from_utf8(plain).map_err(|_| error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_function_and_name() {
        let key = [7u8; 32];
        let sealed = seal(&key, "f1", "TOKEN", "s3cret-value");
        assert!(!sealed.contains("s3cret"));
        assert_ne!(
            sealed,
            seal(&key, "f1", "TOKEN", "s3cret-value"),
            "nonce per value"
        );
        assert_eq!(open(&key, "f1", "TOKEN", &sealed).unwrap(), "s3cret-value");
        assert!(open(&[8u8; 32], "f1", "TOKEN", &sealed).is_err());
        assert!(open(&key, "f2", "TOKEN", &sealed).is_err());
        assert!(open(&key, "f1", "OTHER", &sealed).is_err());
        assert!(open(&key, "f1", "TOKEN", "AAAA").is_err());
        assert!(open(&key, "f1", "TOKEN", "not base64!").is_err());
    }
}
