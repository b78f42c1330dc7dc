//! `DELETE /api/v1/tokens/{id}`: revokes one of the caller's tokens at once.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::NewAuditEntry;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::state::AppState;
use crate::validate::shown;

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path, description = "the token's id")),
    responses((status = 204, description = "revoked"), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    viewer.require_unlimited()?;
    if !state.store.revoke_api_token(&viewer.user.id, &id).await? {
        return Err(ApiError::not_found(format!(
            "you have no live token with id {}; GET /api/v1/tokens lists them",
            shown(&id)
        )));
    }
    state
        .store
        .record_audit(&NewAuditEntry::new(
            "token.revoke",
            None,
            Some(&viewer.user.id),
            Some(&id),
            serde_json::json!({}),
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
