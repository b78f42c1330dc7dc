//! The history: conversations and messages written straight into the store, as the server
//! writes them, many to a transaction.
//!
//! Each contact's thread is planned first ([`Thread`]). The first [`STEP_BY_STEP`]
//! conversations are then written step by step through the writer functions the server
//! calls: for a contact's message those of `inbox::ingest` (`upsert_conversation`,
//! `insert_message`, `record_activity`), with the body, preview and data ingestion derives
//! ([`meta::Incoming::stored`], checked against real deliveries by [`check_stored_form`]);
//! for a reply of the team those of `inbox::reply` after the agent read the thread
//! (`mark_conversation_read`, `insert_message` pending, `record_activity`, `finish_send`),
//! and `apply_status` for its statuses. The rest are written as the rows those steps leave:
//! `upsert_conversation`, the messages in multi-row `INSERT`s of the columns
//! `insert_message` writes, with the status, wamid, error and times the later steps leave,
//! and one `UPDATE` of the list entry (last message, preview, direction, unread count);
//! [`check_rows`] first compares the step-by-step conversations with those rows. Either way
//! the `SQLite` full-text triggers fire and the `PostgreSQL` `tsvector` columns are computed
//! as for the server's own writes. Not written: what a delivery adds around them (the
//! signature, the JSON, a transaction per delivery, the connection's last delivery time, and
//! the live events, of which a project keeps at most 10,000 and a day's worth).

use std::time::Instant;

use anyhow::Context;
use quire_store::{
    Activity, Backend, ContactSeen, MessageDirection, MessageStatus, NewMessage, SendOutcome,
    Store, StoreError, Tx, apply_status, finish_send, insert_message, mark_conversation_read,
    new_ordered_id, now_ms, record_activity, search_text, upsert_conversation,
};
use rand::Rng;
use serde_json::json;
use sqlx::Row;

use crate::meta::{Incoming, Number};
use crate::people::Person;
use crate::thread::{MessageRow, ReplyOutcome, Step, Thread};

/// Conversations written per transaction.
const CONVERSATIONS_PER_TX: usize = 250;
/// Conversations written step by step through the writers, then compared with the rows.
pub const STEP_BY_STEP: usize = 200;
/// The longest thread the history has.
const MAX_THREAD: usize = 3000;
/// The columns `insert_message` writes (on `SQLite` also the message's words for search).
const MESSAGE_COLUMNS: &str = "id, project_id, conversation_id, wamid, direction, type, body, data, \
     status, error, sent_by, created_at, status_at";

/// A contact with a conversation on one of the numbers.
#[derive(Clone, Debug)]
pub struct Contact {
    pub person: Person,
    /// Index into the benchmark's numbers.
    pub number: usize,
}

/// What the seed wrote.
pub struct Seeded {
    pub conversations: usize,
    pub messages: usize,
    pub seconds: f64,
    /// Conversations written step by step and found equal to the rows.
    pub checked: usize,
}

/// How many messages each of `conversations` threads gets, `messages` in all: most a few,
/// some dozens, a few in the thousands.
pub fn thread_lengths(rng: &mut impl Rng, conversations: usize, messages: usize) -> Vec<usize> {
    if conversations == 0 {
        return Vec::new();
    }
    #[expect(clippy::cast_precision_loss, reason = "counts of the benchmark")]
    let mean = messages as f64 / conversations as f64;
    let mut lengths: Vec<usize> = (0..conversations)
        .map(|_| {
            let exponential = -(1.0 - rng.r#gen::<f64>()).ln() * (mean - 1.0).max(0.0);
            let scale = if rng.gen_bool(0.005) { 20.0 } else { 1.0 };
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a small positive count"
            )]
            let length = 1 + (exponential * scale) as usize;
            length.min(MAX_THREAD)
        })
        .collect();
    let mut total: usize = lengths.iter().sum();
    while total != messages {
        let pick = rng.gen_range(0..conversations);
        if total < messages && lengths[pick] < MAX_THREAD {
            lengths[pick] += 1;
            total += 1;
        } else if total > messages && lengths[pick] > 1 {
            lengths[pick] -= 1;
            total -= 1;
        }
    }
    lengths
}

