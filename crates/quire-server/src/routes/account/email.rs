//! `PUT /api/v1/me/email {email, current_password}`: changes the address the caller signs in
//! with. Quire sends no e-mail, so nothing can confirm the new address; the current password
//! stands in, checked like the password change's (wrong guesses count against the sign-in
//! limit). Sessions stay; the change is in the account's audit log with both addresses.

use axum::extract::State;
use quire_store::{NewAuditEntry, StoreError};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::routes::account::password::check_current_password;
use crate::routes::views::UserView;
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeEmailRequest {
    pub email: String,
    pub current_password: String,
}

#[utoipa::path(put, path = "/api/v1/me/email", tag = "auth", request_body = ChangeEmailRequest,
    responses((status = 200, body = UserView, description = "the account with its new address"),
        (status = 400, body = ErrorBody, description = "not an e-mail address, or the current password is wrong"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "another account signs in with that address"),
        (status = 429, body = ErrorBody, description = "too many wrong passwords for this address; `Retry-After` says when to try again")))]
pub async fn change(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(body): ApiJson<ChangeEmailRequest>,
) -> Result<ApiJson<UserView>, ApiError> {
    viewer.require_unlimited()?;
    validate::email("email", &body.email)?;
    let email = body.email.trim().to_lowercase();
    check_current_password(&state, &viewer, body.current_password).await?;
    if email != viewer.user.email {
        state
            .store
            .set_user_email(&viewer.user.id, &email)
            .await
            .map_err(|error| match error {
                StoreError::Conflict { .. } => ApiError::conflict(format!(
                    "another account signs in with {email}; nothing was changed"
                )),
                other => other.into(),
            })?;
        state
            .store
            .record_audit(&NewAuditEntry::new(
                "user.email_change",
                None,
                Some(&viewer.user.id),
                Some(&viewer.user.id),
                serde_json::json!({ "from": viewer.user.email, "to": email }),
            ))
            .await?;
    }
    Ok(ApiJson(UserView {
        id: viewer.user.id.clone(),
        email,
        name: viewer.user.name.clone(),
    }))
}
