//! Changes the team makes to a conversation: reading it and its metadata, each committed with
//! its live event.

use quire_store::{Conversation, Store, StoreError, Tx};

use super::events::InboxEvents;

/// Marks `conversation_id` of `project_id` read; `None` when there is no such conversation.
pub async fn mark_read(
    store: &Store,
    project_id: &str,
    conversation_id: &str,
) -> Result<Option<Conversation>, StoreError> {
    let mut tx = store.begin().await?;
    let Some(read) =
        quire_store::mark_conversation_read(&mut tx, project_id, conversation_id).await?
    else {
        return Ok(None);
    };
    commit_updated(store, tx, &read).await?;
    Ok(Some(read))
}

/// Replaces the metadata of `conversation_id` of `project_id` as `actor_id` (audited); `None`
/// when there is no such conversation.
pub async fn set_metadata(
    store: &Store,
    project_id: &str,
    conversation_id: &str,
    metadata: &serde_json::Map<String, serde_json::Value>,
    actor_id: &str,
) -> Result<Option<Conversation>, StoreError> {
    let mut tx = store.begin().await?;
    let Some(updated) = quire_store::set_conversation_metadata(
        &mut tx,
        project_id,
        conversation_id,
        metadata,
        actor_id,
    )
    .await?
    else {
        return Ok(None);
    };
    commit_updated(store, tx, &updated).await?;
    Ok(Some(updated))
}

/// Commits `tx` with `conversation.updated` for `conversation`.
async fn commit_updated(
    store: &Store,
    tx: Tx<'_>,
    conversation: &Conversation,
) -> Result<(), StoreError> {
    let mut events = InboxEvents::new(&conversation.project_id);
    events.conversation_updated(&conversation.id);
    events.commit(store, tx).await
}
