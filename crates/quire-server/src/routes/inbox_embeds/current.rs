//! `GET /api/v1/embed`: what an embedded inbox shows, asked with its own token: its project,
//! its scope, its theme and the page mounted in the inbox, while one is published.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::InboxCaller;
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate::timestamp;
use quire_store::INBOX_MOUNT_POINT;

#[derive(Serialize, ToSchema)]
pub struct EmbedSession {
    pub name: String,
    pub project: EmbedProject,
    /// The one number it shows; null: every number of the project.
    pub phone_number_id: Option<String>,
    /// `light`, `dark` or `system`.
    pub theme: String,
    pub expires_at: Option<String>,
    /// The published page mounted in the inbox sidebar; null when none is.
    pub page: Option<EmbedPage>,
}

#[derive(Serialize, ToSchema)]
pub struct EmbedProject {
    pub id: String,
    pub slug: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct EmbedPage {
    pub id: String,
    pub slug: String,
    pub name: String,
}

#[utoipa::path(get, path = "/api/v1/embed", tag = "inbox",
    responses((status = 200, body = EmbedSession),
        (status = 401, body = ErrorBody, description = "the embed token is not valid, has expired or was revoked"),
        (status = 403, body = ErrorBody, description = "the caller is not an embedded inbox")))]
pub async fn current(
    State(state): State<AppState>,
    caller: InboxCaller,
) -> Result<ApiJson<EmbedSession>, ApiError> {
    let InboxCaller::Embed(embed) = caller else {
        return Err(ApiError::forbidden(
            "this call is an embedded inbox's own: send its embed token as `Authorization: Bearer quire_embed_…`",
        ));
    };
    let project = state
        .store
        .project(&embed.project_id)
        .await?
        .ok_or_else(|| ApiError::not_found("the embedded inbox's project no longer exists"))?;
    let page = state
        .store
        .published_page_at_mount(&project.id, INBOX_MOUNT_POINT)
        .await?;
    Ok(ApiJson(EmbedSession {
        name: embed.name.clone(),
        project: EmbedProject {
            id: project.id,
            slug: project.slug,
            name: project.name,
        },
        phone_number_id: embed.phone_number_id.clone(),
        theme: embed.theme.clone(),
        expires_at: embed.expires_at.map(timestamp),
        page: page.map(|page| EmbedPage {
            id: page.id,
            slug: page.slug,
            name: page.name,
        }),
    }))
}
