//! `PATCH /api/v1/projects/{p}/inbox-embeds/{e}`: renames an embedded inbox, or changes the
//! sites that may show it, its theme or its expiry (`expires_in_days: null` removes it). Its
//! scope and token stay: make another embed for another number.

use axum::extract::State;
use quire_store::InboxEmbedChanges;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{EmbedTheme, EmbedView, embed_for, expiry, present};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate::{self, check_origins};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEmbedRequest {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub theme: Option<EmbedTheme>,
    /// Days from now until it stops working (1 to 3,650); null: it never expires.
    #[expect(
        clippy::option_option,
        reason = "JSON's three cases: absent keeps the expiry, null removes it, a number sets it"
    )]
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub expires_in_days: Option<Option<u32>>,
}

#[utoipa::path(patch, path = "/api/v1/projects/{p}/inbox-embeds/{e}", tag = "inbox", request_body = UpdateEmbedRequest,
    params(("p" = String, Path, description = "project id or slug"), ("e" = String, Path, description = "embed id")),
    responses((status = 200, body = EmbedView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, embed)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateEmbedRequest>,
) -> Result<ApiJson<EmbedView>, ApiError> {
    let (membership, embed) = embed_for(&state, &viewer, &project, &embed).await?;
    if body.name.is_none()
        && body.allowed_origins.is_none()
        && body.theme.is_none()
        && body.expires_in_days.is_none()
    {
        return Err(ApiError::bad_request(
            "nothing to change: send name, allowed_origins, theme or expires_in_days",
        ));
    }
    if let Some(name) = &body.name {
        validate::name("name", name)?;
    }
    let origins = body
        .allowed_origins
        .as_deref()
        .map(|origins| check_origins("allowed_origins", origins))
        .transpose()?;
    let expires_at = body.expires_in_days.map(expiry).transpose()?;
    let changes = InboxEmbedChanges {
        name: body.name.as_deref().map(str::trim),
        allowed_origins: origins.as_deref(),
        theme: body.theme.map(EmbedTheme::as_str),
        expires_at,
    };
    let updated = state
        .store
        .update_inbox_embed(&membership.project.id, &embed.id, &changes, &viewer.user.id)
        .await?;
    Ok(ApiJson(EmbedView::from(&updated)))
}
