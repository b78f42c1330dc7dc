//! Public links: the token that shows one page's published version to people without an
//! account (`/s/{token}`), which functions the page may call through it, and whether it
//! still works. A link works while it is not revoked or expired and its page is published;
//! a draft is never served through one.

use std::sync::Arc;

use quire_store::{Page, PageStatus, PublicLink, now_ms};

use crate::auth::tokens::{new_prefixed_token, sha256_hex};
use crate::errors::ApiError;
use crate::state::AppState;

/// Link tokens start with this, so the server tells them from other tokens.
pub const TOKEN_PREFIX: &str = "quire_link_";

/// A new link token: its SHA-256 (what the store keeps), the token and its hint.
pub fn new_token() -> (String, String, String) {
    new_prefixed_token(TOKEN_PREFIX)
}

/// Whether a link works now, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStatus {
    Active,
    Expired,
    Revoked,
}

impl LinkStatus {
    pub fn of(link: &PublicLink) -> Self {
        if link.revoked_at.is_some() {
            Self::Revoked
        } else if link.expires_at.is_some_and(|at| at <= now_ms()) {
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

/// A working link and the page it shows, published.
pub struct Opened {
    pub link: Arc<PublicLink>,
    pub page: Page,
}

/// The answer for a link that does not (or no longer) work, whatever the reason: nobody
/// holding a link learns more than that.
pub fn gone() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "link_gone",
        "this link no longer works; ask whoever shared it for a new one",
    )
}

/// The link `token` opens, with its page, while both work.
pub async fn open(state: &AppState, token: &str) -> Result<Opened, ApiError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Err(gone());
    }
    let link = state
        .credentials
        .public_link(&state.store, &sha256_hex(token))
        .await?
        .filter(|link| LinkStatus::of(link) == LinkStatus::Active)
        .ok_or_else(gone)?;
    let page = state
        .store
        .page(&link.project_id, &link.page_id)
        .await?
        .filter(|page| page.status == PageStatus::Published && page.published_version.is_some())
        .ok_or_else(gone)?;
    // "Last used" helps owners decide which links to revoke: written at most once a minute.
    let now = now_ms();
    if link.last_used_at.is_none_or(|at| now - at >= 60_000) {
        state.store.touch_public_link(&link.id, now).await?;
    }
    Ok(Opened { link, page })
}
