//! `POST /api/v1/projects/{p}/conversations/{c}/read`: the conversation's messages are read
//! (its unread count becomes 0), for every member.

use axum::extract::State;
use quire_store::Role;

use super::{ConversationView, conversation_for};
use crate::auth::InboxCaller;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::inbox;
use crate::json::ApiJson;
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/projects/{p}/conversations/{c}/read", tag = "inbox",
    params(("p" = String, Path, description = "project id or slug"), ("c" = String, Path, description = "conversation id")),
    responses((status = 200, body = ConversationView), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    caller: InboxCaller,
    Path((project, conversation)): Path<(String, String)>,
) -> Result<ApiJson<ConversationView>, ApiError> {
    let (access, conversation) =
        conversation_for(&state, &caller, &project, &conversation, Role::Member).await?;
    let updated = inbox::conversations::mark_read(
        &state.store,
        &access.membership.project.id,
        &conversation.id,
    )
    .await?
    .ok_or_else(|| ApiError::not_found("the conversation was deleted meanwhile"))?;
    Ok(ApiJson(ConversationView::from(&updated)))
}
