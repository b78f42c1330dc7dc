//! `GET /api/v1/projects/{p}/audit?before=&limit=`: newest entries first.

use axum::extract::State;
use quire_store::Role;

use super::AuditQuery;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::json::ApiJson;
use crate::routes::views::AuditEntryView;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects/{p}/audit", tag = "projects",
    params(("p" = String, Path, description = "project id or slug"), AuditQuery),
    responses((status = 200, body = Vec<AuditEntryView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
    Query(query): Query<AuditQuery>,
) -> Result<ApiJson<Vec<AuditEntryView>>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    let limit = query.limit()?;
    let entries = state
        .store
        .audit_log(&membership.project.id, query.before, limit)
        .await?;
    Ok(ApiJson(entries.iter().map(AuditEntryView::from).collect()))
}
