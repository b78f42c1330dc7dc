//! `PUT /api/v1/projects/{p}/members/{user}`: adds a user (by id or e-mail) with a role, or
//! changes their role. Owners only; the last owner cannot be demoted.

use axum::extract::State;
use quire_store::Role;
use serde::Deserialize;
use utoipa::ToSchema;

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
    params(("p" = String, Path, description = "project id or slug"), ("user" = String, Path, description = "user id or e-mail")),
    responses((status = 200, body = MemberView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, user)): Path<(String, String)>,
    ApiJson(body): ApiJson<PutMemberRequest>,
) -> Result<ApiJson<MemberView>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Owner).await?;
    let role: Role = body
        .role
        .parse()
        .map_err(|e: quire_store::UnknownRole| ApiError::validation("role", e.to_string()))?;
    let target = state.store.find_user(&user).await?.ok_or_else(|| {
        ApiError::not_found(format!(
            "no user {user:?}; they need an account first (`quire user add --email …`)"
        ))
    })?;
    let project_id = membership.project.id;
    state
        .store
        .set_member_role(&project_id, &target.id, role, &viewer.user.id)
        .await?;
    let members = state.store.members(&project_id).await?;
    let member = members
        .iter()
        .find(|m| m.user_id == target.id)
        .ok_or_else(|| ApiError::internal(&"member vanished after update"))?;
    Ok(ApiJson(MemberView::from(member)))
}
