//! `POST /api/v1/tokens`: a new API token, optionally limited to one project, for owners and
//! admins. The secret is in this response only; the server keeps its SHA-256.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::{NewApiToken, NewAuditEntry, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Viewer, tokens};
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    pub name: String,
    /// Limit the token to this project (id or slug).
    pub project: Option<String>,
    /// Days until the token stops working (1 to 3,650); no value means it never expires.
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<u32>,
}

/// The longest lifetime a token can be given; longer is what no expiry is for.
pub const MAX_EXPIRES_IN_DAYS: u32 = 3650;

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: String,
    pub name: String,
    /// The secret; shown only in this response.
    pub token: String,
    pub project_id: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateTokenRequest,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    ApiJson(body): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, ApiJson<CreatedToken>), ApiError> {
    validate::name("name", &body.name)?;
    if body
        .expires_in_days
        .is_some_and(|days| !(1..=MAX_EXPIRES_IN_DAYS).contains(&days))
    {
        return Err(ApiError::validation(
            "expires_in_days",
            format!(
                "expires_in_days is a number of days from 1 to {MAX_EXPIRES_IN_DAYS} (ten years); leave it out for a token that never expires"
            ),
        ));
    }
    // Tokens act for whoever made them: only people who edit somewhere make them, as members
    // write nothing. A token limited to a project needs owner or admin there; an unlimited
    // one needs that role in at least one project.
    let project_id = match &body.project {
        Some(project) => Some(
            viewer
                .require(&state, project, Role::Admin)
                .await?
                .project
                .id,
        ),
        None => None,
    };
    viewer.require_unlimited()?;
    if project_id.is_none()
        && !state
            .store
            .memberships(&viewer.user.id)
            .await?
            .iter()
            .any(|m| m.role >= Role::Admin)
    {
        return Err(ApiError::forbidden(
            "API tokens are for owners and admins: you are a member only in every project you belong to; ask an owner for the admin role",
        ));
    }
    let expires_at = body
        .expires_in_days
        .map(|days| quire_store::now_ms() + i64::from(days) * 86_400_000);
    let (token, hint) = tokens::new_api_token();
    let token_hash = tokens::sha256_hex(&token);
    let new = NewApiToken {
        user_id: &viewer.user.id,
        project_id: project_id.as_deref(),
        name: body.name.trim(),
        token_hash: &token_hash,
        hint: &hint,
        expires_at,
    };
    let created = state.store.create_api_token(&new).await?;
    let details = serde_json::json!({ "name": created.name, "hint": hint });
    state
        .store
        .record_audit(&NewAuditEntry::new(
            "token.create",
            project_id.as_deref(),
            Some(&viewer.user.id),
            Some(&created.id),
            details,
        ))
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(CreatedToken {
            id: created.id,
            name: created.name,
            token,
            project_id,
        }),
    ))
}
