//! Quire's persistence: one `Store` over `SQLite` (the embedded default) or `PostgreSQL`.
//!
//! Both backends run the same SQL through sqlx's `Any` driver; only the DDL differs, so each has
//! its own migrations under `migrations/<backend>`. Queries are checked at run time, so a build
//! needs no live database. Times are Unix milliseconds; ids are random UUID strings.

/// A closed set of names stored as text: the enum, `as_str`, `Display`, and `FromStr` with an
/// error type whose message says what is allowed, all from one list.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($variant:ident = $text:literal),+ $(,)? }
        error $error:ident = $message:literal;
    ) => {
        $(#[$meta])*
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[derive(Debug, thiserror::Error)]
        #[error($message)]
        pub struct $error(String);

        impl std::str::FromStr for $name {
            type Err = $error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err($error(other.to_owned())),
                }
            }
        }
    };
}

mod artifacts;
mod assets;
mod audit;
pub mod backup;
mod call_counts;
mod checkpoint;
mod conversations;
mod early_statuses;
mod error;
mod events;
mod exec;
mod functions;
mod inbox_embeds;
mod invitations;
mod invocations;
mod kv;
mod local;
mod messages;
mod page_versions;
mod pages;
mod projects;
mod public_links;
mod search_text;
mod secrets;
mod sessions;
pub mod testing;
mod tokens;
mod users;
mod whatsapp;
mod write_connection;

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};

use checkpoint::WRITER_CHECKPOINT_PAGES;
use write_connection::Waiting;

pub use artifacts::NewArtifact;
pub use assets::{Asset, AssetContent, NewAsset, PutAsset};
pub use audit::{ACCOUNT_ACTIONS, AuditEntry, AuditFilter, NewAuditEntry};
pub use call_counts::{CallCount, CallTotals, LastCall, hour_of};
pub use conversations::{
    Activity, ContactSeen, Conversation, ConversationCursor, ConversationFilter, conversation_in,
    conversations_in, mark_conversation_read, record_activities, record_activity,
    set_conversation_metadata, upsert_conversation, upsert_conversations,
};
pub use early_statuses::HELD_FOR_MS;
pub use error::StoreError;
pub use events::{Audience, Event, EventWake, NewEvent, RetainedEvents, UnknownAudience};
pub use exec::Exec;
pub use functions::{
    Function, FunctionChanges, FunctionStatus, FunctionVersion, NewFunction, UnknownFunctionStatus,
};
pub use inbox_embeds::{InboxEmbed, InboxEmbedChanges, NewInboxEmbed};
pub use invitations::{Invitation, NewInvitation};
pub use invocations::InvocationRecord;
pub use local::LocalTx;
pub use messages::{
    Message, MessageCursor, MessageDirection, MessageStatus, NewMessage, SendOutcome, StatusChange,
    UnknownMessageDirection, UnknownMessageStatus, apply_status, finish_send, insert_message,
    insert_messages,
};
pub use page_versions::{NewPageVersion, PageHead, PageVersion};
pub use pages::{INBOX_MOUNT_POINT, NewPage, Page, PageChanges, PageStatus, UnknownPageStatus};
pub use projects::{Member, Membership, Project, Role, UnknownRole};
pub use public_links::{NewPublicLink, PublicLink};
pub use search_text::search_text;
pub use secrets::SecretName;
pub use sessions::Session;
pub use tokens::{ApiToken, NewApiToken};
pub use users::User;
pub use whatsapp::{
    DELIVERY_NOTED_EVERY_MS, NewWhatsappConnection, WhatsappConnection, WhatsappConnectionChanges,
    note_delivery,
};
pub use write_connection::WriteConnection;

/// Which database a `Store` talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The handle every part of the server shares. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    /// On `SQLite`, the one connection write transactions take: writers queue for it instead
    /// of polling for the file's lock. (Its holder may write through a connection of its own
    /// instead: see `local.rs`.) On `PostgreSQL`, the pool.
    writer: AnyPool,
    backend: Backend,
    url: Arc<str>,
    /// Moves on every committed change to what callers may cache; see [`Store::generation`].
    generation: Arc<AtomicU64>,
    /// News of committed events for the live stream; see [`Store::event_wakes`].
    wakes: Arc<events::Wakes>,
    /// Told of every write transaction; see [`Store::run_checkpoints`].
    checkpoints: Arc<tokio::sync::Notify>,
    /// Writers waiting for a write connection; see [`WriteConnection::wanted`].
    writers_waiting: Arc<AtomicUsize>,
    /// On `SQLite`, the delivery writer's own connection while no writer holds it; see
    /// `local.rs`.
    local: Arc<local::Idle>,
}

