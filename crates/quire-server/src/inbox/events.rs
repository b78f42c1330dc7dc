//! The inbox's live events: `message.created`, `message.updated` and `conversation.updated`,
//! each carrying the same view the API answers with. A writer gathers them while its
//! transaction runs and appends them just before the commit (on `PostgreSQL` the project's event
//! lock is then held for the commit only), then announces them once committed. Each is scoped
//! to its conversation's number, so an embed limited to one number sees only its own.

use std::collections::BTreeMap;

use quire_store::{
    Audience, Conversation, Exec, Message, NewEvent, Store, StoreError, Tx, conversations_in,
};
use serde::Serialize;

use super::views::{ConversationView, MessageView};

/// The events of one transaction of one project.
#[derive(Debug)]
pub struct InboxEvents {
    project_id: String,
    /// Each message event's kind, number and message.
    messages: Vec<(&'static str, String, MessageView)>,
    /// Conversations whose list entry changed (by id), announced with their state at commit:
    /// as the writer last wrote it, or else as read then.
    conversations: BTreeMap<String, Option<Conversation>>,
}

#[derive(Serialize)]
struct MessageEvent<'a> {
    message: &'a MessageView,
}

#[derive(Serialize)]
struct ConversationEvent {
    conversation: ConversationView,
}

impl InboxEvents {
    pub fn new(project_id: &str) -> Self {
        Self {
            project_id: project_id.to_owned(),
            messages: Vec::new(),
            conversations: BTreeMap::new(),
        }
    }

    /// A message was stored; `phone_number_id` is its conversation's number.
    pub fn message_created(&mut self, message: &Message, phone_number_id: &str) {
        self.message("message.created", message, phone_number_id);
    }

    /// A message's status changed.
    pub fn message_updated(&mut self, message: &Message, phone_number_id: &str) {
        self.message("message.updated", message, phone_number_id);
    }

    /// A conversation's list entry changed (preview, unread count, contact, metadata).
    pub fn conversation_updated(&mut self, conversation_id: &str) {
        self.conversations
            .entry(conversation_id.to_owned())
            .or_default();
    }

    /// A conversation's list entry changed, and `conversation` is how the writer left it: the
    /// last change the transaction makes to it, so it need not be read again.
    pub fn conversation_written(&mut self, conversation: Conversation) {
        self.conversations
            .insert(conversation.id.clone(), Some(conversation));
    }

    fn message(&mut self, kind: &'static str, message: &Message, phone_number_id: &str) {
        self.messages
            .push((kind, phone_number_id.to_owned(), MessageView::from(message)));
    }

    /// Appends the gathered events through `db`: the messages' first, then each touched
    /// conversation as it stands in the transaction. Call it last before committing, then
    /// [`InboxEvents::announce`] after.
    async fn append(&self, store: &Store, db: &mut Exec<'_>) -> Result<(), StoreError> {
        let to_read: Vec<&str> = self
            .conversations
            .iter()
            .filter(|(_, written)| written.is_none())
            .map(|(id, _)| id.as_str())
            .collect();
        let read = conversations_in(&mut *db, &to_read).await?;
        if let Some(missing) = to_read.iter().find(|id| !read.iter().any(|c| c.id == **id)) {
            return Err(StoreError::NotFound {
                what: format!("conversation {missing}"),
            });
        }
        let mut conversations: Vec<&Conversation> =
            self.conversations.values().flatten().chain(&read).collect();
        // In the order of their ids, as the map holds them.
        conversations.sort_by(|a, b| a.id.cmp(&b.id));
        let mut events = Vec::with_capacity(self.messages.len() + conversations.len());
        for (kind, scope, message) in &self.messages {
            events.push(
                NewEvent::new(
                    &self.project_id,
                    kind,
                    Audience::Members,
                    MessageEvent { message },
                )
                .scoped(scope),
            );
        }
        for conversation in conversations {
            let data = ConversationEvent {
                conversation: ConversationView::from(conversation),
            };
            events.push(
                NewEvent::new(
                    &self.project_id,
                    "conversation.updated",
                    Audience::Members,
                    data,
                )
                .scoped(&conversation.whatsapp_phone_number_id),
            );
        }
        store.append_events(db, &events).await?;
        Ok(())
    }

    /// Appends the events, commits `tx` and announces them: a writer's last step.
    pub async fn commit(&self, store: &Store, tx: Tx<'_>) -> Result<(), StoreError> {
        Self::commit_all(store, tx, [self]).await
    }

    /// Appends the events of several projects (in the order of their project ids, so two such
    /// transactions cannot wait for each other's event locks), commits `tx` and announces
    /// them: the last step of a writer that wrote for several projects at once.
    pub async fn commit_all<'a>(
        store: &Store,
        mut tx: Tx<'_>,
        events: impl IntoIterator<Item = &'a InboxEvents>,
    ) -> Result<(), StoreError> {
        let events = Self::append_all(store, &mut Exec::from(&mut tx), events).await?;
        tx.commit().await?;
        Self::announce_all(store, events);
        Ok(())
    }

    /// Appends the events of several projects through `db` (in the order of their project
    /// ids, so two such transactions cannot wait for each other's event locks); answers them,
    /// for [`InboxEvents::announce_all`] once the transaction committed.
    pub async fn append_all<'a>(
        store: &Store,
        db: &mut Exec<'_>,
        events: impl IntoIterator<Item = &'a InboxEvents>,
    ) -> Result<Vec<&'a InboxEvents>, StoreError> {
        let mut events: Vec<&InboxEvents> = events.into_iter().collect();
        events.sort_by(|a, b| a.project_id.cmp(&b.project_id));
        for project in &events {
            project.append(store, db).await?;
        }
        Ok(events)
    }

    /// Tells this instance's live streams of `events`, once their transaction committed.
    pub fn announce_all<'a>(store: &Store, events: impl IntoIterator<Item = &'a InboxEvents>) {
        for project in events {
            project.announce(store);
        }
    }

    /// Tells this instance's live streams, once the transaction committed.
    fn announce(&self, store: &Store) {
        if !self.messages.is_empty() || !self.conversations.is_empty() {
            store.announce_events(&self.project_id);
        }
    }
}
