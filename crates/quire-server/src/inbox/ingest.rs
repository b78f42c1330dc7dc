//! The one place a delivery is written. A whole delivery commits at once: every message is
//! stored once (a redelivered `wamid` is left as it is), its conversation is made or brought up
//! to date, a new inbound message counts as unread and becomes the list's preview (unless an
//! older one arrives late), and statuses move outbound messages forward only. A change for a
//! number the project has not connected, and a status for a message Quire never stored, are
//! counted and skipped (a status that may be a pending reply's is held for it instead; see
//! `quire_store::apply_status`). What changed goes out on the live stream, appended in the
//! same transaction. The caller answers Meta only after this returns, so an acknowledged
//! delivery is committed.
//!
//! Deliveries queue for one writer, which writes what gathered while it committed the last
//! batch in one transaction (group commit): a commit, and on `PostgreSQL` the project's event
//! lock, are paid once per batch, not once per delivery. The batch's messages take a few
//! multi-row statements, not a few each: one upsert for all their conversations, one insert
//! for the messages, one update for the conversations' unread counts and previews, and their
//! events (each a round trip to `PostgreSQL`). A writer holds its connection while batches
//! follow one another. `SQLite`'s runs on a thread of its own (see [`spawn_writer`]), where
//! its statements are the library's calls on a connection of the writer's own, not hand-offs
//! to a thread of sqlx's (see `quire_store::Exec`). A batch that fails is
//! written again one delivery at a time, so a delivery the database refuses fails alone. Rows
//! are written in one order whatever the deliveries' (see [`Work`]), so the writers of two
//! instances never deadlock.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use quire_store::{
    Activity, Backend, ContactSeen, Conversation, DELIVERY_NOTED_EVERY_MS, Exec, Message,
    MessageDirection, MessageStatus, NewMessage, StatusChange, Store, StoreError, WriteConnection,
    apply_status, insert_messages, note_delivery, now_ms, record_activities, upsert_conversations,
};
use tokio::sync::oneshot;

use super::events::InboxEvents;
use super::targets::{TargetConnection, WebhookTarget};
use super::webhook::{Delivery, IncomingMessage, StatusUpdate};

/// The longest preview a conversation keeps of its last message, in characters.
const PREVIEW_CHARS: usize = 200;
/// Deliveries written in one transaction at most: a batch holds the database's write lock
/// (on `SQLite`) for a few milliseconds at most.
const MAX_BATCH: usize = 128;
/// Writers at once on `PostgreSQL`, whose transactions run side by side (their rows are taken
/// in one order, see [`Work`]): one writes its batch while the other holds the project's
/// event lock to its commit. Two took as many deliveries a second as four with a fifth less
/// CPU, since larger batches cost the database fewer statements (bench/inbox, run O).
/// `SQLite` writes one transaction at a time, so it has one writer.
const POSTGRES_WRITERS: usize = 2;

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

/// Deliveries waiting for a writer, and how many writers run.
#[derive(Default)]
pub struct IngestQueue {
    waiting: Mutex<Waiting>,
    /// When this instance last wrote each connection's last delivery time (by connection id):
    /// a batch skips the statement when it would change nothing (see [`note_delivery`]).
    noted: Mutex<HashMap<String, i64>>,
}

#[derive(Default)]
struct Waiting {
    jobs: Vec<Job>,
    /// Writers running (at most [`writers_for`] the store); each writes until nothing waits.
    writers: usize,
}

struct Job {
    target: Arc<WebhookTarget>,
    delivery: Delivery,
    written: oneshot::Sender<Result<Outcome, StoreError>>,
}