/// The `PostgreSQL` channel on which instances announce changes to each other.
const CHANGES_CHANNEL: &str = "quire_changes";

pub type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`) and applies migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let connect = |options: AnyPoolOptions| async move {
            options
                .acquire_timeout(Duration::from_secs(15))
                .connect(url)
                .await
                .map_err(|source| StoreError::Connect {
                    url: redact_url(url),
                    source,
                })
        };
        let (pool, writer) = match backend {
            // One writer at a time is SQLite's model; WAL lets readers run beside it, and the
            // busy timeout makes writes outside a transaction queue instead of failing with
            // SQLITE_BUSY.
            Backend::Sqlite => {
                let pool = connect(sqlite_options(8, SQLITE_CACHE_KIB)).await?;
                let writer = connect(sqlite_options(1, SQLITE_WRITER_CACHE_KIB)).await?;
                (pool, writer)
            }
            Backend::Postgres => {
                let pool = connect(AnyPoolOptions::new().max_connections(16)).await?;
                (pool.clone(), pool)
            }
        };
        let store = Self {
            pool,
            writer,
            backend,
            url: Arc::from(url),
            generation: Arc::default(),
            wakes: Arc::default(),
            checkpoints: Arc::default(),
            writers_waiting: Arc::default(),
            local: Arc::default(),
        };
        store.migrate().await?;
        store.write_missing_search_texts().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await.map_err(StoreError::Migrate)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A number that moves after every committed write to users, sessions, API tokens,
    /// projects, memberships, functions or secrets: by this process, and on `PostgreSQL`, once
    /// [`Store::follow_changes`] runs, by any instance. A cached read of those tables is current
    /// while this number is the one it was read under. (Hot-path writes — invocation records,
    /// KV, a token's `last_used_at`, the audit log — leave it alone.)
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Called after each committed write that [`Store::generation`] covers.
    async fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if self.backend == Backend::Postgres
            && let Err(error) = sqlx::query("SELECT pg_notify($1, '')")
                .bind(CHANGES_CHANNEL)
                .execute(&self.pool)
                .await
        {
            tracing::warn!(%error, "could not announce a change to other instances; their caches catch up within a second");
        }
    }

    /// On `PostgreSQL`, listens for the changes other instances announce and moves
    /// [`Store::generation`] on each, in a background task that lives as long as the process.
    /// Losing the connection moves it too (announcements may have been missed while down).
    /// On `SQLite` there is nothing to follow: one process serves a database file.
    pub async fn follow_changes(&self) -> Result<(), StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let mut listener = self.listener(CHANGES_CHANNEL).await?;
        let generation = self.generation.clone();
        tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        tracing::warn!(
                            "lost the database connection that follows other instances' changes; reconnecting"
                        );
                    }
                    Err(error) => {
                        tracing::warn!(%error, "could not follow other instances' changes; retrying in a second");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                generation.fetch_add(1, Ordering::AcqRel);
            }
        });
        Ok(())
    }

    /// A `PostgreSQL` connection of its own that listens on `channel`.
    async fn listener(&self, channel: &str) -> Result<sqlx::postgres::PgListener, StoreError> {
        let mut listener = sqlx::postgres::PgListener::connect(&self.url)
            .await
            .map_err(|source| StoreError::Connect {
                url: redact_url(&self.url),
                source,
            })?;
        listener.listen(channel).await?;
        Ok(listener)
    }

    /// Answers whether the database is reachable (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a write transaction. On `SQLite` it takes the write lock up front (`BEGIN
    /// IMMEDIATE`), so two writers queue on the busy timeout instead of deadlocking on upgrade.
    ///
    /// The transaction starts in a task of its own, which finishes whatever becomes of the
    /// caller: sqlx's `SQLite` driver checks a custom `BEGIN` in a second step, and a caller
    /// dropped between the two (a client that hung up) would leave the one write connection
    /// inside a transaction nobody ends, failing every later write. A transaction whose
    /// caller went away is rolled back as it drops.
    pub async fn begin(&self) -> Result<Tx<'static>, StoreError> {
        let statement = self.begin_statement();
        let (writer, waiting) = (self.writer.clone(), self.writers_waiting.clone());
        let starting = tokio::spawn(async move {
            let _waiting = Waiting::count(&waiting);
            writer.begin_with(statement).await
        });
        match starting.await {
            Ok(started) => Ok(started?),
            Err(stopped) => Err(StoreError::unavailable(format!(
                "a write transaction could not start: {stopped}"
            ))),
        }
    }

    /// The statement that starts a write transaction (see [`Store::begin`]); on `SQLite` the
    /// checkpointer hears of it.
    pub(crate) fn begin_statement(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => {
                self.checkpoints.notify_one();
                "BEGIN IMMEDIATE"
            }
            Backend::Postgres => "BEGIN",
        }
    }

    /// Checkpoints the `SQLite` write-ahead log into the main file (on shutdown) and closes.
    pub async fn close(&self) {
        self.local.close();
        if self.backend == Backend::Sqlite
            && let Err(error) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await
        {
            tracing::warn!(%error, "could not checkpoint the SQLite write-ahead log");
        }
        self.pool.close().await;
        self.writer.close().await;
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// The page cache of each `SQLite` reading connection, in KiB (`SQLite`'s default).
const SQLITE_CACHE_KIB: i64 = 2000;
/// The page cache of the `SQLite` writing connection, in KiB: it keeps what writes walk
/// (the upper pages of every index they touch) from one transaction to the next. Not more:
/// while the file is under 1 GiB, a commit after a b-tree rebalanced pages walks the whole
/// cache (`SQLite` swaps the pages through the page number past 1 GiB, and the commit then
/// drops every cached page past the file's end by visiting them all), which at 64 MiB took a
/// seventh of the writer's time (bench/inbox, run I).
pub(crate) const SQLITE_WRITER_CACHE_KIB: i64 = 16 * 1024;

/// How much of the `SQLite` database file each connection reads through a memory map rather
/// than by copying each page out of the operating system's cache (`SQLite` maps at most 2 GiB
/// as built here, and reads the rest as before). Ingestion into a history of a million
/// messages takes a fifteenth less CPU per delivery (bench/inbox, run J).
const SQLITE_MMAP_BYTES: i64 = 2 * 1024 * 1024 * 1024;

/// `SQLite` connections, at most `connections`, each with a page cache of `cache_kib`.
/// Temporary data stays in memory (`temp_store`): a statement that writes many rows keeps the
/// pages it may have to undo in a statement journal, which otherwise spills to a file of its
/// own past 64 KiB (a batch of deliveries made one, wrote and deleted it, in each statement).
/// Checkpoints are [`Store::run_checkpoints`]'s, mostly.
fn sqlite_options(connections: u32, cache_kib: i64) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        // A connection to a local file does not go away; sqlx's test before handing one out
        // is a round trip to the connection's thread, which writers pay on every transaction.
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                conn.execute(sqlite_pragmas(cache_kib).as_str()).await?;
                Ok(())
            })
        })
}

