//! `GET /api/v1/projects/{p}/invitations`: the pending invitations, for owners and admins.

use axum::extract::State;

use crate::extract::Path;
use quire_store::Role;

use super::InvitationView;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects/{p}/invitations", tag = "members",
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = Vec<InvitationView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
) -> Result<ApiJson<Vec<InvitationView>>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    let pending = state
        .store
        .pending_invitations(&membership.project.id)
        .await?;
    Ok(ApiJson(pending.iter().map(InvitationView::from).collect()))
}
