//! `GET /api/v1/projects/{p}/agent`: whether the page agent can run, with which model and how
//! many attempts, for the studio to show its form or what to configure.

use axum::extract::State;
use quire_store::Role;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct AgentStatusView {
    /// Whether a model is configured (`QUIRE_AI_URL` and `QUIRE_AI_MODEL`).
    pub configured: bool,
    /// The model's name, when configured.
    pub model: Option<String>,
    /// Attempts one run may make.
    pub max_attempts: u32,
    /// When not configured: what to set.
    pub message: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/agent", tag = "agent",
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = AgentStatusView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
) -> Result<ApiJson<AgentStatusView>, ApiError> {
    viewer.require(&state, &project, Role::Admin).await?;
    let model = state.agent.model().map(str::to_owned);
    Ok(ApiJson(AgentStatusView {
        configured: model.is_some(),
        message: model
            .is_none()
            .then(|| crate::agent::not_configured().message),
        model,
        max_attempts: state.agent.max_attempts(),
    }))
}
