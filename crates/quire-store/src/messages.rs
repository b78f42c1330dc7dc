//! Messages of inbox conversations: stored once per WhatsApp message id (`wamid`), whatever
//! how often a delivery repeats it, and moved forward by status updates only
//! (`pending < sent < delivered < read`; `failed` ends it). The writes take the caller's
//! transaction, so a delivery or a reply commits whole.

use std::collections::HashSet;

use crate::early_statuses::{self, StatusReport};
use crate::exec::{Args, Columns, Exec, FromColumns};
use crate::search_text::search_text;
use crate::{
    Backend, StatementTexts, Store, StoreError, Tx, new_ordered_id, now_ms, positional, row_chunks,
    values_rows,
};

text_enum! {
    /// Who sent a message: the contact (`inbound`) or the business (`outbound`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum MessageDirection { Inbound = "inbound", Outbound = "outbound" }
    error UnknownMessageDirection = "unknown message direction {0:?}: inbound or outbound";
}

text_enum! {
    /// Where a message stands. Inbound messages are `received`; outbound ones move from
    /// `pending` (on its way to the Cloud API) through `sent`, `delivered` and `read`, or end
    /// `failed`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum MessageStatus {
        Received = "received",
        Pending = "pending",
        Sent = "sent",
        Delivered = "delivered",
        Read = "read",
        Failed = "failed",
    }
    error UnknownMessageStatus = "unknown message status {0:?}: received, pending, sent, delivered, read or failed";
}

impl MessageStatus {
    /// How far an outbound message has come; a status only replaces a lower one. `failed` is
    /// the highest: nothing moves a failed message again.
    fn progress(self) -> i64 {
        match self {
            Self::Received | Self::Pending => 0,
            Self::Sent => 1,
            Self::Delivered => 2,
            Self::Read => 3,
            Self::Failed => 4,
        }
    }

    /// [`Self::progress`] of the `status` column, in SQL.
    fn progress_sql() -> String {
        use std::fmt::Write as _;
        let mut sql = String::from("CASE status");
        for status in [Self::Sent, Self::Delivered, Self::Read, Self::Failed] {
            let _ = write!(sql, " WHEN '{status}' THEN {}", status.progress());
        }
        sql + " ELSE 0 END"
    }
}

#[derive(Clone, Debug)]
pub struct Message {
    pub id: String,
    pub project_id: String,
    pub conversation_id: String,
    /// WhatsApp's id; `None` only while an outgoing message is being sent.
    pub wamid: Option<String>,
    pub direction: MessageDirection,
    /// Meta's type: `text`, `image`, `reaction`, `interactive`, `system`, `unsupported`, …
    pub kind: String,
    /// The text, caption, button title or reaction emoji, where the type has one.
    pub body: Option<String>,
    /// The type-specific object as Meta sent it (media id, mime type, reply id, context, …).
    pub data: serde_json::Value,
    pub status: MessageStatus,
    /// Why it failed: `{code, title, message, details}`.
    pub error: Option<serde_json::Value>,
    /// The member who sent an outbound message.
    pub sent_by: Option<String>,
    /// The embedded inbox an outbound message was written in (its name then), where no member
    /// sent it.
    pub sent_via: Option<String>,
    /// Inbound: WhatsApp's timestamp; outbound: when it was written.
    pub created_at: i64,
    /// When the status last moved.
    pub status_at: i64,
}

impl FromColumns for Message {
    fn from_columns(row: &impl Columns) -> Result<Self, StoreError> {
        let data = row.string("data")?;
        let error = row.text("error")?;
        Ok(Self {
            id: row.string("id")?,
            project_id: row.string("project_id")?,
            conversation_id: row.string("conversation_id")?,
            wamid: row.text("wamid")?,
            direction: row.parsed("direction")?,
            kind: row.string("type")?,
            body: row.text("body")?,
            data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
            status: row.parsed("status")?,
            error: error.and_then(|text| serde_json::from_str(&text).ok()),
            sent_by: row.text("sent_by")?,
            sent_via: row.text("sent_via")?,
            created_at: row.integer("created_at")?,
            status_at: row.integer("status_at")?,
        })
    }
}

crate::exec::from_row_through_columns!(Message);

const COLUMNS: &str = "id, project_id, conversation_id, wamid, direction, type, body, data, \
     status, error, sent_by, sent_via, created_at, status_at";

