//! A write connection held across transactions, by a writer that writes many in a row (the
//! delivery writer during a flood). Taking the connection from the pool for each transaction
//! costs a round trip to it as it goes back (sqlx tests every connection it takes back) and,
//! on `SQLite`, hand-offs to the connection's thread: a sixth of a batch of deliveries. On
//! `SQLite`, where every writer takes this one connection, its holder lets it go as soon as
//! another writer waits for it ([`WriteConnection::wanted`]), and may write through a
//! connection of its own while it holds it ([`WriteConnection::begin_local`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection;
use sqlx::pool::PoolConnection;

use crate::{Backend, Store, StoreError, Tx};

/// A connection of the store's writers, held; see the module's header.
pub struct WriteConnection {
    connection: PoolConnection<sqlx::Any>,
    store: Store,
    /// On `SQLite`, the writer's own connection while this holds it (see `local.rs`).
    pub(crate) local: Option<rusqlite::Connection>,
}

impl Store {
    /// Takes a write connection to hold across transactions (see [`WriteConnection`]).
    pub async fn write_connection(&self) -> Result<WriteConnection, StoreError> {
        let connection = {
            let _waiting = Waiting::count(&self.writers_waiting);
            self.writer.acquire().await?
        };
        Ok(WriteConnection {
            connection,
            store: self.clone(),
            local: None,
        })
    }
}

impl WriteConnection {
    /// Starts a write transaction on this connection, as [`Store::begin`] does on the pool's,
    /// but in the caller's task: a holder dropped half-way through would leave the connection
    /// inside a transaction, so hold it only in a task nothing cancels (the delivery writer's).
    pub async fn begin(&mut self) -> Result<Tx<'_>, StoreError> {
        let statement = self.store.begin_statement();
        Ok(self.connection.begin_with(statement).await?)
    }

    /// The store this connection writes to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether another writer waits for this connection: its holder lets it go between two
    /// transactions. (On `PostgreSQL` each writer has a connection of its own.)
    pub fn wanted(&self) -> bool {
        self.store.backend == Backend::Sqlite
            && self.store.writers_waiting.load(Ordering::Acquire) > 0
    }
}

impl Drop for WriteConnection {
    fn drop(&mut self) {
        self.keep_local();
    }
}

/// Counts a writer waiting for a write connection while it lives.
pub(crate) struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    pub(crate) fn count(waiting: &'a Arc<AtomicUsize>) -> Self {
        waiting.fetch_add(1, Ordering::AcqRel);
        Self(waiting)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
