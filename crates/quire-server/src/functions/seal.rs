//! Function secrets at rest, sealed with [`crate::seal`] under the function id and secret name,
//! so a sealed value cannot be moved to another function or name.

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
    crate::seal::seal(key, &associated_data(function_id, name), value)
}

/// Decrypts what [`seal`] made for the same function and name.
pub fn open(
    key: &[u8; 32],
    function_id: &str,
    name: &str,
    sealed: &str,
) -> Result<String, OpenError> {
    crate::seal::open(key, &associated_data(function_id, name), sealed).ok_or_else(|| OpenError {
        name: name.to_owned(),
    })
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
