//! `GET /api/v1/projects`: the projects the caller belongs to.

use axum::extract::State;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::routes::views::ProjectView;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects", tag = "projects",
    responses((status = 200, body = Vec<ProjectView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<ApiJson<Vec<ProjectView>>, ApiError> {
    let memberships = state.store.memberships(&viewer.user.id).await?;
    Ok(ApiJson(
        memberships
            .iter()
            .filter(|m| {
                viewer
                    .token_project()
                    .is_none_or(|only| only == m.project.id)
            })
            .map(ProjectView::from)
            .collect(),
    ))
}
