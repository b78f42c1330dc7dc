//! The delivery writer's own `SQLite` connection: the library's calls on the writer's thread,
//! where sqlx would hand each statement to a thread of the connection's (see `exec.rs`). It
//! writes only while its holder holds the store's write connection ([`WriteConnection`]), so
//! it never runs beside another writer of the store, and the store keeps it between holders
//! (its page cache and prepared statements stay warm).

use std::str::FromStr;
use std::sync::{Mutex, PoisonError};

use rusqlite::OpenFlags;
use sqlx::sqlite::SqliteConnectOptions;

use crate::exec::Exec;
use crate::{Backend, SQLITE_WRITER_CACHE_KIB, Store, StoreError, WriteConnection, sqlite_pragmas};

/// Statements each connection keeps prepared: a multi-row statement has a text per power of
/// two of rows (see `row_chunks`), and a batch writes several.
const PREPARED_STATEMENTS: usize = 128;

/// The connection while no writer holds it.
#[derive(Debug, Default)]
pub(crate) struct Idle(Mutex<Option<rusqlite::Connection>>);

impl Idle {
    fn take(&self) -> Option<rusqlite::Connection> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    fn keep(&self, connection: rusqlite::Connection) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(connection);
    }

    /// Closes it (the store closes).
    pub(crate) fn close(&self) {
        drop(self.take());
    }
}

/// A write transaction on the writer's own connection. Dropped without
/// [`LocalTx::commit`], it rolls back.
pub struct LocalTx<'a> {
    connection: &'a mut rusqlite::Connection,
    open: bool,
}

impl LocalTx<'_> {
    /// Where the transaction's statements run.
    pub fn exec(&mut self) -> Exec<'_> {
        Exec::Local(self.connection)
    }

    /// Commits; when the commit fails, the transaction rolls back as it drops.
    pub fn commit(mut self) -> Result<(), StoreError> {
        self.connection.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for LocalTx<'_> {
    fn drop(&mut self) {
        if self.open
            && let Err(error) = self.connection.execute_batch("ROLLBACK")
        {
            tracing::warn!(%error, "could not roll back the delivery writer's transaction");
        }
    }
}

impl WriteConnection {
    /// On `SQLite`, starts a write transaction on the writer's own connection (see the
    /// module's header), which the store opens once and keeps; `None` on `PostgreSQL`, whose
    /// connections answer over the network anyway.
    pub fn begin_local(&mut self) -> Result<Option<LocalTx<'_>>, StoreError> {
        if self.store().backend != Backend::Sqlite {
            return Ok(None);
        }
        let statement = self.store().begin_statement();
        let connection = match self.local.take().or_else(|| self.store().local.take()) {
            Some(connection) => connection,
            None => open(self.store())?,
        };
        let connection = self.local.insert(connection);
        connection.execute_batch(statement)?;
        Ok(Some(LocalTx {
            connection,
            open: true,
        }))
    }

    /// Gives the writer's own connection back to the store, for the next holder.
    pub(crate) fn keep_local(&mut self) {
        if let Some(connection) = self.local.take() {
            self.store().local.keep(connection);
        }
    }
}

/// Opens the writer's own connection to `store`'s file, set up as sqlx's writer is.
fn open(store: &Store) -> Result<rusqlite::Connection, StoreError> {
    let options = SqliteConnectOptions::from_str(&store.url)?;
    let connection = rusqlite::Connection::open_with_flags(
        options.get_filename(),
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.execute_batch(&sqlite_pragmas(SQLITE_WRITER_CACHE_KIB))?;
    connection.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
    Ok(connection)
}
