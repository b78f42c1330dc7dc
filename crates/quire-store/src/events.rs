//! The live event stream's rows: what changed in a project, written in the same transaction
//! as the change, with ids from the database so every instance sees one order.
//!
//! Within a project, ids commit in id order: `SQLite` has one writer at a time, and on
//! `PostgreSQL` [`Store::append_event`] takes a per-project advisory lock (held until the
//! transaction ends) before drawing an id. A reader that has seen id `n` of a project has
//! therefore seen every committed id below it, and "the rows after `n`" is a complete resume.
//!
//! Readers learn of new rows through [`Store::event_wakes`]: this process's writers announce
//! them after commit ([`Store::announce_events`]), and on `PostgreSQL` every instance's writers
//! do through `NOTIFY quire_events` (delivered at commit), which [`Store::follow_events`]
//! listens to.

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};
use tokio::sync::broadcast;

use crate::exec::{Args, Columns, Exec, FromColumns};
use crate::{
    Backend, StatementTexts, Store, StoreError, Tx, now_ms, parse_column, row_chunks, values_rows,
};

/// The `PostgreSQL` channel on which a committed event names its project.
const EVENTS_CHANNEL: &str = "quire_events";

/// The first key of the advisory locks [`Store::append_event`] takes, the project's hash being
/// the second: keeps them apart from any other advisory lock ("QE" in ASCII).
const EVENT_LOCK_CLASS: i32 = 0x5145;

/// Wakes that may wait for a slow reader before it is told it missed some (and wakes every
/// project instead).
const WAKE_BUFFER: usize = 1024;

text_enum! {
    /// Who may receive an event: every member of the project, or its owners and admins only
    /// (drafts, previews, function activity).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Audience { Members = "members", Editors = "editors" }
    error UnknownAudience = "unknown event audience {0:?}: members or editors";
}

/// An event to append.
#[derive(Clone, Debug)]
pub struct NewEvent<'a> {
    pub project_id: &'a str,
    /// A dotted name such as `page.published`; clients dispatch on it.
    pub kind: &'a str,
    pub audience: Audience,
    /// Narrows who receives it within the audience (a `WhatsApp` phone number id, for embeds
    /// limited to one number); `None` is the whole project.
    pub scope: Option<&'a str>,
    /// What clients receive as the event's data: JSON text, as it is stored and sent.
    pub data: String,
}

impl<'a> NewEvent<'a> {
    /// An event whose data is `data` as JSON (written straight to text: a writer of many
    /// events builds no JSON tree first).
    pub fn new(
        project_id: &'a str,
        kind: &'a str,
        audience: Audience,
        data: impl serde::Serialize,
    ) -> Self {
        Self {
            project_id,
            kind,
            audience,
            scope: None,
            // Only a map with keys that are not strings fails, and no event data has one.
            data: serde_json::to_string(&data).unwrap_or_else(|_| "null".to_owned()),
        }
    }

    /// The same event, for subscribers of `scope` (and those of the whole project) only.
    #[must_use]
    pub fn scoped(self, scope: &'a str) -> Self {
        Self {
            scope: Some(scope),
            ..self
        }
    }
}

/// A stored event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub project_id: String,
    pub kind: String,
    pub audience: Audience,
    pub scope: Option<String>,
    /// JSON text, as written: passed to clients as it is.
    pub data: String,
    pub created_at: i64,
}

const EVENT_COLUMNS: &str = "id, project_id, kind, audience, scope, data, created_at";

/// The id `RETURNING id` answers for an appended event.
struct AppendedId(i64);

impl FromColumns for AppendedId {
    fn from_columns(row: &impl Columns) -> Result<Self, StoreError> {
        Ok(Self(row.integer("id")?))
    }
}

impl FromRow<'_, AnyRow> for Event {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            project_id: row.try_get("project_id")?,
            kind: row.try_get("kind")?,
            audience: parse_column(row, "audience")?,
            scope: row.try_get("scope")?,
            data: row.try_get("data")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// The ids of a project's events still stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetainedEvents {
    pub oldest: i64,
    pub latest: i64,
}

/// News for readers of the event stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventWake {
    /// The project (by id) has new committed events.
    Project(Arc<str>),
    /// Any project may have: announcements may have been missed (the database connection
    /// that listens was lost, or the reader fell behind).
    All,
}

/// The in-process side of [`Store::event_wakes`], shared by a store's clones.
#[derive(Debug)]
pub(crate) struct Wakes {
    sender: broadcast::Sender<EventWake>,
    /// Set once `LISTEN quire_events` runs for this store.
    following: tokio::sync::OnceCell<()>,
}

