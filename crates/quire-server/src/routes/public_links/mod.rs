//! Public links over HTTP: a page's owners and admins share its published version with
//! people who have no account (`/s/{token}`), naming the functions it may call; they list and
//! revoke links. What a link's holder may do is `routes/public`'s.

pub mod create;
pub mod list;
pub mod revoke;

use quire_store::PublicLink;
use serde::Serialize;
use utoipa::ToSchema;

use crate::pages::public_links::LinkStatus;
use crate::validate::timestamp;

/// A public link as its project's owners and admins see it; the token is never answered
/// again after creation.
#[derive(Serialize, ToSchema)]
pub struct LinkView {
    pub id: String,
    pub page_id: String,
    /// The token's first characters.
    #[schema(example = "quire_link_Xa9q…")]
    pub token_hint: String,
    /// The slugs of the functions the page may call through the link.
    pub functions: Vec<String>,
    /// The sites that may show it in a frame besides Quire; empty: none.
    pub allowed_origins: Vec<String>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    pub expires_at: Option<String>,
    pub created_at: String,
    pub created_by: Option<String>,
    pub revoked_at: Option<String>,
    /// When someone last opened it or called through it (to the minute).
    pub last_used_at: Option<String>,
}

impl From<&PublicLink> for LinkView {
    fn from(link: &PublicLink) -> Self {
        Self {
            id: link.id.clone(),
            page_id: link.page_id.clone(),
            token_hint: link.token_hint.clone(),
            functions: link.functions.clone(),
            allowed_origins: link.allowed_origins.clone(),
            status: LinkStatus::of(link).as_str().to_owned(),
            expires_at: link.expires_at.map(timestamp),
            created_at: timestamp(link.created_at),
            created_by: link.created_by.clone(),
            revoked_at: link.revoked_at.map(timestamp),
            last_used_at: link.last_used_at.map(timestamp),
        }
    }
}