/// How every `SQLite` connection is set up, with a page cache of `cache_kib` (see
/// [`sqlite_options`]).
fn sqlite_pragmas(cache_kib: i64) -> String {
    format!(
        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
         PRAGMA cache_size = -{cache_kib}; PRAGMA temp_store = MEMORY; \
         PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}; \
         PRAGMA mmap_size = {SQLITE_MMAP_BYTES};"
    )
}

/// `items` in slices for multi-row statements: at most `most` rows each (`most` a power of
/// two), so a batch takes one statement per `most` rows. Each statement is written for a
/// power of two of rows, the slice's rows and then padding (see [`RowChunk::padded`]), so a
/// statement of any row count is one of a few texts and the connection's statement cache keeps
/// them all prepared. Keep `most` times the values per row under the lower of the backends'
/// limits (`SQLite`'s 32,766 bound values, `PostgreSQL`'s 65,535).
fn row_chunks<T>(items: &[T], most: usize) -> impl Iterator<Item = RowChunk<'_, T>> {
    debug_assert!(most.is_power_of_two());
    items.chunks(most).map(|rows| RowChunk {
        rows,
        statement_rows: rows.len().next_power_of_two(),
    })
}

/// The texts of one multi-row statement, one per backend and row count (see [`row_chunks`]),
/// each made once: a batch writer would otherwise spend more time writing out a statement of
/// a hundred rows than the database spends reading it from its statement cache. Keep one in
/// a `static` beside the statement.
struct StatementTexts([OnceLock<String>; 2 * STATEMENT_SIZES]);

/// Row counts a multi-row statement may be written for: the powers of two up to 512.
const STATEMENT_SIZES: usize = 10;

impl StatementTexts {
    const fn new() -> Self {
        Self([const { OnceLock::new() }; 2 * STATEMENT_SIZES])
    }

    /// The statement for `backend` and `rows` (a power of two), as [`positional`] binds it;
    /// `text` writes it, with `$n` placeholders, the first time.
    fn get(&self, backend: Backend, rows: usize, text: impl FnOnce() -> String) -> &str {
        debug_assert!(rows.is_power_of_two() && rows < 1 << STATEMENT_SIZES);
        let size = rows.trailing_zeros() as usize;
        let slot = match backend {
            Backend::Sqlite => size,
            Backend::Postgres => STATEMENT_SIZES + size,
        };
        self.0[slot].get_or_init(|| positional(backend, &text()))
    }
}

