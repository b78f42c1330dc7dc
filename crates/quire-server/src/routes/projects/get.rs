//! `GET /api/v1/projects/{p}`: one project, by id or slug.

use axum::extract::State;
use quire_store::Role;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::routes::views::ProjectView;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects/{p}", tag = "projects", params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = ProjectView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
) -> Result<ApiJson<ProjectView>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Member).await?;
    Ok(ApiJson(ProjectView::from(&membership)))
}
