//! A WhatsApp connection's app secret and access token at rest, sealed with [`crate::seal`]
//! under the connection's id and the secret's name, so neither opens anywhere else.

/// Which of a connection's secrets.
#[derive(Clone, Copy, Debug)]
pub enum ConnectionSecret {
    AppSecret,
    AccessToken,
}

impl ConnectionSecret {
    fn name(self) -> &'static str {
        match self {
            Self::AppSecret => "app_secret",
            Self::AccessToken => "access_token",
        }
    }

    fn associated_data(self, connection_id: &str) -> Vec<u8> {
        format!("quire-whatsapp-secret\0{connection_id}\0{}", self.name()).into_bytes()
    }

    pub fn seal(self, key: &[u8; 32], connection_id: &str, value: &str) -> String {
        crate::seal::seal(key, &self.associated_data(connection_id), value)
    }

    /// `None` when it does not open: the server's key changed or the row was altered.
    pub fn open(self, key: &[u8; 32], connection_id: &str, sealed: &str) -> Option<String> {
        crate::seal::open(key, &self.associated_data(connection_id), sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_opens_only_for_its_connection_and_name() {
        let key = [3u8; 32];
        let sealed = ConnectionSecret::AppSecret.seal(&key, "c1", "s3cret");
        assert!(!sealed.contains("s3cret"));
        assert_eq!(
            ConnectionSecret::AppSecret
                .open(&key, "c1", &sealed)
                .as_deref(),
            Some("s3cret")
        );
        assert_eq!(ConnectionSecret::AppSecret.open(&key, "c2", &sealed), None);
        assert_eq!(
            ConnectionSecret::AccessToken.open(&key, "c1", &sealed),
            None
        );
        assert_eq!(
            ConnectionSecret::AppSecret.open(&[4u8; 32], "c1", &sealed),
            None
        );
        // A function secret of the same name does not open as a connection's.
        let function = crate::functions::seal::seal(&key, "c1", "app_secret", "s3cret");
        assert_eq!(
            ConnectionSecret::AppSecret.open(&key, "c1", &function),
            None
        );
    }
}