/// The rows of one multi-row statement (see [`row_chunks`]).
struct RowChunk<'a, T> {
    rows: &'a [T],
    /// The rows the statement is written for: `rows`, then padding.
    statement_rows: usize,
}

impl<'a, T> RowChunk<'a, T> {
    /// Each of the statement's rows with its place among the rows, from 1; padding repeats the
    /// last row in place 0. A statement that writes filters its rows on their place (`WHERE
    /// n > 0`); an `IN` list may take the repeats as they are.
    fn padded(&self) -> impl Iterator<Item = (i64, &'a T)> {
        let rows = self.rows;
        let last = rows.last();
        (0..self.statement_rows).filter_map(move |i| match rows.get(i) {
            Some(row) => Some((i64::try_from(i + 1).unwrap_or(i64::MAX), row)),
            None => last.map(|row| (0, row)),
        })
    }
}

/// `sql`, whose placeholders are `$1`, `$2`, … each once and in that order, as `backend`
/// binds it fastest: on `SQLite` with plain `?` (bound in the same order), since it looks a
/// numbered parameter's name up by walking the list of all of them, which makes binding a
/// statement of a thousand values cost a million steps.
fn positional(backend: Backend, sql: &str) -> String {
    if backend == Backend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    let mut expected = 1;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - at - 1);
        debug_assert_eq!(
            rest[at + 1..at + 1 + digits].parse::<usize>().ok(),
            Some(expected),
            "placeholders in order, each once: {sql}"
        );
        expected += 1;
        out.push('?');
        rest = &rest[at + 1 + digits..];
    }
    out.push_str(rest);
    out
}

/// The rows of a multi-row `VALUES`: `rows` tuples of `columns` placeholders, numbered from
/// `$first` on (`($1, $2), ($3, $4)`).
fn values_rows(rows: usize, columns: usize, first: usize) -> String {
    use std::fmt::Write as _;
    let mut sql = String::with_capacity(rows * columns * 6);
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            let n = first + row * columns + column;
            let _ = write!(sql, "{}${n}", if column == 0 { "" } else { ", " });
        }
        sql.push(')');
    }
    sql
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl {
                url: redact_url(url),
            })
        }
    }
}

/// A database URL fit for logs and error messages: the password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// Milliseconds since the Unix epoch, the store's one time representation.
pub fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX)
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A new id that sorts after every id this process made before (a `UUIDv7`), for rows that are
/// listed in the order they were written.
pub fn new_ordered_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Reads a text column as an enum through `FromStr`.
fn parse_column<T: FromStr>(row: &AnyRow, column: &str) -> Result<T, sqlx::Error>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    use sqlx::Row;
    let text: String = row.try_get(column)?;
    text.parse()
        .map_err(|error| exec::undecodable(column, Box::new(error)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_go_in_statements_of_powers_of_two() {
        let items: Vec<usize> = (0..300).collect();
        let sizes: Vec<(usize, usize)> = row_chunks(&items, 128)
            .map(|chunk| (chunk.rows.len(), chunk.statement_rows))
            .collect();
        assert_eq!(sizes, [(128, 128), (128, 128), (44, 64)]);
        let again: Vec<usize> = row_chunks(&items, 128)
            .flat_map(|chunk| chunk.rows)
            .copied()
            .collect();
        assert_eq!(again, items);
        assert_eq!(row_chunks(&items[..1], 128).count(), 1);
        assert_eq!(row_chunks(&items[..0], 128).count(), 0);
    }

    #[test]
    fn padding_repeats_the_last_row_in_place_zero() {
        let items = [10, 20, 30];
        let chunk = row_chunks(&items, 128).next().unwrap();
        let rows: Vec<(i64, i32)> = chunk.padded().map(|(n, row)| (n, *row)).collect();
        assert_eq!(rows, [(1, 10), (2, 20), (3, 30), (0, 30)]);
    }

    #[test]
    fn sqlite_binds_in_order() {
        let sql = format!("SELECT $1 WHERE a IN {}", values_rows(2, 2, 2));
        assert_eq!(
            positional(Backend::Sqlite, &sql),
            "SELECT ? WHERE a IN (?, ?), (?, ?)"
        );
        assert_eq!(positional(Backend::Postgres, &sql), sql);
    }

    #[test]
    fn values_rows_number_their_placeholders() {
        assert_eq!(values_rows(2, 3, 2), "($2, $3, $4), ($5, $6, $7)");
        assert_eq!(values_rows(1, 1, 1), "($1)");
    }
}
