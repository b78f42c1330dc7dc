//! `DELETE /api/v1/projects/{p}/invitations/{id}`: owners and admins withdraw a pending
//! invitation; its link stops working at once.

use axum::extract::State;

use crate::extract::Path;
use axum::http::StatusCode;
use quire_store::Role;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::state::AppState;

#[utoipa::path(delete, path = "/api/v1/projects/{p}/invitations/{id}", tag = "members",
    params(("p" = String, Path, description = "project id or slug"), ("id" = String, Path, description = "the invitation's id")),
    responses((status = 204, description = "revoked"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    if !state
        .store
        .revoke_invitation(&membership.project.id, &id, &viewer.user.id)
        .await?
    {
        return Err(ApiError::not_found(format!(
            "no pending invitation {id:?} in this project; GET …/invitations lists them"
        )));
    }
    Ok(StatusCode::NO_CONTENT)
}
