//! `PUT /api/v1/projects/{p}/members/{user}`: owners and admins change the role of someone who
//! is already a member (by user id or e-mail); only owners make or demote an owner, and the
//! last owner cannot be demoted. Nobody is added here:
//! people join by invitation. Anyone who is not a member gets the same 404, so the route does
//! not tell which addresses have accounts.

use axum::extract::State;
use quire_store::{Role, StoreError};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{find_member, no_such_member, only_owners};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::routes::views::MemberView;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutMemberRequest {
    /// `owner`, `admin` or `member`.
    pub role: String,
}

#[utoipa::path(put, path = "/api/v1/projects/{p}/members/{user}", tag = "members", request_body = PutMemberRequest,
    params(("p" = String, Path, description = "project id or slug"), ("user" = String, Path, description = "the member's user id or e-mail")),
    responses((status = 200, body = MemberView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "no such member"), (status = 409, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, user)): Path<(String, String)>,
    ApiJson(body): ApiJson<PutMemberRequest>,
) -> Result<ApiJson<MemberView>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    let role: Role = body
        .role
        .parse()
        .map_err(|e: quire_store::UnknownRole| ApiError::validation("role", e.to_string()))?;
    let project_id = membership.project.id.clone();
    let mut member = find_member(&state, &project_id, &user).await?;
    if (role == Role::Owner || member.role == Role::Owner) && membership.role < Role::Owner {
        return Err(only_owners(&membership, "make or demote an owner"));
    }
    state
        .store
        .change_member_role(&project_id, &member.user_id, role, &viewer.user.id)
        .await
        .map_err(|error| match error {
            StoreError::NotFound { .. } => no_such_member(),
            other => other.into(),
        })?;
    member.role = role;
    Ok(ApiJson(MemberView::from(&member)))
}
