//! `GET /api/v1/projects/{p}/inbox-embeds`: a project's embedded inboxes, newest first,
//! revoked ones included, for owners and admins.

use axum::extract::State;
use quire_store::Role;
use serde::Serialize;
use utoipa::ToSchema;

use super::EmbedView;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct EmbedList {
    pub embeds: Vec<EmbedView>,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/inbox-embeds", tag = "inbox",
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = EmbedList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
) -> Result<ApiJson<EmbedList>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    let embeds = state.store.inbox_embeds(&membership.project.id).await?;
    Ok(ApiJson(EmbedList {
        embeds: embeds.iter().map(EmbedView::from).collect(),
    }))
}