pub struct NewMessage<'a> {
    pub project_id: &'a str,
    pub conversation_id: &'a str,
    pub wamid: Option<&'a str>,
    pub direction: MessageDirection,
    pub kind: &'a str,
    pub body: Option<&'a str>,
    pub data: &'a serde_json::Value,
    pub status: MessageStatus,
    pub error: Option<&'a serde_json::Value>,
    pub sent_by: Option<&'a str>,
    pub sent_via: Option<&'a str>,
    pub created_at: i64,
}

impl NewMessage<'_> {
    /// The message as stored with the id `id`.
    fn stored_as(&self, id: &str) -> Message {
        Message {
            id: id.to_owned(),
            project_id: self.project_id.to_owned(),
            conversation_id: self.conversation_id.to_owned(),
            wamid: self.wamid.map(str::to_owned),
            direction: self.direction,
            kind: self.kind.to_owned(),
            body: self.body.map(str::to_owned),
            data: self.data.clone(),
            status: self.status,
            error: self.error.cloned(),
            sent_by: self.sent_by.map(str::to_owned),
            sent_via: self.sent_via.map(str::to_owned),
            created_at: self.created_at,
            status_at: self.created_at,
        }
    }
}

/// What a status update did to the message it names.
#[derive(Debug)]
pub enum StatusChange {
    /// The message moved to the new status.
    Applied(Box<Message>),
    /// The message is already as far or further (the update came late, or twice).
    Stale,
    /// The project has no outbound message with this `wamid` yet, but a reply of it is on its
    /// way: the status is held, and applied if that reply's wamid turns out to be this one.
    Held,
    /// The project has no outbound message with this `wamid`, and none on its way.
    Unknown,
}

/// Stores `new`; `None` when its project already has a message with its `wamid` (a
/// redelivery), in which case nothing is written.
pub async fn insert_message(
    tx: &mut Tx<'_>,
    new: &NewMessage<'_>,
) -> Result<Option<Message>, StoreError> {
    Ok(insert_messages(tx, std::slice::from_ref(new))
        .await?
        .pop()
        .flatten())
}

