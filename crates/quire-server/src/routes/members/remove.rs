//! `DELETE /api/v1/projects/{p}/members/{user}`: owners and admins remove a member; only owners
//! remove an owner, and never the last one.
//! Anyone who is not a member gets the same 404.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::{Role, StoreError};

use super::{find_member, no_such_member, only_owners};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::state::AppState;

#[utoipa::path(delete, path = "/api/v1/projects/{p}/members/{user}", tag = "members",
    params(("p" = String, Path, description = "project id or slug"), ("user" = String, Path, description = "the member's user id or e-mail")),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "no such member"), (status = 409, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    let project_id = membership.project.id.clone();
    let member = find_member(&state, &project_id, &user).await?;
    if member.role == Role::Owner && membership.role < Role::Owner {
        return Err(only_owners(&membership, "remove an owner"));
    }
    state
        .store
        .remove_member(&project_id, &member.user_id, &viewer.user.id)
        .await
        .map_err(|error| match error {
            StoreError::NotFound { .. } => no_such_member(),
            other => other.into(),
        })?;
    Ok(StatusCode::NO_CONTENT)
}
