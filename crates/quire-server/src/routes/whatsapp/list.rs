//! `GET /api/v1/projects/{p}/whatsapp/connections`: the project's connections, oldest first.

use axum::extract::State;
use quire_store::Role;
use serde::Serialize;
use utoipa::ToSchema;

use super::ConnectionView;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ConnectionList {
    pub connections: Vec<ConnectionView>,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/whatsapp/connections", tag = "whatsapp",
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = ConnectionList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
) -> Result<ApiJson<ConnectionList>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    let connections = state
        .store
        .whatsapp_connections(&membership.project.id)
        .await?;
    Ok(ApiJson(ConnectionList {
        connections: connections
            .iter()
            .map(|connection| ConnectionView::new(&state, connection))
            .collect(),
    }))
}