impl IngestQueue {
    /// Writes `delivery` to `target`'s project; answers once it is committed.
    pub async fn ingest(
        self: &Arc<Self>,
        store: &Store,
        target: Arc<WebhookTarget>,
        delivery: Delivery,
    ) -> Result<Outcome, StoreError> {
        let (written, outcome) = oneshot::channel();
        let start_writer = {
            let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
            waiting.jobs.push(Job {
                target,
                delivery,
                written,
            });
            let start = waiting.writers < writers_for(store);
            if start {
                waiting.writers += 1;
            }
            start
        };
        // A task of its own: a caller that goes away (its client hung up) must not take the
        // other deliveries of its batch with it.
        if start_writer {
            spawn_writer(store, self.clone().write_waiting(store.clone()));
        }
        outcome.await.unwrap_or_else(|_| {
            Err(unavailable(
                "the delivery writer stopped before writing it (see the log)",
            ))
        })
    }

    /// The writer: writes what waits, a batch at a time, until nothing does.
    async fn write_waiting(self: Arc<Self>, store: Store) {
        let _writer = Writer {
            queue: &self,
            store: &store,
        };
        // Held while batches follow one another, and let go when another writer wants it.
        let mut connection: Option<WriteConnection> = None;
        loop {
            let batch: Vec<Job> = {
                let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
                if waiting.jobs.is_empty() {
                    waiting.writers -= 1;
                    return;
                }
                let count = waiting.jobs.len().min(MAX_BATCH);
                waiting.jobs.drain(..count).collect()
            };
            let held = match connection.take() {
                Some(held) => Ok(held),
                None => store.write_connection().await,
            };
            match held {
                Ok(mut held) => {
                    if self.write_batch(&mut held, batch).await && !held.wanted() {
                        connection = Some(held);
                    }
                }
                Err(error) => fail_all(batch, error),
            }
        }
    }
}

/// Starts `writer` where writers of `store` run. On `SQLite`, a thread of its own: the batch's
/// statements run there as calls into the `SQLite` library, which block while they write,
/// and must not hold up the server's runtime. On `PostgreSQL`, the server's runtime, whose
/// I/O its connections use.
fn spawn_writer(store: &Store, writer: impl Future<Output = ()> + Send + 'static) {
    static SQLITE_WRITERS: OnceLock<tokio::runtime::Handle> = OnceLock::new();
    match store.backend() {
        Backend::Sqlite => {
            SQLITE_WRITERS
                .get_or_init(sqlite_writer_thread)
                .spawn(writer);
        }
        Backend::Postgres => {
            tokio::spawn(writer);
        }
    }
}

/// The thread `SQLite` writers run on (see [`spawn_writer`]), for as long as the process.
fn sqlite_writer_thread() -> tokio::runtime::Handle {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the delivery writer");
    let handle = runtime.handle().clone();
    std::thread::Builder::new()
        .name("quire-deliveries".to_owned())
        .spawn(move || runtime.block_on(std::future::pending::<()>()))
        .expect("a thread for the delivery writer");
    handle
}

/// How many writers run at once for `store`.
fn writers_for(store: &Store) -> usize {
    match store.backend() {
        Backend::Postgres => POSTGRES_WRITERS,
        Backend::Sqlite => 1,
    }
}

/// The running writer. Should it panic, the deliveries of its batch fail (their callers
/// answer 500 and Meta delivers them again) and a new writer takes those still waiting.
struct Writer<'a> {
    queue: &'a Arc<IngestQueue>,
    store: &'a Store,
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let mut waiting = self
            .queue
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if waiting.jobs.is_empty() {
            waiting.writers -= 1;
        } else {
            // This writer's place goes to a new one.
            spawn_writer(
                self.store,
                self.queue.clone().write_waiting(self.store.clone()),
            );
        }
    }
}

