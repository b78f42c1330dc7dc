//! `POST /api/v1/projects`: creates a project; the caller becomes its owner.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::routes::views::ProjectView;
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProjectRequest {
    pub name: String,
    /// `[a-z0-9-]{1,64}`, unique.
    pub slug: String,
}

#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = CreateProjectRequest,
    responses((status = 201, body = ProjectView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(body): ApiJson<CreateProjectRequest>,
) -> Result<(StatusCode, ApiJson<ProjectView>), ApiError> {
    viewer.require_unlimited()?;
    validate::name("name", &body.name)?;
    validate::slug("slug", &body.slug)?;
    let project = state
        .store
        .create_project(&body.slug, body.name.trim(), &viewer.user.id)
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(ProjectView::new(&project, Role::Owner)),
    ))
}
