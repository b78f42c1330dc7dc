//! The one place a delivery is written. A whole delivery is one transaction: every message is
//! stored once (a redelivered `wamid` is left as it is), its conversation is made or brought up
//! to date, a new inbound message counts as unread and becomes the list's preview (unless an
//! older one arrives late), and statuses move outbound messages forward only. A change for a
//! number the project has not connected, and a status for a message Quire never stored, are
//! counted and skipped (a status that may be a pending reply's is held for it instead; see
//! `quire_store::apply_status`). What changed goes out on the live stream, appended in the
//! same transaction. The caller answers Meta only after this returns, so an acknowledged
//! delivery is committed. Rows are written in one order whatever the delivery's (see
//! [`Work`]), so concurrent deliveries never deadlock.

use quire_store::{
    Activity, ContactSeen, MessageDirection, MessageStatus, NewMessage, StatusChange, Store,
    StoreError, Tx, apply_status, insert_message, note_delivery, now_ms, record_activity,
    upsert_conversation,
};

use super::events::InboxEvents;
use super::targets::{TargetConnection, WebhookTarget};
use super::webhook::{Delivery, IncomingMessage, StatusUpdate};

/// The longest preview a conversation keeps of its last message, in characters.
const PREVIEW_CHARS: usize = 200;

/// What one delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Messages stored now.
    pub messages_stored: usize,
    /// Messages already stored (a redelivery).
    pub messages_repeated: usize,
    /// Statuses that moved a message.
    pub statuses_applied: usize,
    /// Statuses that came after a later one (or twice), and changed nothing.
    pub statuses_stale: usize,
    /// Statuses of messages the project has not stored (yet), held while one of its replies
    /// is on its way, in case they are that reply's.
    pub statuses_held: usize,
    /// Statuses of messages the project never stored (or not outbound), dropped.
    pub statuses_unknown: usize,
    /// Statuses of a kind Quire does not know, skipped.
    pub statuses_other: usize,
    /// Changes for a number the project has not connected, skipped.
    pub changes_unknown_number: usize,
    /// Changes of another field than `messages`, skipped.
    pub changes_other_field: usize,
}

/// Writes `delivery` to `target`'s project in one transaction.
pub async fn ingest(
    store: &Store,
    target: &WebhookTarget,
    delivery: &Delivery,
) -> Result<Outcome, StoreError> {
    let mut outcome = Outcome {
        changes_other_field: delivery.other_fields,
        ..Outcome::default()
    };
    let work = Work::plan(target, delivery, &mut outcome);
    let now = now_ms();
    let mut events = InboxEvents::new(&target.project_id);
    let mut tx = store.begin().await?;
    for connection in &work.connections {
        note_delivery(&mut tx, &connection.id, now).await?;
    }
    for (connection, message) in &work.messages {
        let stored = store_message(&mut tx, target, connection, message, &mut events).await?;
        if stored {
            outcome.messages_stored += 1;
        } else {
            outcome.messages_repeated += 1;
        }
    }
    for (connection, status) in &work.statuses {
        let change = apply_status(
            &mut tx,
            &target.project_id,
            &status.wamid,
            status.status,
            status.at,
            status.error.as_ref(),
        )
        .await?;
        match change {
            StatusChange::Applied(message) => {
                outcome.statuses_applied += 1;
                events.message_updated(&message, &connection.phone_number_id);
            }
            StatusChange::Stale => outcome.statuses_stale += 1,
            StatusChange::Held => outcome.statuses_held += 1,
            StatusChange::Unknown => {
                outcome.statuses_unknown += 1;
                tracing::debug!(
                    project = %target.project_id,
                    wamid = %status.wamid,
                    "a status names a message this project never sent; dropped"
                );
            }
        }
    }
    events.commit(store, tx).await?;
    Ok(outcome)
}

/// A delivery's writes in the order they take their locks: the connections (by id), then the
/// conversations (by number and contact key), each with its messages in the order Meta sent
/// them, then the statuses (by wamid). Two deliveries that touch the same rows take them in
/// the same order, so on `PostgreSQL` neither holds a row the other waits for while waiting
/// for one the other holds (a deadlock, which `PostgreSQL` would end by failing a delivery).
struct Work<'a> {
    connections: Vec<&'a TargetConnection>,
    messages: Vec<(&'a TargetConnection, &'a IncomingMessage)>,
    statuses: Vec<(&'a TargetConnection, &'a StatusUpdate)>,
}

impl<'a> Work<'a> {
    /// The work of `delivery`; what it skips is counted in `outcome`.
    fn plan(target: &'a WebhookTarget, delivery: &'a Delivery, outcome: &mut Outcome) -> Self {
        let mut work = Self {
            connections: Vec::new(),
            messages: Vec::new(),
            statuses: Vec::new(),
        };
        for change in &delivery.changes {
            outcome.statuses_other += change.other_statuses;
            let Some(connection) = target.connection(&change.phone_number_id) else {
                outcome.changes_unknown_number += 1;
                tracing::warn!(
                    project = %target.project_id,
                    phone_number_id = %change.phone_number_id,
                    "a delivery names a WhatsApp number this project has not connected; its change was skipped"
                );
                continue;
            };
            work.connections.push(connection);
            work.messages
                .extend(change.messages.iter().map(|message| (connection, message)));
            work.statuses
                .extend(change.statuses.iter().map(|status| (connection, status)));
        }
        work.connections.sort_by(|a, b| a.id.cmp(&b.id));
        work.connections.dedup_by(|a, b| a.id == b.id);
        // Stable sorts: a conversation's messages, and a message's statuses, keep their order.
        work.messages
            .sort_by(|(a_connection, a), (b_connection, b)| {
                (&a_connection.phone_number_id, a.sender.contact_key())
                    .cmp(&(&b_connection.phone_number_id, b.sender.contact_key()))
            });
        work.statuses
            .sort_by(|(_, a), (_, b)| a.wamid.cmp(&b.wamid));
        work
    }
}

/// Stores one incoming message and brings its conversation up to date; answers whether it
/// was new.
async fn store_message(
    tx: &mut Tx,
    target: &WebhookTarget,
    connection: &TargetConnection,
    message: &IncomingMessage,
    events: &mut InboxEvents,
) -> Result<bool, StoreError> {
    let sender = &message.sender;
    let seen = ContactSeen {
        project_id: &target.project_id,
        connection_id: &connection.id,
        phone_number_id: &connection.phone_number_id,
        wa_id: sender.wa_id.as_deref(),
        user_id: sender.user_id.as_deref(),
        username: sender.username.as_deref(),
        name: sender.name.as_deref(),
    };
    let conversation = upsert_conversation(tx, &seen, message.sent_at).await?;
    let body = message.content.body();
    let new = NewMessage {
        project_id: &target.project_id,
        conversation_id: &conversation,
        wamid: Some(&message.wamid),
        direction: MessageDirection::Inbound,
        kind: &message.kind,
        body: body.as_deref(),
        data: &message.data,
        status: MessageStatus::Received,
        error: None,
        sent_by: None,
        created_at: message.sent_at,
    };
    let Some(stored) = insert_message(tx, &new).await? else {
        return Ok(false);
    };
    let preview: String = message
        .content
        .preview(&message.kind)
        .chars()
        .take(PREVIEW_CHARS)
        .collect();
    let activity = Activity {
        at: message.sent_at,
        preview: &preview,
        direction: MessageDirection::Inbound,
        unread: true,
    };
    record_activity(tx, &conversation, &activity).await?;
    events.message_created(&stored, &connection.phone_number_id);
    events.conversation_updated(&conversation);
    Ok(true)
}
