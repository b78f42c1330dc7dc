//! Embedded inboxes: the token that opens a project's inbox (or one number's) inside another
//! site's page, which origins may frame it, and whether it still works.
//!
//! The token is a credential of its own: the embedded inbox sends it as a bearer token, and
//! it opens the inbox's conversations, the mounted page's published version and the event
//! stream, limited to its scope ([`crate::auth::InboxCaller`]); nothing else of the API.

use quire_store::{InboxEmbed, now_ms};

use crate::auth::tokens::new_prefixed_token;
use crate::errors::ApiError;

/// Embed tokens start with this, so the server tells them from API tokens, and leaked ones
/// are easy to recognise.
pub const TOKEN_PREFIX: &str = "quire_embed_";

/// A new embed token: its SHA-256 (what the store keeps), the token and its hint.
pub fn new_token() -> (String, String, String) {
    new_prefixed_token(TOKEN_PREFIX)
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

/// The `frame-ancestors` sources of an embed's document: its allowed origins, which are
/// already in the form a policy takes (a checked origin has no space, comma or semicolon).
pub fn frame_ancestors(embed: &InboxEmbed) -> String {
    embed.allowed_origins.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_recognised_by_their_prefix_and_stored_as_a_hash() {
        let (hash, token, hint) = new_token();
        assert!(is_embed_token(&token));
        assert!(!is_embed_token("quire_pat_abc"));
        assert_eq!(hash, crate::auth::tokens::sha256_hex(&token));
        assert!(token.starts_with(hint.trim_end_matches('…')));
    }
}
