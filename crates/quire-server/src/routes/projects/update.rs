//! `PATCH /api/v1/projects/{p} {name}`: owners rename a project. Its slug, and so every link
//! to it, stays; the rename is in the project's audit log.

use axum::extract::State;
use quire_store::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::routes::views::ProjectView;
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectRequest {
    pub name: String,
}

#[utoipa::path(patch, path = "/api/v1/projects/{p}", tag = "projects", request_body = UpdateProjectRequest,
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = ProjectView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
    ApiJson(body): ApiJson<UpdateProjectRequest>,
) -> Result<ApiJson<ProjectView>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Owner).await?;
    validate::name("name", &body.name)?;
    let project = state
        .store
        .rename_project(&membership.project.id, body.name.trim(), &viewer.user.id)
        .await?;
    Ok(ApiJson(ProjectView::new(&project, membership.role)))
}
