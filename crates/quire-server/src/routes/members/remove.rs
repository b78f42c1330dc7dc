//! `DELETE /api/v1/projects/{p}/members/{user}`: owners remove a member; never the last owner.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::Role;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::state::AppState;

#[utoipa::path(delete, path = "/api/v1/projects/{p}/members/{user}", tag = "members",
    params(("p" = String, Path, description = "project id or slug"), ("user" = String, Path, description = "user id or e-mail")),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let membership = viewer.require(&state, &project, Role::Owner).await?;
    let target = state
        .store
        .find_user(&user)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user {user:?}")))?;
    state
        .store
        .remove_member(&membership.project.id, &target.id, &viewer.user.id)
        .await
        .map_err(|error| match error {
            quire_store::StoreError::NotFound { .. } => {
                ApiError::not_found(format!("{user:?} is not a member of this project"))
            }
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}
