//! Statuses that come before their message's `wamid` is stored. A reply is stored `pending`,
//! then sent; the Cloud API answers with the wamid, but Meta may deliver the reply's first
//! statuses before that answer is written. Such a status is held while a reply of its project
//! is pending, and applied in the transaction that stores the wamid.
//!
//! On `PostgreSQL` the writer of a status and the one that stores the wamid both take an
//! advisory lock on the wamid first, so one of them commits before the other looks: the
//! status either finds the message or is held before the wamid's writer reads what is held.
//! (Without it, a status could also read "no such message" and then "already further" in two
//! statements either side of the answer's commit.) On `SQLite` writers are serialized already.
//!
//! What waited longer than [`HELD_FOR_MS`] is pruned on its own, outside the writers'
//! transactions (a delete there would lock rows of other wamids, out of their order).

use sqlx::FromRow;

use crate::exec::{Args, Exec};
use crate::messages::MessageStatus;
use crate::{Backend, Store, StoreError, Tx, parse_column};

/// How long a held status waits for its wamid. The wait is bounded by the Cloud API call
/// (15 seconds); what is older belongs to a message sent by another tool, through the same
/// number, and never comes.
pub const HELD_FOR_MS: i64 = 5 * 60 * 1000;

/// The first key of the advisory lock on a wamid, its hash the second: keeps it apart from
/// any other advisory lock ("QW" in ASCII).
const WAMID_LOCK_CLASS: i32 = 0x5157;

/// A status as a delivery reports it: where the message got, when, and why it failed.
#[derive(Debug)]
pub(crate) struct StatusReport {
    pub status: MessageStatus,
    pub at: i64,
    pub error: Option<serde_json::Value>,
}

impl FromRow<'_, sqlx::any::AnyRow> for StatusReport {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        let error: Option<String> = row.try_get("error")?;
        Ok(Self {
            status: parse_column(row, "status")?,
            at: row.try_get("status_at")?,
            error: error.and_then(|text| serde_json::from_str(&text).ok()),
        })
    }
}

/// On `PostgreSQL`, waits for every other transaction that applies a status to `wamid` or
/// stores it, and keeps them waiting until `tx` ends. (`SQLite` runs one writer at a time:
/// there is nobody to wait for.)
pub(crate) async fn lock_wamid(db: &mut Exec<'_>, wamid: &str) -> Result<(), StoreError> {
    if db.backend() == Backend::Postgres {
        let mut args = Args::with_capacity(2);
        args.bind(WAMID_LOCK_CLASS).bind(wamid);
        db.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", args)
            .await?;
    }
    Ok(())
}

/// Whether a reply of `project_id` is on its way to the Cloud API (stored, no wamid yet).
pub(crate) async fn reply_pending(db: &mut Exec<'_>, project_id: &str) -> Result<bool, StoreError> {
    let mut args = Args::with_capacity(1);
    args.bind(project_id);
    let pending = db
        .fetch_texts(
            "SELECT id FROM messages WHERE project_id = $1 AND status = 'pending' LIMIT 1",
            args,
        )
        .await?;
    Ok(!pending.is_empty())
}

/// Holds `report` of `wamid` (received at `now`) until the wamid is stored; a status held
/// already is kept as it was.
pub(crate) async fn hold(
    db: &mut Exec<'_>,
    project_id: &str,
    wamid: &str,
    report: &StatusReport,
    now: i64,
) -> Result<(), StoreError> {
    let mut args = Args::with_capacity(6);
    args.bind(project_id)
        .bind(wamid)
        .bind(report.status.as_str())
        .bind(report.at)
        .bind(report.error.as_ref().map(serde_json::Value::to_string))
        .bind(now);
    db.execute(
        "INSERT INTO early_statuses (project_id, wamid, status, status_at, error, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project_id, wamid, status) DO NOTHING",
        args,
    )
    .await?;
    Ok(())
}

/// Takes the statuses held for `wamid` of `project_id` (removing them), earliest first.
pub(crate) async fn take(
    tx: &mut Tx<'_>,
    project_id: &str,
    wamid: &str,
) -> Result<Vec<StatusReport>, StoreError> {
    let held = sqlx::query_as(
        "SELECT status, status_at, error FROM early_statuses \
         WHERE project_id = $1 AND wamid = $2 ORDER BY status_at, received_at",
    )
    .bind(project_id)
    .bind(wamid)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM early_statuses WHERE project_id = $1 AND wamid = $2")
        .bind(project_id)
        .bind(wamid)
        .execute(&mut **tx)
        .await?;
    Ok(held)
}

impl Store {
    /// Deletes the statuses held since before `older_than` (Unix milliseconds), whose wamid
    /// never came; answers how many went.
    pub async fn prune_early_statuses(&self, older_than: i64) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM early_statuses WHERE received_at < $1")
                .bind(older_than)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}
