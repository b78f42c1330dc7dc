//! `DELETE /api/v1/projects/{p}/inbox-embeds/{e}`: revokes an embedded inbox at once: its
//! frames show that it no longer works, its calls and event streams stop. It stays listed.

use axum::extract::State;

use super::{EmbedView, embed_for};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[utoipa::path(delete, path = "/api/v1/projects/{p}/inbox-embeds/{e}", tag = "inbox",
    params(("p" = String, Path, description = "project id or slug"), ("e" = String, Path, description = "embed id")),
    responses((status = 200, body = EmbedView, description = "revoked (revoking again changes nothing)"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, embed)): Path<(String, String)>,
) -> Result<ApiJson<EmbedView>, ApiError> {
    let (membership, embed) = embed_for(&state, &viewer, &project, &embed).await?;
    let revoked = state
        .store
        .revoke_inbox_embed(&membership.project.id, &embed.id, &viewer.user.id)
        .await?;
    Ok(ApiJson(EmbedView::from(&revoked)))
}
