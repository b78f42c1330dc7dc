//! `GET /api/v1/projects/{p}/conversations?limit=30&cursor=…&q=…&unread=true&connection=…`:
//! newest activity first, a page at a time (`next_cursor` fetches the next); `q` finds
//! conversations whose contact name, username or number (any part of it), or one of whose
//! messages, has words starting with every word of `q`. An embedded inbox limited to one
//! number lists that number's conversations only.

use axum::extract::State;
use quire_store::{ConversationFilter, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ConversationView, decode_cursor, encode_cursor, page_size};
use crate::auth::InboxCaller;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate::MAX_REFERENCE_BYTES;

/// The longest search taken, in characters.
const MAX_SEARCH_CHARS: usize = 200;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConversationQuery {
    /// At most this many (1 to 100, default 30).
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Words to find in names, usernames, numbers and message text.
    pub q: Option<String>,
    /// Only conversations with unread messages.
    pub unread: Option<bool>,
    /// Only the conversations of this connection (its id).
    pub connection: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationPage {
    pub conversations: Vec<ConversationView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/conversations", tag = "inbox",
    params(("p" = String, Path, description = "project id or slug"), ConversationQuery),
    responses((status = 200, body = ConversationPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: InboxCaller,
    Path(project): Path<String>,
    Query(query): Query<ConversationQuery>,
) -> Result<ApiJson<ConversationPage>, ApiError> {
    let access = caller.require(&state, &project, Role::Member).await?;
    let limit = page_size(query.limit, 30)?;
    let cursor = query
        .cursor
        .as_deref()
        .map(|cursor| decode_cursor("cursor", cursor))
        .transpose()?;
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if let Some(search) = search
        && search.chars().count() > MAX_SEARCH_CHARS
    {
        return Err(ApiError::validation(
            "q",
            format!("q is longer than {MAX_SEARCH_CHARS} characters; search for fewer words"),
        ));
    }
    if let Some(connection) = &query.connection
        && connection.len() > MAX_REFERENCE_BYTES
    {
        return Err(ApiError::validation(
            "connection",
            format!("connection must be a connection's id (at most {MAX_REFERENCE_BYTES} bytes)"),
        ));
    }
    let filter = ConversationFilter {
        before: cursor.as_ref().map(|(at, id)| (*at, id.as_str())),
        search,
        unread_only: query.unread.unwrap_or(false),
        connection_id: query.connection.as_deref(),
        phone_number_id: access.scope(),
    };
    let conversations = state
        .store
        .conversations(&access.membership.project.id, &filter, limit)
        .await?;
    let next_cursor = conversations
        .last()
        .filter(|_| i64::try_from(conversations.len()).is_ok_and(|n| n == limit))
        .map(|last| encode_cursor(last.last_message_at, &last.id));
    Ok(ApiJson(ConversationPage {
        conversations: conversations.iter().map(ConversationView::from).collect(),
        next_cursor,
    }))
}
