//! `DELETE /api/v1/projects/{p}/functions/{f}/secrets/{name}` → 204.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::Role;

use super::function_for;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::state::AppState;

#[utoipa::path(delete, path = "/api/v1/projects/{p}/functions/{f}/secrets/{name}", tag = "functions",
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug"),
        ("name" = String, Path, description = "secret name")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_secret(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function, name)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let (membership, function) =
        function_for(&state, &viewer, &project, &function, Role::Admin).await?;
    state
        .store
        .delete_function_secret(&membership.project.id, &function.id, &name, &viewer.user.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
