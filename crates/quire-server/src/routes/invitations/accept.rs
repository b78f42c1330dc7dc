//! `POST /api/v1/invitations/{token}/accept`: uses up an invitation link.
//!
//! Signed in (no body): the account joins the project with the invited role, if it is the
//! invited address's. Not signed in, with `{name, password}`: the invited address's account is
//! created and joins. When that address has an account already, the answer is the one every
//! failure to create gets (409 `cannot_create_account`, after the same password hashing), so
//! it never says that the account exists; its holder signs in and accepts from there.

use axum::body::Bytes;
use axum::extract::State;

use crate::extract::Path;
use axum::http::StatusCode;
use quire_store::{Invitation, StoreError, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::not_valid;
use crate::auth::{Viewer, password, tokens};
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::routes::views::{ProjectView, UserView};
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
/// Only when not signed in: the account to create for the invited address.
pub struct AcceptInvitationRequest {
    pub name: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct AcceptedInvitation {
    /// The project joined, with the role now held in it.
    pub project: ProjectView,
    pub user: UserView,
    /// Whether an account was created (then sign in with it: `POST /api/v1/auth/login`).
    pub account_created: bool,
}

#[utoipa::path(post, path = "/api/v1/invitations/{token}/accept", tag = "members",
    request_body(content = AcceptInvitationRequest, description = "only when not signed in"),
    params(("token" = String, Path, description = "the token of the invitation link")),
    security((), ("session" = []), ("bearer" = [])),
    responses((status = 200, body = AcceptedInvitation, description = "joined with the signed-in account"),
        (status = 201, body = AcceptedInvitation, description = "the account was created and joined"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "the invitation is for another address"),
        (status = 404, body = ErrorBody, description = "unknown, used, revoked or expired"),
        (status = 409, body = ErrorBody, description = "no account could be created; whoever has one signs in and accepts")))]
pub async fn accept(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, ApiJson<AcceptedInvitation>), ApiError> {
    let body: Option<AcceptInvitationRequest> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(serde_json::from_slice(&body).map_err(|error| {
            ApiError::bad_request(format!(
                "the JSON body does not fit this route: {error}; send {{\"name\", \"password\"}} to create an account, or no body when signed in"
            ))
        })?)
    };
    let invitation = state
        .store
        .pending_invitation(&tokens::sha256_hex(&token))
        .await?
        .ok_or_else(not_valid)?;
    match (viewer, body) {
        (Some(viewer), None) => join(&state, &viewer, &invitation).await,
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "you are signed in: accept without a body to join with this account, or sign out to create a new one",
        )),
        (None, Some(body)) => create_account(&state, &invitation, body).await,
        (None, None) => Err(ApiError::unauthorized(
            "sign in to accept this invitation, or send {\"name\", \"password\"} to create an account for the invited address",
        )),
    }
}

async fn join(
    state: &AppState,
    viewer: &Viewer,
    invitation: &Invitation,
) -> Result<(StatusCode, ApiJson<AcceptedInvitation>), ApiError> {
    viewer.require_unlimited()?;
    if viewer.user.email != invitation.email {
        return Err(ApiError::forbidden(
            "this invitation is for another e-mail address: sign in with that address's account, or ask for an invitation to yours",
        ));
    }
    let role = state
        .store
        .accept_invitation(&invitation.id, &viewer.user.id)
        .await
        .map_err(|error| match error {
            StoreError::NotFound { .. } => not_valid(),
            other => other.into(),
        })?;
    answer(state, StatusCode::OK, invitation, &viewer.user, role, false).await
}

async fn create_account(
    state: &AppState,
    invitation: &Invitation,
    body: AcceptInvitationRequest,
) -> Result<(StatusCode, ApiJson<AcceptedInvitation>), ApiError> {
    validate::name("name", &body.name)?;
    password::check_strength(&body.password)
        .map_err(|message| ApiError::validation("password", message))?;
    // Hashed before the store is asked, so an address with an account costs the same time.
    let hash = password::hash(body.password).await;
    let user = state
        .store
        .accept_invitation_with_new_account(invitation, body.name.trim(), &hash)
        .await
        .map_err(|error| match error {
            StoreError::Conflict { .. } | StoreError::NotFound { .. } => cannot_create_account(),
            other => other.into(),
        })?;
    answer(
        state,
        StatusCode::CREATED,
        invitation,
        &user,
        invitation.role,
        true,
    )
    .await
}

/// Every failure to create an account with a valid link answers this, whatever its cause.
fn cannot_create_account() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "cannot_create_account",
        "no account could be created with this invitation; if you have an account, sign in and accept the invitation from there, otherwise ask for a new invitation",
    )
}

async fn answer(
    state: &AppState,
    status: StatusCode,
    invitation: &Invitation,
    user: &User,
    role: quire_store::Role,
    account_created: bool,
) -> Result<(StatusCode, ApiJson<AcceptedInvitation>), ApiError> {
    let project = state
        .store
        .project(&invitation.project_id)
        .await?
        .ok_or_else(|| ApiError::internal(&"the invitation's project vanished"))?;
    Ok((
        status,
        ApiJson(AcceptedInvitation {
            project: ProjectView::new(&project, role),
            user: UserView::from(user),
            account_created,
        }),
    ))
}
