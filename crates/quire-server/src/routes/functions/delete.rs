//! `DELETE /api/v1/projects/{p}/functions/{f}`: the function, its versions, secrets and
//! invocation log.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::Role;

use super::function_for;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::state::AppState;

#[utoipa::path(delete, path = "/api/v1/projects/{p}/functions/{f}", tag = "functions",
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, function) = function_for(&state, &viewer, &project, &function, Role::Admin).await?;
    state
        .store
        .delete_function(&function.id, &viewer.user.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