/// Writes one conversation per contact, `lengths[i]` messages for `contacts[i]`: the first
/// [`STEP_BY_STEP`] through the writers (and checked), the rest as rows, `workers` writers
/// at once (1 on `SQLite`, whose writes queue anyway).
pub async fn seed(
    store: &Store,
    project_id: &str,
    agent_id: &str,
    numbers: &[Number],
    contacts: &[Contact],
    lengths: &[usize],
    workers: usize,
) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let writer = Writer {
        project_id: project_id.to_owned(),
        agent_id: agent_id.to_owned(),
        numbers: numbers.to_vec(),
        now_secs: now_ms() / 1000,
    };
    let all: Vec<(usize, Contact, usize)> = contacts
        .iter()
        .zip(lengths)
        .enumerate()
        .map(|(index, (contact, length))| (index, contact.clone(), *length))
        .collect();
    let (by_steps, by_rows) = all.split_at(STEP_BY_STEP.min(all.len()));
    let mut tx = store.begin().await?;
    let mut written = Vec::new();
    for (index, contact, length) in by_steps {
        let thread = Thread::plan(*index, *length, writer.now_secs);
        written.push((
            writer.step_by_step(&mut tx, contact, &thread).await?,
            thread,
        ));
    }
    tx.commit().await?;
    let checked = check_rows(store, agent_id, &written).await?;

    let writer = std::sync::Arc::new(writer);
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..workers {
        let (store, writer) = (store.clone(), writer.clone());
        let mine: Vec<(usize, Contact, usize)> = by_rows
            .iter()
            .filter(|(index, _, _)| index % workers == worker)
            .cloned()
            .collect();
        tasks.spawn(async move {
            for chunk in mine.chunks(CONVERSATIONS_PER_TX) {
                let mut tx = store.begin().await?;
                let mut rows = RowBuffer::new(store.backend(), &writer);
                for (index, contact, length) in chunk {
                    let thread = Thread::plan(*index, *length, writer.now_secs);
                    writer.as_rows(&mut tx, &mut rows, contact, &thread).await?;
                }
                rows.flush(&mut tx).await?;
                tx.commit().await?;
            }
            Ok::<_, StoreError>(())
        });
    }
    let mut done = 0;
    while let Some(finished) = tasks.join_next().await {
        finished.context("a seed worker panicked")??;
        done += 1;
        eprintln!(
            "  seed: {done} of {workers} writers done ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(Seeded {
        conversations: contacts.len(),
        messages: lengths.iter().sum(),
        seconds: started.elapsed().as_secs_f64(),
        checked,
    })
}

struct Writer {
    project_id: String,
    agent_id: String,
    numbers: Vec<Number>,
    now_secs: i64,
}

impl Writer {
    /// The contact's conversation, made as a first delivery makes it; answers its id.
    async fn conversation(
        &self,
        tx: &mut Tx<'_>,
        contact: &Contact,
        thread: &Thread,
    ) -> Result<String, StoreError> {
        let number = &self.numbers[contact.number];
        let person = &contact.person;
        let seen = ContactSeen {
            project_id: &self.project_id,
            connection_id: &number.connection_id,
            phone_number_id: &number.phone_number_id,
            wa_id: person.wa_id.as_deref(),
            user_id: person.user_id.as_deref(),
            username: person.username.as_deref(),
            name: Some(&person.name),
        };
        upsert_conversation(tx, &seen, thread.started_at()).await
    }

    /// Writes `thread` one step at a time through the writers; answers the conversation.
    async fn step_by_step(
        &self,
        tx: &mut Tx<'_>,
        contact: &Contact,
        thread: &Thread,
    ) -> Result<String, StoreError> {
        let conversation = self.conversation(tx, contact, thread).await?;
        for step in &thread.steps {
            match step {
                Step::Incoming(message) => self.incoming(tx, &conversation, message).await?,
                Step::Reply { text, at, outcome } => {
                    self.reply(tx, &conversation, text, *at, outcome).await?;
                }
            }
        }
        if thread.read_at_end {
            mark_conversation_read(tx, &self.project_id, &conversation).await?;
        }
        Ok(conversation)
    }

    /// As `inbox::ingest::store_message` writes a new message.
    async fn incoming(
        &self,
        tx: &mut Tx<'_>,
        conversation: &str,
        message: &Incoming,
    ) -> Result<(), StoreError> {
        let stored = message.stored();
        insert_message(
            tx,
            &NewMessage {
                project_id: &self.project_id,
                conversation_id: conversation,
                wamid: Some(&message.wamid),
                direction: MessageDirection::Inbound,
                kind: message.kind,
                body: stored.body.as_deref(),
                data: &stored.data,
                status: MessageStatus::Received,
                error: None,
                sent_by: None,
                sent_via: None,
                created_at: message.sent_at_ms(),
            },
        )
        .await?;
        record_activity(
            tx,
            conversation,
            &Activity {
                at: message.sent_at_ms(),
                preview: &stored.preview,
                direction: MessageDirection::Inbound,
                sent_by: None,
                sent_via: None,
                unread: true,
            },
        )
        .await?;
        Ok(())
    }

