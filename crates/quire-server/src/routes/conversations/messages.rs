//! `GET /api/v1/projects/{p}/conversations/{c}/messages?before=…&limit=50`: a conversation's
//! messages, newest first, a page at a time (`next_cursor` goes further back).

use axum::extract::State;
use quire_store::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{MessageView, conversation_for, decode_cursor, encode_cursor, page_size};
use crate::auth::InboxCaller;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MessageQuery {
    /// `next_cursor` of the previous page: messages older than its last.
    pub before: Option<String>,
    /// At most this many (1 to 100, default 50).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MessagePage {
    /// Newest first.
    pub messages: Vec<MessageView>,
    /// Pass as `before` for older messages; null when these are the oldest.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/conversations/{c}/messages", tag = "inbox",
    params(("p" = String, Path, description = "project id or slug"), ("c" = String, Path, description = "conversation id"), MessageQuery),
    responses((status = 200, body = MessagePage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    caller: InboxCaller,
    Path((project, conversation)): Path<(String, String)>,
    Query(query): Query<MessageQuery>,
) -> Result<ApiJson<MessagePage>, ApiError> {
    let (_, conversation) =
        conversation_for(&state, &caller, &project, &conversation, Role::Member).await?;
    let limit = page_size(query.limit, 50)?;
    let before = query
        .before
        .as_deref()
        .map(|cursor| decode_cursor("before", cursor))
        .transpose()?;
    let messages = state
        .store
        .messages(
            &conversation.id,
            before.as_ref().map(|(at, id)| (*at, id.as_str())),
            limit,
        )
        .await?;
    let next_cursor = messages
        .last()
        .filter(|_| i64::try_from(messages.len()).is_ok_and(|n| n == limit))
        .map(|last| encode_cursor(last.created_at, &last.id));
    Ok(ApiJson(MessagePage {
        messages: messages.iter().map(MessageView::from).collect(),
        next_cursor,
    }))
}
