//! Embedded inboxes over HTTP: a project's owners and admins create one (the token and embed
//! URL answered once), list, change and revoke them; the embedded inbox itself asks what it
//! shows (`GET /api/v1/embed`). The rules are the [`crate::inbox::embeds`] service's.

pub mod create;
pub mod current;
pub mod list;
pub mod revoke;
pub mod update;

use quire_store::{InboxEmbed, Membership, Role};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::ApiError;
use crate::inbox::embeds::EmbedStatus;
use crate::state::AppState;
use crate::validate::{shown, timestamp};

/// The longest an embed may be given; longer is what no expiry is for.
pub const MAX_EXPIRES_IN_DAYS: u32 = 3650;

/// How an embedded inbox looks.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EmbedTheme {
    Light,
    Dark,
    /// The viewer's system setting.
    System,
}

impl EmbedTheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
            Self::System => "system",
        }
    }
}

/// An embedded inbox as its project's owners and admins see it; the token is never answered
/// again after creation.
#[derive(Serialize, ToSchema)]
pub struct EmbedView {
    pub id: String,
    pub name: String,
    /// The token's first characters.
    #[schema(example = "quire_embed_k3Zq…")]
    pub token_hint: String,
    /// The one number it shows (Meta's phone number id); null: every number of the project.
    pub phone_number_id: Option<String>,
    /// The sites that may show it in a frame.
    #[schema(example = json!(["https://support.example.com"]))]
    pub allowed_origins: Vec<String>,
    /// `light`, `dark` or `system`.
    pub theme: String,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    pub expires_at: Option<String>,
    pub created_at: String,
    /// Who made it, while their account exists.
    pub created_by: Option<String>,
    pub revoked_at: Option<String>,
    /// When a call last came through it (to the minute).
    pub last_used_at: Option<String>,
}

impl From<&InboxEmbed> for EmbedView {
    fn from(embed: &InboxEmbed) -> Self {
        Self {
            id: embed.id.clone(),
            name: embed.name.clone(),
            token_hint: embed.token_hint.clone(),
            phone_number_id: embed.phone_number_id.clone(),
            allowed_origins: embed.allowed_origins.clone(),
            theme: embed.theme.clone(),
            status: EmbedStatus::of(embed).as_str().to_owned(),
            expires_at: embed.expires_at.map(timestamp),
            created_at: timestamp(embed.created_at),
            created_by: embed.created_by.clone(),
            revoked_at: embed.revoked_at.map(timestamp),
            last_used_at: embed.last_used_at.map(timestamp),
        }
    }
}

/// The caller's membership (owner or admin) and the embed `e` of project `p`.
pub async fn embed_for(
    state: &AppState,
    viewer: &Viewer,
    project: &str,
    embed: &str,
) -> Result<(Membership, InboxEmbed), ApiError> {
    let membership = viewer.require(state, project, Role::Admin).await?;
    let found = state
        .store
        .inbox_embed(&membership.project.id, embed)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "project {:?} has no embedded inbox {}; GET /api/v1/projects/{}/inbox-embeds lists them",
                membership.project.slug,
                shown(embed),
                membership.project.slug
            ))
        })?;
    Ok((membership, found))
}

/// `expires_in_days` checked: 1 to [`MAX_EXPIRES_IN_DAYS`]; the time it gives.
fn expiry(days: Option<u32>) -> Result<Option<i64>, ApiError> {
    match days {
        None => Ok(None),
        Some(days) if (1..=MAX_EXPIRES_IN_DAYS).contains(&days) => {
            Ok(Some(quire_store::now_ms() + i64::from(days) * 86_400_000))
        }
        Some(_) => Err(ApiError::validation(
            "expires_in_days",
            format!(
                "expires_in_days is a number of days from 1 to {MAX_EXPIRES_IN_DAYS}; send null (or leave it out when creating) for an embed that never expires"
            ),
        )),
    }
}

/// A field that may be sent as `null` to clear it: absent is `None`, `null` is `Some(None)`.
#[expect(
    clippy::option_option,
    reason = "absent, null and a value are three answers"
)]
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}