    /// As `inbox::reply` stores a reply after the agent read the thread, and as status
    /// deliveries move it on.
    async fn reply(
        &self,
        tx: &mut Tx<'_>,
        conversation: &str,
        text: &str,
        at: i64,
        outcome: &ReplyOutcome,
    ) -> Result<(), StoreError> {
        mark_conversation_read(tx, &self.project_id, conversation).await?;
        let pending = insert_message(
            tx,
            &NewMessage {
                project_id: &self.project_id,
                conversation_id: conversation,
                wamid: None,
                direction: MessageDirection::Outbound,
                kind: "text",
                body: Some(text),
                data: &json!({ "body": text }),
                status: MessageStatus::Pending,
                error: None,
                sent_by: Some(&self.agent_id),
                sent_via: None,
                created_at: at,
            },
        )
        .await?
        .expect("a pending message has no wamid to collide");
        let activity = Activity {
            at,
            preview: text,
            direction: MessageDirection::Outbound,
            sent_by: Some(&self.agent_id),
            sent_via: None,
            unread: false,
        };
        record_activity(tx, conversation, &activity).await?;
        let answered_at = at + crate::thread::SEND_MS;
        match outcome {
            ReplyOutcome::Failed { error } => {
                finish_send(tx, &pending.id, &SendOutcome::Failed { error }, answered_at).await?;
            }
            ReplyOutcome::Sent { wamid, statuses } => {
                finish_send(tx, &pending.id, &SendOutcome::Sent { wamid }, answered_at).await?;
                for (status, status_at) in statuses {
                    apply_status(&mut *tx, &self.project_id, wamid, *status, *status_at, None)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Writes `thread` as the rows the steps leave: the conversation, its messages (into
    /// `rows`, flushed in batches) and its list entry.
    async fn as_rows(
        &self,
        tx: &mut Tx<'_>,
        rows: &mut RowBuffer,
        contact: &Contact,
        thread: &Thread,
    ) -> Result<(), StoreError> {
        let conversation = self.conversation(tx, contact, thread).await?;
        for row in thread.rows() {
            rows.push(tx, &conversation, row).await?;
        }
        let entry = thread.entry();
        sqlx::query(
            "UPDATE conversations SET last_message_at = $1, last_message_preview = $2, \
             last_message_direction = $3, last_message_sent_by = $4, unread_count = $5 \
             WHERE id = $6",
        )
        .bind(entry.last_message_at)
        .bind(&entry.last_message_preview)
        .bind(entry.last_message_direction.as_str())
        .bind(
            entry
                .last_message_by_agent
                .then_some(self.agent_id.as_str()),
        )
        .bind(entry.unread_count)
        .bind(&conversation)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

/// Message rows waiting for a multi-row `INSERT`.
struct RowBuffer {
    rows: Vec<(String, MessageRow)>,
    /// Rows per statement: `SQLite` looks bound parameters up by name, which grows with their
    /// number (see bench/invoke), so its statements stay small.
    per_statement: usize,
    backend: Backend,
    project_id: String,
    agent_id: String,
}

impl RowBuffer {
    fn new(backend: Backend, writer: &Writer) -> Self {
        Self {
            rows: Vec::new(),
            per_statement: match backend {
                Backend::Sqlite => 16,
                Backend::Postgres => 200,
            },
            backend,
            project_id: writer.project_id.clone(),
            agent_id: writer.agent_id.clone(),
        }
    }

    async fn push(
        &mut self,
        tx: &mut Tx<'_>,
        conversation: &str,
        row: MessageRow,
    ) -> Result<(), StoreError> {
        self.rows.push((conversation.to_owned(), row));
        if self.rows.len() == self.per_statement {
            self.flush(tx).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &mut Tx<'_>) -> Result<(), StoreError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let keeps_words = self.backend == Backend::Sqlite;
        let columns = if keeps_words {
            format!("{MESSAGE_COLUMNS}, search_text")
        } else {
            MESSAGE_COLUMNS.to_owned()
        };
        let per_row = columns.split(',').count();
        let values: Vec<String> = (0..self.rows.len())
            .map(|row| {
                let first = row * per_row + 1;
                let places: Vec<String> =
                    (first..first + per_row).map(|n| format!("${n}")).collect();
                format!("({})", places.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO messages ({columns}) VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (conversation, row) in self.rows.drain(..) {
            let sent_by = row.by_agent.then(|| self.agent_id.clone());
            let words = row.body.as_deref().map(search_text);
            query = query
                .bind(new_ordered_id())
                .bind(self.project_id.clone())
                .bind(conversation)
                .bind(row.wamid)
                .bind(row.direction.as_str())
                .bind(row.kind)
                .bind(row.body)
                .bind(row.data)
                .bind(row.status.as_str())
                .bind(row.error)
                .bind(sent_by)
                .bind(row.created_at)
                .bind(row.status_at);
            if keeps_words {
                query = query.bind(words);
            }
        }
        query.execute(&mut **tx).await?;
        Ok(())
    }
}

/// Compares the conversations written step by step with the rows [`Thread::rows`] and the
/// entry [`Thread::entry`] say the steps leave; answers how many were compared.
async fn check_rows(
    store: &Store,
    agent_id: &str,
    written: &[(String, Thread)],
) -> anyhow::Result<usize> {
    for (conversation, thread) in written {
        let stored: Vec<MessageRow> = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 ORDER BY created_at, id"
        ))
        .bind(conversation)
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|row| {
            let sent_by: Option<String> = row.try_get("sent_by")?;
            anyhow::ensure!(sent_by.as_deref().is_none_or(|id| id == agent_id), "a message sent by someone else");
            Ok(MessageRow {
                wamid: row.try_get("wamid")?,
                direction: row.try_get::<String, _>("direction")?.parse()?,
                kind: row.try_get("type")?,
                body: row.try_get("body")?,
                data: row.try_get("data")?,
                status: row.try_get::<String, _>("status")?.parse()?,
                error: row.try_get("error")?,
                by_agent: sent_by.is_some(),
                created_at: row.try_get("created_at")?,
                status_at: row.try_get("status_at")?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
        let expected = thread.rows();
        anyhow::ensure!(
            stored == expected,
            "conversation {conversation} written step by step differs from the rows the seed writes:\n{stored:#?}\nagainst\n{expected:#?}"
        );
        let entry = sqlx::query(
            "SELECT last_message_at, last_message_preview, last_message_direction, \
             last_message_sent_by, unread_count FROM conversations WHERE id = $1",
        )
        .bind(conversation)
        .fetch_one(store.pool())
        .await?;
        let entry = crate::thread::Entry {
            last_message_at: entry.try_get("last_message_at")?,
            last_message_preview: entry.try_get("last_message_preview")?,
            last_message_direction: entry
                .try_get::<String, _>("last_message_direction")?
                .parse()?,
            last_message_by_agent: entry
                .try_get::<Option<String>, _>("last_message_sent_by")?
                .is_some(),
            unread_count: entry.try_get("unread_count")?,
        };
        anyhow::ensure!(
            entry == thread.entry(),
            "conversation {conversation} written step by step ends as {entry:?}, the seed writes {:?}",
            thread.entry()
        );
    }
    Ok(written.len())
}

/// Checks that [`Incoming::stored`] is what ingestion stores: `sent` are messages that went
/// through the real webhook; each stored row must have the type, body and data the seed
/// would write for it. Answers how many were compared.
pub async fn check_stored_form(
    store: &Store,
    project_id: &str,
    sent: &[Incoming],
) -> anyhow::Result<usize> {
    for message in sent {
        let row = store
            .message_by_wamid(project_id, &message.wamid)
            .await?
            .with_context(|| format!("the delivered message {} was not stored", message.wamid))?;
        let expected = message.stored();
        anyhow::ensure!(
            row.kind == message.kind && row.body == expected.body && row.data == expected.data,
            "the seed would store {} differently from ingestion: ingestion stored ({}, {:?}, {}), the seed ({}, {:?}, {})",
            message.wamid,
            row.kind,
            row.body,
            row.data,
            message.kind,
            expected.body,
            expected.data,
        );
    }
    Ok(sent.len())
}

/// Checks the list preview ingestion wrote against [`Incoming::stored`]: `lasts` holds each
/// contact's key (`wa_id`, else user id) with the last message they sent through the webhook.
pub async fn check_previews(
    store: &Store,
    project_id: &str,
    lasts: &[(String, Incoming)],
) -> anyhow::Result<usize> {
    for (contact_key, message) in lasts {
        let preview: String = sqlx::query_scalar(
            "SELECT last_message_preview FROM conversations WHERE project_id = $1 AND contact_key = $2",
        )
        .bind(project_id)
        .bind(contact_key)
        .fetch_one(store.pool())
        .await?;
        let expected = message.stored().preview;
        anyhow::ensure!(
            preview == expected,
            "the seed would write the preview {expected:?} where ingestion wrote {preview:?}"
        );
    }
    Ok(lasts.len())
}
