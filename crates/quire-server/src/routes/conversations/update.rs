//! `PATCH /api/v1/projects/{p}/conversations/{c} {metadata}`: replaces the conversation's
//! metadata, a JSON object of at most 16 KiB (owners and admins; audited with its keys).

use axum::extract::State;
use quire_store::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ConversationView, conversation_for};
use crate::auth::{InboxCaller, Viewer};
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::inbox;
use crate::json::ApiJson;
use crate::state::AppState;

/// The most metadata a conversation keeps, as JSON text.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConversationRequest {
    /// The new metadata: a JSON object, replacing the old one whole.
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    pub metadata: serde_json::Value,
}

#[utoipa::path(patch, path = "/api/v1/projects/{p}/conversations/{c}", tag = "inbox", request_body = UpdateConversationRequest,
    params(("p" = String, Path, description = "project id or slug"), ("c" = String, Path, description = "conversation id")),
    responses((status = 200, body = ConversationView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, conversation)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateConversationRequest>,
) -> Result<ApiJson<ConversationView>, ApiError> {
    let (access, conversation) = conversation_for(
        &state,
        &InboxCaller::Member(viewer.clone()),
        &project,
        &conversation,
        Role::Admin,
    )
    .await?;
    let serde_json::Value::Object(metadata) = body.metadata else {
        return Err(ApiError::validation(
            "metadata",
            "metadata must be a JSON object, such as {\"tier\": \"gold\"}",
        ));
    };
    let size = serde_json::to_string(&metadata).map_or(usize::MAX, |text| text.len());
    if size > MAX_METADATA_BYTES {
        return Err(ApiError::validation(
            "metadata",
            format!("metadata is {size} bytes as JSON; the limit is {MAX_METADATA_BYTES}"),
        ));
    }
    let updated = inbox::conversations::set_metadata(
        &state.store,
        &access.membership.project.id,
        &conversation.id,
        &metadata,
        &viewer.user.id,
    )
    .await?
    .ok_or_else(|| ApiError::not_found("the conversation was deleted meanwhile"))?;
    Ok(ApiJson(ConversationView::from(&updated)))
}