impl Default for Wakes {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(WAKE_BUFFER).0,
            following: tokio::sync::OnceCell::new(),
        }
    }
}

impl Store {
    /// Appends `event` inside `tx` and answers its id. Append events last, just before the
    /// commit: on `PostgreSQL` this takes the project's event lock, which other writers of the
    /// project wait for until `tx` ends, and queues `NOTIFY quire_events` with the project id,
    /// which `PostgreSQL` delivers to every instance at commit. After the commit, call
    /// [`Store::announce_events`] so this process's readers hear of it too (`SQLite` has no
    /// `NOTIFY`). A transaction that appends events of several projects must append them in
    /// the order of their project ids, so two such transactions cannot wait for each other.
    pub async fn append_event(
        &self,
        tx: &mut Tx<'_>,
        event: &NewEvent<'_>,
    ) -> Result<i64, StoreError> {
        self.append_events(tx, std::slice::from_ref(event))
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    /// Appends `events`, all of one project, inside `db`, in the order given (their ids
    /// follow it), as [`Store::append_event`] appends one; answers the last one's id (none
    /// when `events` is empty). Call it last before the commit, then
    /// [`Store::announce_events`].
    ///
    /// On `PostgreSQL` the lock, the `NOTIFY` and the rows are one statement: the lock is
    /// held from that statement to the end of the transaction, and each round trip while it
    /// is held is one that every other writer of the project waits for (bench/inbox, run O).
    /// Past 128 rows each statement takes the lock again (the transaction holds it already)
    /// and repeats the `NOTIFY` (`PostgreSQL` sends one per transaction).
    pub async fn append_events<'a>(
        &self,
        db: impl Into<Exec<'a>>,
        events: &[NewEvent<'_>],
    ) -> Result<Option<i64>, StoreError> {
        /// Values per row (its place, then the columns), and rows per statement.
        const VALUES: usize = 7;
        const ROWS: usize = 128;
        let Some(first) = events.first() else {
            return Ok(None);
        };
        assert!(
            events.iter().all(|e| e.project_id == first.project_id),
            "append_events takes the events of one project"
        );
        let mut db = db.into();
        let now = now_ms();
        let mut last = None;
        for chunk in row_chunks(events, ROWS) {
            // Ids follow the rows' order, and on PostgreSQL are drawn once the lock is held:
            // every row the insert reads comes through the join with `locked`.
            static TEXTS: StatementTexts = StatementTexts::new();
            let sql = TEXTS.get(self.backend, chunk.statement_rows, || {
                let (locked, from, first_value) = match self.backend {
                    Backend::Postgres => (
                        "locked AS MATERIALIZED \
                         (SELECT pg_advisory_xact_lock($1, hashtext($2)), pg_notify($3, $2)), ",
                        "v CROSS JOIN locked",
                        4,
                    ),
                    Backend::Sqlite => ("", "v", 1),
                };
                format!(
                    "WITH {locked}v (n, project_id, kind, audience, scope, data, created_at) \
                     AS (VALUES {}) \
                     INSERT INTO events (project_id, kind, audience, scope, data, created_at) \
                     SELECT project_id, kind, audience, scope, data, created_at FROM {from} \
                     WHERE n > 0 ORDER BY n RETURNING id",
                    values_rows(chunk.statement_rows, VALUES, first_value)
                )
            });
            let mut args = Args::with_capacity(3 + chunk.statement_rows * VALUES);
            if self.backend == Backend::Postgres {
                args.bind(EVENT_LOCK_CLASS)
                    .bind(first.project_id)
                    .bind(EVENTS_CHANNEL);
            }
            for (n, event) in chunk.padded() {
                args.bind(n)
                    .bind(event.project_id)
                    .bind(event.kind)
                    .bind(event.audience.as_str())
                    .bind(event.scope)
                    .bind(event.data.as_str())
                    .bind(now);
            }
            let ids: Vec<AppendedId> = db.fetch_all(sql, args).await?;
            last = ids.iter().map(|id| id.0).max().max(last);
        }
        Ok(last)
    }

    /// Appends `event` on its own (a change that stores nothing else, such as a preview shown
    /// to the project's other editors), commits and announces it. Answers its id.
    pub async fn append_event_alone(&self, event: &NewEvent<'_>) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let id = self.append_event(&mut tx, event).await?;
        tx.commit().await?;
        self.announce_events(event.project_id);
        Ok(id)
    }

    /// Tells this process's readers that `project_id` has new committed events: call it after
    /// committing a transaction that appended some. It never waits.
    pub fn announce_events(&self, project_id: &str) {
        // No receiver is no reader: nothing to tell.
        let _ = self
            .wakes
            .sender
            .send(EventWake::Project(Arc::from(project_id)));
    }

    /// News of committed events: this process's announcements, and on `PostgreSQL`, once
    /// [`Store::follow_events`] ran, every instance's. A receiver that falls behind gets
    /// `Lagged` and should treat it as [`EventWake::All`].
    pub fn event_wakes(&self) -> broadcast::Receiver<EventWake> {
        self.wakes.sender.subscribe()
    }

    /// On `PostgreSQL`, listens for every instance's events (`LISTEN quire_events`) and passes
    /// them on to [`Store::event_wakes`], in a task that ends with the store. Answers once the listening connection is up, so an event committed after
    /// the answer is never missed; after a lost connection is back, it wakes
    /// [`EventWake::All`], since notifications sent meanwhile are gone. Later calls answer at
    /// once. On `SQLite` there is nothing to listen to: one process serves a database file.
    pub async fn follow_events(&self) -> Result<(), StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        self.wakes
            .following
            .get_or_try_init(|| async {
                let listener = self.listener(EVENTS_CHANNEL).await?;
                tokio::spawn(pass_on_notifications(
                    listener,
                    self.wakes.sender.downgrade(),
                ));
                Ok::<_, StoreError>(())
            })
            .await?;
        Ok(())
    }

