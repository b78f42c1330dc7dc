//! `GET /api/v1/projects/{p}/functions/{f}/versions`: every version with its code, newest
//! first; for owners and admins, as drafts are theirs alone (page versions are the same).

use axum::extract::State;
use quire_store::Role;

use super::{VersionView, function_for};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects/{p}/functions/{f}/versions", tag = "functions",
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug")),
    responses((status = 200, body = Vec<VersionView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function)): Path<(String, String)>,
) -> Result<ApiJson<Vec<VersionView>>, ApiError> {
    let (_, function) = function_for(&state, &viewer, &project, &function, Role::Admin).await?;
    let versions = state.store.function_versions(&function.id).await?;
    Ok(ApiJson(versions.iter().map(VersionView::from).collect()))
}