impl IngestQueue {
    /// Writes `jobs` in one transaction on `connection` and answers each; when that fails
    /// because of what was written, writes each alone. Answers whether all went well (after
    /// an error the connection is let go, so the pool tests it).
    async fn write_batch(&self, connection: &mut WriteConnection, jobs: Vec<Job>) -> bool {
        let together: Vec<(&WebhookTarget, &Delivery)> = jobs
            .iter()
            .map(|job| (job.target.as_ref(), &job.delivery))
            .collect();
        match self.write_together(connection, &together).await {
            Ok(outcomes) => {
                crate::telemetry::record_whatsapp_delivery_batch();
                for (job, outcome) in jobs.into_iter().zip(outcomes) {
                    let _ = job.written.send(Ok(outcome));
                }
                true
            }
            Err(error) if jobs.len() == 1 || !error.is_refusal() => {
                if jobs.len() > 1 {
                    tracing::warn!(%error, deliveries = jobs.len(), "could not write a batch of WhatsApp deliveries");
                }
                fail_all(jobs, error);
                false
            }
            Err(error) => {
                tracing::warn!(%error, deliveries = jobs.len(), "a batch of WhatsApp deliveries could not be written together; writing each alone");
                for job in jobs {
                    let alone = self
                        .write_together(connection, &[(job.target.as_ref(), &job.delivery)])
                        .await
                        .map(|outcomes| outcomes.into_iter().next().unwrap_or_default());
                    if alone.is_ok() {
                        crate::telemetry::record_whatsapp_delivery_batch();
                    }
                    let _ = job.written.send(alone);
                }
                false
            }
        }
    }

    /// Writes `deliveries` in one transaction; answers what each did, in order. On `SQLite`
    /// the transaction runs on the writer's own connection, whose statements are calls on
    /// this thread rather than hand-offs to sqlx's (see `quire_store::Exec`).
    async fn write_together(
        &self,
        connection: &mut WriteConnection,
        deliveries: &[(&WebhookTarget, &Delivery)],
    ) -> Result<Vec<Outcome>, StoreError> {
        let mut outcomes: Vec<Outcome> = deliveries
            .iter()
            .map(|(_, delivery)| Outcome {
                changes_other_field: delivery.other_fields,
                ..Outcome::default()
            })
            .collect();
        let work = Work::plan(deliveries, &mut outcomes);
        let store = connection.store().clone();
        if let Some(mut tx) = connection.begin_local()? {
            let events = self
                .write_work(&mut tx.exec(), &work, &mut outcomes)
                .await?;
            let events = InboxEvents::append_all(&store, &mut tx.exec(), events.values()).await?;
            tx.commit()?;
            InboxEvents::announce_all(&store, events);
        } else {
            let mut tx = connection.begin().await?;
            let events = self
                .write_work(&mut Exec::from(&mut tx), &work, &mut outcomes)
                .await?;
            InboxEvents::commit_all(&store, tx, events.values()).await?;
        }
        Ok(outcomes)
    }