    /// The events of a project after id `after`, oldest first, at most `limit`.
    pub async fn events_after(
        &self,
        project_id: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Event>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE project_id = $1 AND id > $2 \
             ORDER BY id LIMIT $3"
        ))
        .bind(project_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The oldest and the latest id of a project's stored events; `None` when it has none
    /// (none written, or all pruned).
    pub async fn retained_events(
        &self,
        project_id: &str,
    ) -> Result<Option<RetainedEvents>, StoreError> {
        let (oldest, latest): (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT MIN(id), MAX(id) FROM events WHERE project_id = $1")
                .bind(project_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(oldest
            .zip(latest)
            .map(|(oldest, latest)| RetainedEvents { oldest, latest }))
    }

    /// The latest id of a project's stored events (0 when it has none).
    pub async fn latest_event_id(&self, project_id: &str) -> Result<i64, StoreError> {
        let latest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(id) FROM events WHERE project_id = $1")
                .bind(project_id)
                .fetch_one(&self.pool)
                .await?;
        Ok(latest.unwrap_or(0))
    }

    /// Deletes the events written before `older_than` (Unix milliseconds), and of each
    /// project all but the newest `keep_per_project`; answers how many went.
    pub async fn prune_events(
        &self,
        older_than: i64,
        keep_per_project: i64,
    ) -> Result<u64, StoreError> {
        let mut deleted = sqlx::query("DELETE FROM events WHERE created_at < $1")
            .bind(older_than)
            .execute(&self.pool)
            .await?
            .rows_affected();
        let crowded: Vec<String> = sqlx::query_scalar(
            "SELECT project_id FROM events GROUP BY project_id HAVING COUNT(*) > $1",
        )
        .bind(keep_per_project)
        .fetch_all(&self.pool)
        .await?;
        for project_id in crowded {
            let newest_dropped: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM events WHERE project_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2",
            )
            .bind(&project_id)
            .bind(keep_per_project)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(id) = newest_dropped {
                deleted += sqlx::query("DELETE FROM events WHERE project_id = $1 AND id <= $2")
                    .bind(&project_id)
                    .bind(id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
            }
        }
        Ok(deleted)
    }
}

/// Passes `quire_events` notifications on as wakes until nobody receives them any more.
async fn pass_on_notifications(
    mut listener: sqlx::postgres::PgListener,
    wakes: broadcast::WeakSender<EventWake>,
) {
    loop {
        let wake = match listener.try_recv().await {
            Ok(Some(notification)) => EventWake::Project(Arc::from(notification.payload())),
            // Reconnected (the listener listens again before answering): anything may have
            // been committed meanwhile.
            Ok(None) => {
                tracing::warn!(
                    "lost the database connection that hears of new events; reconnected"
                );
                EventWake::All
            }
            Err(error) => {
                tracing::warn!(%error, "cannot hear of other instances' events; retrying in a second");
                tokio::time::sleep(Duration::from_secs(1)).await;
                // Listening again reconnects when the connection is gone.
                if let Err(error) = listener.listen(EVENTS_CHANNEL).await {
                    tracing::debug!(%error, "still cannot listen for events");
                    continue;
                }
                EventWake::All
            }
        };
        // The store is gone: nobody can ask for wakes any more.
        let Some(sender) = wakes.upgrade() else {
            return;
        };
        let _ = sender.send(wake);
    }
}
