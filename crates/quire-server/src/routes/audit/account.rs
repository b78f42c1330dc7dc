//! `GET /api/v1/me/audit?before=&limit=`: the caller's own account's entries, newest first:
//! sign-ins, failed sign-ins on their address, their API tokens made and revoked, the
//! invitations they accepted and password changes. Many of these belong to no project, so
//! no project's log shows them.

use axum::extract::State;

use crate::extract::Query;

use super::AuditQuery;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::routes::views::AuditEntryView;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/me/audit", tag = "auth", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntryView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn account(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AuditQuery>,
) -> Result<ApiJson<Vec<AuditEntryView>>, ApiError> {
    viewer.require_unlimited()?;
    let limit = query.limit()?;
    let entries = state
        .store
        .account_audit_log(&viewer.user.id, query.before, limit)
        .await?;
    Ok(ApiJson(entries.iter().map(AuditEntryView::from).collect()))
}
