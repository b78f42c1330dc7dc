//! `SQLite` copies its write-ahead log into the database file (a checkpoint) on a connection
//! of its own, beside the writer, instead of in the writer's commits.
//!
//! Left to itself, `SQLite` checkpoints in the commit that takes the log past 1,000 pages: that
//! commit copies them all and syncs both files while every writer waits behind it (a fifth
//! of the delivery writer's time under a flood of webhooks). Here a checkpointer copies what
//! the writers committed a few milliseconds after they did, without waiting for them or for
//! readers (`PASSIVE`). The writer's own checkpoint stays, at [`WRITER_CHECKPOINT_PAGES`]: it
//! copies the little the checkpointer has not, so that the log starts over from its beginning
//! instead of growing while writers never pause.

use std::time::Duration;

use crate::{Backend, Store};

/// The log's size, in pages, past which a commit checkpoints it on the writer's connection
/// (about 256 MiB of log; the file keeps that size until the store closes). At 8,192 the
/// delivery writer spent a ninth of its time in those checkpoints, and synced both files in
/// them, during a flood: 4,397 deliveries a second into a full history against 5,261 at
/// 65,536, with a third of the 99th percentile's wait (bench/inbox, run M).
pub(crate) const WRITER_CHECKPOINT_PAGES: u32 = 65536;

/// How long the checkpointer lets commits gather after it hears of one: each of its passes
/// syncs both files once, whatever it copies.
const GATHER: Duration = Duration::from_millis(20);

impl Store {
    /// On `SQLite`, checkpoints what write transactions commit, a pass shortly after each
    /// series of them, for as long as the server runs; on `PostgreSQL`, returns at once.
    pub async fn run_checkpoints(&self) {
        if self.backend != Backend::Sqlite {
            return;
        }
        loop {
            self.checkpoints.notified().await;
            tokio::time::sleep(GATHER).await;
            if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&self.pool)
                .await
            {
                if self.pool.is_closed() {
                    return;
                }
                tracing::warn!(%error, "could not checkpoint the SQLite write-ahead log; the writers' own commits will");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::time::Instant;

    use crate::testing::TestDatabase;

    /// The database file's size: it grows when a checkpoint copies the log into it.
    fn file_size(url: &str) -> u64 {
        let path = url
            .trim_start_matches("sqlite://")
            .trim_end_matches("?mode=rwc");
        std::fs::metadata(Path::new(path)).unwrap().len()
    }

    #[tokio::test]
    async fn commits_reach_the_database_file_through_the_checkpointer() {
        let database = TestDatabase::sqlite().await;
        let store = database.store.clone();
        let mut tx = store.begin().await.unwrap();
        // A megabyte: 250 pages, far below what makes the writer checkpoint itself.
        sqlx::query("CREATE TABLE written (bytes BLOB)")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("INSERT INTO written VALUES (zeroblob(1048576))")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let before = file_size(&database.url);
        assert!(before < 1_048_576, "the commit stayed in the log");

        let checkpointer = tokio::spawn(async move { store.run_checkpoints().await });
        // The checkpointer heard of the transaction when it began, before it was spawned.
        let started = Instant::now();
        while file_size(&database.url) < 1_048_576 {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the checkpointer did not copy the commit into the database file"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        checkpointer.abort();
    }
}
