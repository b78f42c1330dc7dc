//! `GET /api/v1/projects/{p}/functions`: the project's functions, by slug.

use axum::extract::State;
use quire_store::Role;

use super::FunctionView;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects/{p}/functions", tag = "functions",
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = Vec<FunctionView>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
) -> Result<ApiJson<Vec<FunctionView>>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Member).await?;
    let functions = state.store.functions(&membership.project.id).await?;
    Ok(ApiJson(functions.iter().map(FunctionView::from).collect()))
}
