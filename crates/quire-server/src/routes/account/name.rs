//! `PATCH /api/v1/me {name}`: changes the name others see for the caller (in members lists,
//! version authors, the audit log). Recorded in the account's audit log.

use axum::extract::State;
use quire_store::NewAuditEntry;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::routes::views::UserView;
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameRequest {
    pub name: String,
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", request_body = RenameRequest,
    responses((status = 200, body = UserView, description = "the account, renamed"),
        (status = 400, body = ErrorBody, description = "the name is empty, too long, or holds control characters"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn rename(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(body): ApiJson<RenameRequest>,
) -> Result<ApiJson<UserView>, ApiError> {
    viewer.require_unlimited()?;
    let name = body.name.trim();
    validate::name("name", name)?;
    state.store.set_user_name(&viewer.user.id, name).await?;
    state
        .store
        .record_audit(&NewAuditEntry::new(
            "user.rename",
            None,
            Some(&viewer.user.id),
            Some(&viewer.user.id),
            serde_json::json!({ "name": name }),
        ))
        .await?;
    Ok(ApiJson(UserView {
        id: viewer.user.id.clone(),
        email: viewer.user.email.clone(),
        name: name.to_owned(),
    }))
}
