//! `GET /api/v1/me`: who the caller is and the projects they belong to.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::routes::views::{ProjectView, UserView};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub user: UserView,
    pub projects: Vec<ProjectView>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody)))]
pub async fn me(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<ApiJson<MeResponse>, ApiError> {
    let memberships = state.store.memberships(&viewer.user.id).await?;
    let projects = memberships
        .iter()
        .filter(|m| {
            viewer
                .token_project()
                .is_none_or(|only| only == m.project.id)
        })
        .map(ProjectView::from)
        .collect();
    Ok(ApiJson(MeResponse {
        user: UserView::from(&viewer.user),
        projects,
    }))
}
