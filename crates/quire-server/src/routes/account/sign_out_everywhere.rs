//! `DELETE /api/v1/me/sessions`: ends every browser session of the caller's account, the
//! caller's own included (its cookie is cleared). API tokens keep working: revoke them
//! one by one (`DELETE /api/v1/tokens/{id}`).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use quire_store::NewAuditEntry;

use crate::auth::{Credential, Viewer};
use crate::errors::{ApiError, ErrorBody};
use crate::routes::auth::login::session_cookie;
use crate::state::AppState;

#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "auth",
    responses((status = 204, description = "every session of the account has ended"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, ApiError> {
    viewer.require_unlimited()?;
    let ended = state.store.delete_sessions(&viewer.user.id, None).await?;
    state
        .store
        .record_audit(&NewAuditEntry::new(
            "user.sessions_end",
            None,
            Some(&viewer.user.id),
            Some(&viewer.user.id),
            serde_json::json!({ "sessions": ended }),
        ))
        .await?;
    Ok(match viewer.credential {
        Credential::Session { .. } => (
            StatusCode::NO_CONTENT,
            [(header::SET_COOKIE, session_cookie(&state, "", 0))],
        )
            .into_response(),
        Credential::Token { .. } => StatusCode::NO_CONTENT.into_response(),
    })
}
