//! `POST /api/v1/projects/{p}/invitations {email, role?, expires_in_days?}`: owners and admins
//! invite an address; the answer holds the one-time link's token, shown only here. Only owners
//! invite owners. The answer is the same whether or not the address has an account.

use axum::extract::State;

use crate::extract::Path;
use axum::http::StatusCode;
use quire_store::{NewInvitation, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{DEFAULT_DAYS, InvitationView, MAX_DAYS};
use crate::auth::{Viewer, tokens};
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInvitationRequest {
    pub email: String,
    /// `owner`, `admin` or `member` (the default); only owners invite owners.
    pub role: Option<String>,
    /// Days until the link stops working: 1 to 30, 7 when absent.
    pub expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedInvitation {
    #[serde(flatten)]
    pub invitation: InvitationView,
    /// The link's secret, shown only in this answer: the invited person opens
    /// `GET /api/v1/invitations/{token}` and accepts with `POST …/{token}/accept`.
    pub token: String,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/invitations", tag = "members", request_body = CreateInvitationRequest,
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 201, body = CreatedInvitation), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
    ApiJson(body): ApiJson<CreateInvitationRequest>,
) -> Result<(StatusCode, ApiJson<CreatedInvitation>), ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    validate::email("email", &body.email)?;
    let role: Role = body
        .role
        .as_deref()
        .unwrap_or("member")
        .parse()
        .map_err(|e: quire_store::UnknownRole| ApiError::validation("role", e.to_string()))?;
    if role > membership.role {
        return Err(ApiError::forbidden(format!(
            "you are {} in project {:?}; only owners invite owners",
            membership.role, membership.project.slug
        )));
    }
    let days = body.expires_in_days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::validation(
            "expires_in_days",
            format!("expires_in_days is {days}; use 1 to {MAX_DAYS}"),
        ));
    }
    let token = tokens::new_invitation_token();
    let new = NewInvitation {
        project_id: &membership.project.id,
        email: &body.email,
        role,
        token_hash: &tokens::sha256_hex(&token),
        invited_by: &viewer.user.id,
        expires_at: quire_store::now_ms() + i64::from(days) * 86_400_000,
    };
    let invitation = state.store.create_invitation(&new).await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(CreatedInvitation {
            invitation: InvitationView::from(&invitation),
            token,
        }),
    ))
}
