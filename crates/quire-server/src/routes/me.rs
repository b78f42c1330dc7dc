//! `GET /api/v1/me`: who the caller is, the projects they belong to and, for a browser
//! session, its CSRF token.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Credential, Viewer};
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::routes::views::{ProjectView, UserView};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub user: UserView,
    pub projects: Vec<ProjectView>,
    /// With a session cookie: the session's CSRF token, so a browser that lost it (another
    /// tab, cleared storage) keeps working without signing in again. Absent for API tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
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
    let csrf_token = match &viewer.credential {
        Credential::Session { csrf_token, .. } => Some(csrf_token.clone()),
        Credential::Token { .. } => None,
    };
    Ok(ApiJson(MeResponse {
        user: UserView::from(&viewer.user),
        projects,
        csrf_token,
    }))
}
