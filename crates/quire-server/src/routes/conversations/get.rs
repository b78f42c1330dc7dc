//! `GET /api/v1/projects/{p}/conversations/{c}`: one conversation, for every member.

use axum::extract::State;
use quire_store::Role;

use super::{ConversationView, conversation_for};
use crate::auth::InboxCaller;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects/{p}/conversations/{c}", tag = "inbox",
    params(("p" = String, Path, description = "project id or slug"), ("c" = String, Path, description = "conversation id")),
    responses((status = 200, body = ConversationView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: InboxCaller,
    Path((project, conversation)): Path<(String, String)>,
) -> Result<ApiJson<ConversationView>, ApiError> {
    let (_, conversation) =
        conversation_for(&state, &caller, &project, &conversation, Role::Member).await?;
    Ok(ApiJson(ConversationView::from(&conversation)))
}