/// Stores `messages` in a few multi-row statements, in the order given; answers for each the
/// message stored, or `None` when its project already had a message with its `wamid` (a
/// redelivery, or an earlier one of `messages`), in which case nothing is written for it.
pub async fn insert_messages<'a>(
    db: impl Into<Exec<'a>>,
    messages: &[NewMessage<'_>],
) -> Result<Vec<Option<Message>>, StoreError> {
    /// Rows per statement.
    const ROWS: usize = 256;
    let mut db = db.into();
    let backend = db.backend();
    // On SQLite each message also keeps its words for search (see `search_text.rs`).
    let keeps_words = backend == Backend::Sqlite;
    let ids: Vec<String> = messages.iter().map(|_| new_ordered_id()).collect();
    let rows: Vec<(&NewMessage<'_>, &str)> = messages
        .iter()
        .zip(ids.iter().map(String::as_str))
        .collect();
    let mut stored: Vec<bool> = Vec::with_capacity(rows.len());
    for chunk in row_chunks(&rows, ROWS) {
        static TEXTS: StatementTexts = StatementTexts::new();
        let sql = TEXTS.get(backend, chunk.statement_rows, || {
            let columns = if keeps_words {
                format!("{COLUMNS}, search_text")
            } else {
                COLUMNS.to_owned()
            };
            // Its place, then the columns.
            let values = 1 + columns.split(',').count();
            format!(
                "WITH v (n, {columns}) AS (VALUES {}) \
                 INSERT INTO messages ({columns}) SELECT {columns} FROM v WHERE n > 0 \
                 ON CONFLICT (project_id, wamid) DO NOTHING",
                values_rows(chunk.statement_rows, values, 1)
            )
        });
        let mut args = Args::with_capacity(chunk.statement_rows * 16);
        for (n, (new, id)) in chunk.padded() {
            args.bind(n)
                .bind(*id)
                .bind(new.project_id)
                .bind(new.conversation_id)
                .bind(new.wamid)
                .bind(new.direction.as_str())
                .bind(new.kind)
                .bind(new.body)
                .bind(new.data.to_string())
                .bind(new.status.as_str())
                .bind(new.error.map(serde_json::Value::to_string))
                .bind(new.sent_by)
                .bind(new.sent_via)
                .bind(new.created_at)
                .bind(new.created_at);
            if keeps_words {
                args.bind(new.body.map(search_text));
            }
        }
        let inserted = db.execute(sql, args).await?;
        if usize::try_from(inserted).is_ok_and(|inserted| inserted == chunk.rows.len()) {
            stored.extend(chunk.rows.iter().map(|_| true));
        } else {
            // A wamid was taken (before, or by an earlier one of `messages`): the rows that
            // are there under their new ids are the ones stored. Rare (Meta delivering again),
            // so it costs a statement only then.
            let chunk_ids: Vec<&str> = chunk.rows.iter().map(|(_, id)| *id).collect();
            let found = existing_messages(&mut db, &chunk_ids).await?;
            stored.extend(chunk_ids.iter().map(|id| found.contains(*id)));
        }
    }
    Ok(rows
        .into_iter()
        .zip(stored)
        .map(|((new, id), stored)| stored.then(|| new.stored_as(id)))
        .collect())
}

/// Which of the messages `ids` (at most a few hundred) exist.
async fn existing_messages(db: &mut Exec<'_>, ids: &[&str]) -> Result<HashSet<String>, StoreError> {
    let sql = positional(
        db.backend(),
        &format!(
            "SELECT id FROM messages WHERE id IN {}",
            values_rows(1, ids.len(), 1)
        ),
    );
    let mut args = Args::with_capacity(ids.len());
    for id in ids {
        args.bind(*id);
    }
    Ok(db.fetch_texts(&sql, args).await?.into_iter().collect())
}

/// Moves the outbound message `wamid` of `project_id` to `status` (with `error` when it
/// failed) if that is further than where it is. A status that comes before its reply's wamid
/// is stored is held until it is (see `early_statuses.rs`).
pub async fn apply_status<'a>(
    db: impl Into<Exec<'a>>,
    project_id: &str,
    wamid: &str,
    status: MessageStatus,
    at: i64,
    error: Option<&serde_json::Value>,
) -> Result<StatusChange, StoreError> {
    let report = StatusReport {
        status,
        at,
        error: error.cloned(),
    };
    let mut db = db.into();
    // A reply's answer may be naming this wamid right now: wait for it to commit, and keep it
    // waiting until this transaction does, so the message does not move between the reads.
    early_statuses::lock_wamid(&mut db, wamid).await?;
    let change = move_status(&mut db, project_id, wamid, &report).await?;
    if !matches!(change, StatusChange::Unknown)
        || !early_statuses::reply_pending(&mut db, project_id).await?
    {
        return Ok(change);
    }
    early_statuses::hold(&mut db, project_id, wamid, &report, now_ms()).await?;
    Ok(StatusChange::Held)
}

/// [`apply_status`] for a message that has its wamid; `Unknown` when none has it.
async fn move_status(
    db: &mut Exec<'_>,
    project_id: &str,
    wamid: &str,
    report: &StatusReport,
) -> Result<StatusChange, StoreError> {
    let progress = MessageStatus::progress_sql();
    let mut args = Args::with_capacity(6);
    args.bind(report.status.as_str())
        .bind(report.at)
        .bind(report.error.as_ref().map(serde_json::Value::to_string))
        .bind(project_id)
        .bind(wamid)
        .bind(report.status.progress());
    let applied: Option<Message> = db
        .fetch_all(
            &format!(
                "UPDATE messages SET status = $1, status_at = $2, error = COALESCE($3, error) \
                 WHERE project_id = $4 AND wamid = $5 AND direction = 'outbound' \
                 AND {progress} < $6 RETURNING {COLUMNS}"
            ),
            args,
        )
        .await?
        .pop();
    if let Some(message) = applied {
        return Ok(StatusChange::Applied(Box::new(message)));
    }
    let mut args = Args::with_capacity(2);
    args.bind(project_id).bind(wamid);
    let known = db
        .fetch_texts(
            "SELECT id FROM messages WHERE project_id = $1 AND wamid = $2 \
             AND direction = 'outbound'",
            args,
        )
        .await?;
    Ok(if known.is_empty() {
        StatusChange::Unknown
    } else {
        StatusChange::Stale
    })
}

