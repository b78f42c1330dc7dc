//! Values at rest: ChaCha20-Poly1305 under the server's `secret_key`, a random 96-bit nonce per
//! value, and associated data naming what the value is for (whose secret, which one), so a
//! sealed value opens only in its own place. Stored as base64 of `nonce || ciphertext`.
//! Function secrets ([`crate::functions::seal`]) and WhatsApp connection secrets
//! ([`crate::inbox::secrets`]) are sealed this way.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};

const NONCE_BYTES: usize = 12;

/// Encrypts `value` for the place `associated` names.
pub fn seal(key: &[u8; 32], associated: &[u8], value: &str) -> String {
    let cipher = ChaCha20Poly1305::new(key.into());
    let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: value.as_bytes(),
                aad: associated,
            },
        )
        .expect("ChaCha20-Poly1305 encrypts any message under 256 GiB");
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&ciphertext);
    STANDARD.encode(sealed)
}

/// Decrypts what [`seal`] made for the same place; `None` when the key changed, the value was
/// altered or it was sealed for another place.
pub fn open(key: &[u8; 32], associated: &[u8], sealed: &str) -> Option<String> {
    let bytes = STANDARD.decode(sealed).ok()?;
    if bytes.len() < NONCE_BYTES {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
    let cipher = ChaCha20Poly1305::new(key.into());
    let plain = cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: associated,
            },
        )
        .ok()?;
    String::from_utf8(plain).ok()
}
