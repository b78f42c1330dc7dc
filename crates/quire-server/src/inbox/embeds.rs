//! Embedded inboxes: the token that opens a project's inbox (or one number's) inside another
//! site's page, which origins may frame it, and whether it still works.
//!
//! The token is a credential of its own: the embedded inbox sends it as a bearer token, and
//! it opens the inbox's conversations, the mounted page's published version and the event
//! stream, limited to its scope ([`crate::auth::InboxCaller`]); nothing else of the API.

use quire_store::{InboxEmbed, now_ms};

use crate::auth::tokens::{random_token, sha256_hex};
use crate::errors::ApiError;
use crate::validate::shown;

/// Embed tokens start with this, so the server tells them from API tokens, and leaked ones
/// are easy to recognise.
pub const TOKEN_PREFIX: &str = "quire_embed_";

/// The most origins one embed names.
pub const MAX_ORIGINS: usize = 20;

/// A new embed token (192 random bits), its SHA-256 (what the store keeps) and its hint.
pub fn new_token() -> (String, String, String) {
    let token = format!("{TOKEN_PREFIX}{}", random_token(24));
    let hint = format!("{}…", &token[..TOKEN_PREFIX.len() + 4]);
    (sha256_hex(&token), token, hint)
}

pub fn is_embed_token(token: &str) -> bool {
    token.starts_with(TOKEN_PREFIX)
}

/// Whether an embed works now, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmbedStatus {
    Active,
    Expired,
    Revoked,
}

impl EmbedStatus {
    pub fn of(embed: &InboxEmbed) -> Self {
        if embed.revoked_at.is_some() {
            Self::Revoked
        } else if embed.expires_at.is_some_and(|at| at <= now_ms()) {
            Self::Expired
        } else {
            Self::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

/// The refusal for a token that does not (or no longer) open an inbox.
pub fn refusal(embed: Option<&InboxEmbed>) -> Option<ApiError> {
    let message = match embed.map(EmbedStatus::of) {
        Some(EmbedStatus::Active) => return None,
        None => "this embedded inbox's token is not valid; ask the project's owners for the embed code again".to_owned(),
        Some(EmbedStatus::Expired) => format!(
            "the embedded inbox {:?} has expired; its project's owners can extend it or make a new one",
            embed.map_or("", |e| e.name.as_str())
        ),
        Some(EmbedStatus::Revoked) => format!(
            "the embedded inbox {:?} was revoked; ask the project's owners for a new embed",
            embed.map_or("", |e| e.name.as_str())
        ),
    };
    Some(ApiError::unauthorized(message))
}

/// Checks and normalises origins an embed may be framed by: `https://host[:port]` or
/// `http://…` (for development), where the host's first label may be `*` for any subdomain.
/// Lower-cased, without duplicates, in the order given.
pub fn check_origins(field: &str, origins: &[String]) -> Result<Vec<String>, ApiError> {
    if origins.is_empty() || origins.len() > MAX_ORIGINS {
        return Err(ApiError::validation(
            field,
            format!(
                "{field} has {} origins; name 1 to {MAX_ORIGINS} sites that may show the inbox, such as \"https://support.example.com\"",
                origins.len()
            ),
        ));
    }
    let mut checked: Vec<String> = Vec::with_capacity(origins.len());
    for origin in origins {
        let normal = normalise_origin(origin).ok_or_else(|| {
            ApiError::validation(
                field,
                format!(
                    "{} is not an origin: write the scheme, host and port only, such as \"https://support.example.com\", \"http://localhost:3000\" or \"https://*.example.com\" for every subdomain",
                    shown(origin)
                ),
            )
        })?;
        if !checked.contains(&normal) {
            checked.push(normal);
        }
    }
    Ok(checked)
}

fn normalise_origin(origin: &str) -> Option<String> {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = origin.split_once("://")?;
    if !matches!(scheme, "http" | "https") || rest.is_empty() {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    if port.is_some_and(|port| port.parse::<u16>().map_or(true, |p| p == 0)) {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let wildcard = labels.first() == Some(&"*");
    let named = if wildcard { &labels[1..] } else { &labels[..] };
    // `https://*.com` would let any site in: a wildcard needs a registrable name under it.
    if named.is_empty() || !named.iter().all(label_ok) || (wildcard && named.len() < 2) {
        return None;
    }
    Some(origin)
}

/// The `frame-ancestors` sources of an embed's document: its allowed origins, which are
/// already in the form a policy takes (a checked origin has no space, comma or semicolon).
pub fn frame_ancestors(embed: &InboxEmbed) -> String {
    embed.allowed_origins.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn origins_are_checked_and_normalised() {
        let checked = check_origins(
            "allowed_origins",
            &origins(&[
                "https://Support.Example.com/",
                "http://127.0.0.1:4000",
                "https://*.example.org",
                "https://support.example.com",
            ]),
        )
        .unwrap();
        assert_eq!(
            checked,
            origins(&[
                "https://support.example.com",
                "http://127.0.0.1:4000",
                "https://*.example.org"
            ])
        );
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://*.com",
            "https://*",
            "https://ex ample.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://a;b.com",
            "https://",
            "*",
        ] {
            let error = check_origins("allowed_origins", &origins(&[bad])).unwrap_err();
            assert!(
                error.message.contains("is not an origin"),
                "{bad}: {}",
                error.message
            );
        }
        assert!(check_origins("allowed_origins", &[]).is_err());
    }

    #[test]
    fn tokens_are_recognised_by_their_prefix_and_stored_as_a_hash() {
        let (hash, token, hint) = new_token();
        assert!(is_embed_token(&token));
        assert!(!is_embed_token("quire_pat_abc"));
        assert_eq!(hash, sha256_hex(&token));
        assert!(token.starts_with(hint.trim_end_matches('…')));
    }
}