    /// Writes `work` through `db`, counting what each delivery did in `outcomes`; answers the
    /// events to append, by project.
    async fn write_work<'w>(
        &self,
        db: &mut Exec<'_>,
        work: &Work<'w>,
        outcomes: &mut [Outcome],
    ) -> Result<BTreeMap<&'w str, InboxEvents>, StoreError> {
        let now = now_ms();
        let mut events: BTreeMap<&str, InboxEvents> = BTreeMap::new();
        for connection in &work.connections {
            if self.note_due(&connection.id, now) {
                note_delivery(&mut *db, &connection.id, now).await?;
            }
        }
        let (stored, conversations) = store_messages(db, &work.messages).await?;
        for (item, stored) in work.messages.iter().zip(stored) {
            let outcome = &mut outcomes[item.delivery];
            let Some(stored) = stored else {
                outcome.messages_repeated += 1;
                continue;
            };
            outcome.messages_stored += 1;
            let project = item.target.project_id.as_str();
            let events = events
                .entry(project)
                .or_insert_with(|| InboxEvents::new(project));
            events.message_created(&stored, &item.connection.phone_number_id);
            events.conversation_updated(&stored.conversation_id);
        }
        // Each is the conversation of a message stored above, whose project has its events.
        for conversation in conversations {
            if let Some(events) = events.get_mut(conversation.project_id.as_str()) {
                events.conversation_written(conversation);
            }
        }
        for item in &work.statuses {
            let project = item.target.project_id.as_str();
            let status = item.what;
            let change = apply_status(
                &mut *db,
                project,
                &status.wamid,
                status.status,
                status.at,
                status.error.as_ref(),
            )
            .await?;
            let outcome = &mut outcomes[item.delivery];
            match change {
                StatusChange::Applied(message) => {
                    outcome.statuses_applied += 1;
                    events
                        .entry(project)
                        .or_insert_with(|| InboxEvents::new(project))
                        .message_updated(&message, &item.connection.phone_number_id);
                }
                StatusChange::Stale => outcome.statuses_stale += 1,
                StatusChange::Held => outcome.statuses_held += 1,
                StatusChange::Unknown => {
                    outcome.statuses_unknown += 1;
                    tracing::debug!(
                        project = %project,
                        wamid = %status.wamid,
                        "a status names a message this project never sent; dropped"
                    );
                }
            }
        }
        Ok(events)
    }

    /// Whether this batch writes `connection_id`'s last delivery time at `now`: not when this
    /// instance wrote it less than [`DELIVERY_NOTED_EVERY_MS`] ago, which would change nothing
    /// and cost a statement.
    fn note_due(&self, connection_id: &str, now: i64) -> bool {
        let mut noted = self.noted.lock().unwrap_or_else(PoisonError::into_inner);
        match noted.get_mut(connection_id) {
            Some(at) if now - *at < DELIVERY_NOTED_EVERY_MS => false,
            Some(at) => {
                *at = now;
                true
            }
            None => {
                noted.insert(connection_id.to_owned(), now);
                true
            }
        }
    }
}

/// Answers `jobs` that were not written because of `error`: the first with it, the others
/// with its text.
fn fail_all(jobs: Vec<Job>, error: StoreError) {
    let reason = error.to_string();
    let mut jobs = jobs.into_iter();
    if let Some(first) = jobs.next() {
        let _ = first.written.send(Err(error));
    }
    for job in jobs {
        let _ = job.written.send(Err(unavailable(&reason)));
    }
}

/// The error of a delivery that was not written because the database failed.
fn unavailable(reason: &str) -> StoreError {
    StoreError::unavailable(format!("the delivery was not written: {reason}"))
}

/// A batch's writes in the order they take their locks: the connections (by id), then the
/// conversations (by project, number and contact key, all in one upsert), then their messages
/// (in that order, each conversation's in the order Meta sent them), then the statuses (by
/// project and wamid). Two batches that touch the same
/// rows take them in the same order, so on `PostgreSQL` neither holds a row the other waits
/// for while waiting for one the other holds (a deadlock, which `PostgreSQL` would end by
/// failing the batch).
struct Work<'a> {
    connections: Vec<&'a TargetConnection>,
    messages: Vec<Item<'a, IncomingMessage>>,
    statuses: Vec<Item<'a, StatusUpdate>>,
}

/// A message or status of the batch's delivery number `delivery`.
struct Item<'a, T> {
    delivery: usize,
    target: &'a WebhookTarget,
    connection: &'a TargetConnection,
    what: &'a T,
}

impl<'a> Item<'a, IncomingMessage> {
    /// What names the message's conversation: its project, number and contact.
    fn conversation_key(&self) -> (&'a str, &'a str, Option<&'a str>) {
        (
            &self.target.project_id,
            &self.connection.phone_number_id,
            self.what.sender.contact_key(),
        )
    }
}

