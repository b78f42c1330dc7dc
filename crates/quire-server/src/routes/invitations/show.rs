//! `GET /api/v1/invitations/{token}`: what a link invites to, for whoever holds it, signed in
//! or not. It says nothing about whether the invited address has an account.

use axum::extract::State;

use crate::extract::Path;
use serde::Serialize;
use utoipa::ToSchema;

use super::not_valid;
use crate::auth::tokens;
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate::timestamp;

#[derive(Serialize, ToSchema)]
pub struct InvitationPreview {
    pub project_name: String,
    /// The address the invitation is for; an account made with the link gets it.
    pub email: String,
    #[schema(example = "member")]
    pub role: String,
    /// `None` once the inviter's account is gone.
    pub inviter_name: Option<String>,
    pub expires_at: String,
}

#[utoipa::path(get, path = "/api/v1/invitations/{token}", tag = "members",
    params(("token" = String, Path, description = "the token of the invitation link")),
    security(()),
    responses((status = 200, body = InvitationPreview), (status = 404, body = ErrorBody, description = "unknown, used, revoked or expired")))]
pub async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<ApiJson<InvitationPreview>, ApiError> {
    let invitation = state
        .store
        .pending_invitation(&tokens::sha256_hex(&token))
        .await?
        .ok_or_else(not_valid)?;
    Ok(ApiJson(InvitationPreview {
        project_name: invitation.project_name,
        email: invitation.email,
        role: invitation.role.to_string(),
        inviter_name: invitation.inviter_name,
        expires_at: timestamp(invitation.expires_at),
    }))
}