/// How the Cloud API answered an outgoing message.
pub enum SendOutcome<'a> {
    Sent { wamid: &'a str },
    Failed { error: &'a serde_json::Value },
}

/// Records the Cloud API's answer for the `pending` message `message_id`: its `wamid` and
/// `sent`, or `failed` with the error. `None` if the message is no longer pending. Statuses
/// that came for the wamid before it was stored are applied too; the message answered is
/// where they left it.
pub async fn finish_send(
    tx: &mut Tx<'_>,
    message_id: &str,
    outcome: &SendOutcome<'_>,
    at: i64,
) -> Result<Option<Message>, StoreError> {
    let (wamid, status, error) = match outcome {
        SendOutcome::Sent { wamid } => (Some(*wamid), MessageStatus::Sent, None),
        SendOutcome::Failed { error } => (None, MessageStatus::Failed, Some(error.to_string())),
    };
    if let Some(wamid) = wamid {
        // Before the wamid is written: a status holding it now is committed before we look.
        early_statuses::lock_wamid(&mut Exec::from(&mut *tx), wamid).await?;
    }
    let Some(mut message) = store_send_result(tx, message_id, wamid, status, error, at).await?
    else {
        return Ok(None);
    };
    if let Some(wamid) = wamid {
        for held in early_statuses::take(tx, &message.project_id, wamid).await? {
            let change =
                move_status(&mut Exec::from(&mut *tx), &message.project_id, wamid, &held).await?;
            if let StatusChange::Applied(moved) = change {
                message = *moved;
            }
        }
    }
    Ok(Some(message))
}

/// The write of [`finish_send`] itself.
async fn store_send_result(
    tx: &mut Tx<'_>,
    message_id: &str,
    wamid: Option<&str>,
    status: MessageStatus,
    error: Option<String>,
    at: i64,
) -> Result<Option<Message>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "UPDATE messages SET wamid = COALESCE($1, wamid), status = $2, error = $3, status_at = $4 \
         WHERE id = $5 AND status = 'pending' RETURNING {COLUMNS}"
    ))
    .bind(wamid)
    .bind(status.as_str())
    .bind(error)
    .bind(at)
    .bind(message_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Where a page of a thread starts: after the message at `(created_at, id)`.
pub type MessageCursor<'a> = (i64, &'a str);

impl Store {
    /// A page of a conversation's messages, newest first, after `before` when given.
    pub async fn messages(
        &self,
        conversation_id: &str,
        before: Option<MessageCursor<'_>>,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        let after_cursor = if before.is_some() {
            "AND (created_at, id) < ($3, $4)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM messages WHERE conversation_id = $1 {after_cursor} \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        let mut query = sqlx::query_as(&sql).bind(conversation_id).bind(limit);
        if let Some((created_at, id)) = before {
            query = query.bind(created_at).bind(id);
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// The message `message_id` of `project_id`.
    pub async fn message(
        &self,
        project_id: &str,
        message_id: &str,
    ) -> Result<Option<Message>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM messages WHERE project_id = $1 AND id = $2"
        ))
        .bind(project_id)
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The message of `project_id` with WhatsApp id `wamid`.
    pub async fn message_by_wamid(
        &self,
        project_id: &str,
        wamid: &str,
    ) -> Result<Option<Message>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM messages WHERE project_id = $1 AND wamid = $2"
        ))
        .bind(project_id)
        .bind(wamid)
        .fetch_optional(&self.pool)
        .await?)
    }
}

impl Store {
    /// On `SQLite`, writes the search words of the messages stored before message search kept
    /// them (migration 0014), a few hundred at a time; after that, once, there is nothing to do
    /// (the migration's partial index answers so at once).
    pub(crate) async fn write_missing_search_texts(&self) -> Result<(), StoreError> {
        const ROWS: usize = 256;
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let missing: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM messages WHERE search_text IS NULL AND body IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        if missing == 0 {
            return Ok(());
        }
        tracing::info!(
            messages = missing,
            "writing the search words of the messages stored before this version (once)"
        );
        loop {
            let mut tx = self.begin().await?;
            let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
                "SELECT seq, body FROM messages WHERE search_text IS NULL AND body IS NOT NULL \
                 ORDER BY seq LIMIT {ROWS}"
            ))
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                return Ok(());
            }
            let sql = positional(
                Backend::Sqlite,
                &format!(
                    "WITH v (seq, words) AS (VALUES {}) \
                     UPDATE messages SET search_text = v.words FROM v WHERE messages.seq = v.seq",
                    values_rows(rows.len(), 2, 1)
                ),
            );
            let mut query = sqlx::query(&sql);
            for (seq, body) in &rows {
                query = query.bind(*seq).bind(search_text(body));
            }
            query.execute(&mut *tx).await?;
            tx.commit().await?;
        }
    }
}