impl<'a> Work<'a> {
    /// The work of `deliveries`; what each skips is counted in its `outcomes`.
    fn plan(deliveries: &[(&'a WebhookTarget, &'a Delivery)], outcomes: &mut [Outcome]) -> Self {
        let mut work = Self {
            connections: Vec::new(),
            messages: Vec::new(),
            statuses: Vec::new(),
        };
        for (delivery_index, (target, delivery)) in deliveries.iter().enumerate() {
            let outcome = &mut outcomes[delivery_index];
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
                    .extend(change.messages.iter().map(|what| Item {
                        delivery: delivery_index,
                        target,
                        connection,
                        what,
                    }));
                work.statuses
                    .extend(change.statuses.iter().map(|what| Item {
                        delivery: delivery_index,
                        target,
                        connection,
                        what,
                    }));
            }
        }
        work.connections.sort_by(|a, b| a.id.cmp(&b.id));
        work.connections.dedup_by(|a, b| a.id == b.id);
        // Stable sorts: a conversation's messages, and a message's statuses, keep their order.
        work.messages
            .sort_by(|a, b| a.conversation_key().cmp(&b.conversation_key()));
        work.statuses.sort_by(|a, b| {
            (a.target.project_id.as_str(), a.what.wamid.as_str())
                .cmp(&(b.target.project_id.as_str(), b.what.wamid.as_str()))
        });
        work
    }
}

/// Stores the incoming messages `items` (in [`Work`]'s order) and brings their conversations
/// up to date, in a few multi-row statements; answers each message stored, or `None` for one
/// stored before (a redelivery, or an earlier one of `items`), and the conversations of those
/// stored as they now stand.
async fn store_messages(
    db: &mut Exec<'_>,
    items: &[Item<'_, IncomingMessage>],
) -> Result<(Vec<Option<Message>>, Vec<Conversation>), StoreError> {
    if items.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let contacts: Vec<(ContactSeen<'_>, i64)> = items
        .iter()
        .map(|item| {
            let sender = &item.what.sender;
            let seen = ContactSeen {
                project_id: &item.target.project_id,
                connection_id: &item.connection.id,
                phone_number_id: &item.connection.phone_number_id,
                wa_id: sender.wa_id.as_deref(),
                user_id: sender.user_id.as_deref(),
                username: sender.username.as_deref(),
                name: sender.name.as_deref(),
            };
            (seen, item.what.sent_at)
        })
        .collect();
    let conversations = upsert_conversations(&mut *db, &contacts).await?;
    let bodies: Vec<Option<String>> = items.iter().map(|item| item.what.content.body()).collect();
    let new: Vec<NewMessage<'_>> = items
        .iter()
        .zip(&conversations)
        .zip(&bodies)
        .map(|((item, conversation), body)| NewMessage {
            project_id: &item.target.project_id,
            conversation_id: conversation,
            wamid: Some(&item.what.wamid),
            direction: MessageDirection::Inbound,
            kind: &item.what.kind,
            body: body.as_deref(),
            data: &item.what.data,
            status: MessageStatus::Received,
            error: None,
            sent_by: None,
            sent_via: None,
            created_at: item.what.sent_at,
        })
        .collect();
    let stored = insert_messages(&mut *db, &new).await?;
    // Each new message's conversation, time and preview.
    let previews: Vec<(&str, i64, String)> = items
        .iter()
        .zip(&stored)
        .filter_map(|(item, stored)| {
            let conversation = stored.as_ref()?.conversation_id.as_str();
            let message = item.what;
            let preview = message
                .content
                .preview(&message.kind)
                .chars()
                .take(PREVIEW_CHARS)
                .collect();
            Some((conversation, message.sent_at, preview))
        })
        .collect();
    let activities: Vec<Activity<'_>> = previews
        .iter()
        .map(|(_, at, preview)| Activity {
            at: *at,
            preview,
            direction: MessageDirection::Inbound,
            sent_by: None,
            sent_via: None,
            unread: true,
        })
        .collect();
    let each: Vec<(&str, &Activity<'_>)> = previews
        .iter()
        .zip(&activities)
        .map(|((conversation, ..), activity)| (*conversation, activity))
        .collect();
    let conversations = record_activities(db, &each).await?;
    Ok((stored, conversations))
}
