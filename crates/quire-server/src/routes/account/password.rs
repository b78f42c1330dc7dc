//! `PUT /api/v1/me/password {current_password, new_password}`: changes the caller's password.
//! The current password is checked first (wrong guesses count against the sign-in limit for
//! the address); every other session of the account ends, the one that asked stays; the
//! change is in the account's audit log.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::NewAuditEntry;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Credential, Viewer, password};
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::rate_limit;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[utoipa::path(put, path = "/api/v1/me/password", tag = "auth", request_body = ChangePasswordRequest,
    responses((status = 204, description = "changed; the account's other sessions have ended"),
        (status = 400, body = ErrorBody, description = "the current password is wrong, or the new one too short or too long"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "too many wrong passwords for this address; `Retry-After` says when to try again")))]
pub async fn change(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(body): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    viewer.require_unlimited()?;
    password::check_strength(&body.new_password).map_err(|message| {
        ApiError::validation("new_password", format!("new password: {message}"))
    })?;
    check_current_password(&state, &viewer, body.current_password).await?;
    let hash = password::hash(body.new_password).await;
    let keep = match &viewer.credential {
        Credential::Session { id_hash, .. } => Some(id_hash.as_str()),
        Credential::Token { .. } => None,
    };
    state
        .store
        .set_password(&viewer.user.id, &hash, keep)
        .await?;
    state
        .store
        .record_audit(&NewAuditEntry::new(
            "user.password_change",
            None,
            Some(&viewer.user.id),
            Some(&viewer.user.id),
            serde_json::json!({ "via": "api" }),
        ))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the caller's password before an account change; wrong guesses count against the
/// sign-in limit of the account's address, so this is no way around it.
pub(super) async fn check_current_password(
    state: &AppState,
    viewer: &Viewer,
    current_password: String,
) -> Result<(), ApiError> {
    if current_password.len() > password::MAX_PASSWORD_BYTES {
        return Err(wrong_password());
    }
    let failures = &state.rate_limits.login_failures;
    let email = &viewer.user.email;
    failures.check(email).map_err(|wait| {
        rate_limit::refused(
            wait,
            "too many wrong passwords for this account; wait a little and try again",
        )
    })?;
    if password::verify(current_password, Some(viewer.user.password_hash.clone())).await {
        Ok(())
    } else {
        let _ = failures.take(email);
        Err(wrong_password())
    }
}

fn wrong_password() -> ApiError {
    ApiError::validation(
        "current_password",
        "the current password is not right; nothing was changed",
    )
}
