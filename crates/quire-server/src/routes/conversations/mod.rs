//! Inbox conversations over HTTP: the list (newest activity first, in keyset pages, searched
//! and filtered), a conversation, its metadata (owners and admins), marking it read, its
//! messages and replies (every member, and embedded inboxes within their scope). Their views are the inbox service's
//! (`inbox/views.rs`), shared with its live events.

pub mod get;
pub mod list;
pub mod messages;
pub mod read;
pub mod reply;
pub mod update;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use quire_store::{Conversation, Role};

use crate::auth::{InboxAccess, InboxCaller};
use crate::errors::ApiError;
use crate::state::AppState;
use crate::validate::{MAX_REFERENCE_BYTES, shown};

pub use crate::inbox::views::{ConversationView, MessageView};

/// The caller's access (at least `needed`) and the conversation `c` of project `p`.
pub async fn conversation_for(
    state: &AppState,
    caller: &InboxCaller,
    project: &str,
    conversation: &str,
    needed: Role,
) -> Result<(InboxAccess, Conversation), ApiError> {
    let access = caller.require(state, project, needed).await?;
    let found = find(state, &access, conversation).await?;
    Ok((access, found))
}

/// The conversation `conversation` of the caller's project, or 404 (also when it is outside
/// an embed's scope).
pub async fn find(
    state: &AppState,
    access: &InboxAccess,
    conversation: &str,
) -> Result<Conversation, ApiError> {
    let project = &access.membership.project;
    state
        .store
        .conversation(&project.id, conversation)
        .await?
        .filter(|found| access.sees(found))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "project {:?} has no conversation {}",
                project.slug,
                shown(conversation)
            ))
        })
}

/// A page size from the query: 1 to 100, `default` when not given.
fn page_size(limit: Option<i64>, default: i64) -> Result<i64, ApiError> {
    match limit {
        None => Ok(default),
        Some(limit) if (1..=100).contains(&limit) => Ok(limit),
        Some(limit) => Err(ApiError::validation(
            "limit",
            format!("limit is {limit}; use 1 to 100"),
        )),
    }
}

/// Where the next page starts, as an opaque string: the time and id of the last row given.
fn encode_cursor(at: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{at}:{id}"))
}

/// Reads what [`encode_cursor`] made.
fn decode_cursor(field: &str, cursor: &str) -> Result<(i64, String), ApiError> {
    let bad = || {
        ApiError::validation(
            field,
            format!(
                "{field} {} is not a cursor this API gave; pass next_cursor of the previous page as it came",
                shown(cursor)
            ),
        )
    };
    if cursor.len() > 2 * MAX_REFERENCE_BYTES {
        return Err(bad());
    }
    let text = URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(bad)?;
    let (at, id) = text.split_once(':').ok_or_else(bad)?;
    let at = at.parse().map_err(|_| bad())?;
    if id.is_empty() {
        return Err(bad());
    }
    Ok((at, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_others_are_refused() {
        let cursor = encode_cursor(1_764_844_800_000, "0190-abc");
        assert_eq!(
            decode_cursor("cursor", &cursor).unwrap(),
            (1_764_844_800_000, "0190-abc".to_owned())
        );
        for bad in [
            "",
            "!!",
            &URL_SAFE_NO_PAD.encode("soon:x"),
            &URL_SAFE_NO_PAD.encode("12:"),
        ] {
            let error = decode_cursor("cursor", bad).unwrap_err();
            assert!(
                error.message.contains("next_cursor"),
                "{bad}: {}",
                error.message
            );
        }
    }
}
