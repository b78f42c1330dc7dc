//! Password hashing with Argon2id at OWASP's minimum cost (m=19 MiB, t=2, p=1).
//! Hashing is CPU-heavy, so it runs on the blocking pool, never on a request thread.

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longer passwords are refused before Argon2 reads them: hashing cost grows with the length.
pub const MAX_PASSWORD_BYTES: usize = 1024;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashing cannot fail with valid parameters")
        .to_string()
}

pub async fn hash(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .expect("the hashing task panicked")
}

/// Checks `password` against `stored`; with no stored hash (unknown user) it still spends the
/// time of a real check, so response times do not tell which e-mail addresses exist.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        if let Some(stored) = stored {
            PasswordHash::new(&stored).is_ok_and(|parsed| {
                argon2()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        } else {
            hash_blocking(&password);
            false
        }
    })
    .await
    .expect("the verification task panicked")
}

/// Says what is wrong with a new password, if anything.
pub fn check_strength(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password has {} characters; use at least {MIN_PASSWORD_CHARS}",
            password.chars().count()
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "the password is {} bytes; the limit is {MAX_PASSWORD_BYTES}",
            password.len()
        ));
    }
    Ok(())
}

/// A strong random password for a generated first owner.
pub fn generate() -> String {
    crate::auth::tokens::random_token(18)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_is_at_least_10_characters_and_at_most_1024_bytes() {
        assert!(check_strength("short").is_err());
        check_strength(&"p".repeat(MAX_PASSWORD_BYTES)).unwrap();
        let error = check_strength(&"p".repeat(MAX_PASSWORD_BYTES + 1)).unwrap_err();
        assert_eq!(error, "the password is 1025 bytes; the limit is 1024");
    }
}
