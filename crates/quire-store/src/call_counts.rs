//! Calls and failed calls of each function per hour: counters the invocation writer adds to in
//! the transaction that writes the records, for every call that ran (a record may be dropped,
//! a call is always counted). Lists read a function's last day from them, not from the log.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::{Store, StoreError, Tx};

/// Milliseconds in an hour, the counters' unit.
const HOUR_MS: i64 = 3_600_000;

/// The hour (since the Unix epoch) of a time in milliseconds.
pub fn hour_of(at_ms: i64) -> i64 {
    at_ms.div_euclid(HOUR_MS)
}

/// Calls to add to a function's counters for one hour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallCount {
    pub function_id: String,
    /// Hours since the Unix epoch ([`hour_of`]).
    pub hour: i64,
    pub calls: i64,
    /// Of `calls`, those that failed.
    pub errors: i64,
}

/// A function's calls and failed calls over some hours.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallTotals {
    pub calls: i64,
    pub errors: i64,
}

/// The newest recorded call of a function.
#[derive(Clone, Debug)]
pub struct LastCall {
    pub function_id: String,
    pub started_at: i64,
    pub ok: bool,
    pub status: Option<i64>,
    pub via: String,
    pub error_code: Option<String>,
}

impl FromRow<'_, AnyRow> for LastCall {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            function_id: row.try_get("function_id")?,
            started_at: row.try_get("started_at")?,
            ok: row.try_get::<i64, _>("ok")? != 0,
            status: row.try_get("status")?,
            via: row.try_get("via")?,
            error_code: row.try_get("error_code")?,
        })
    }
}

/// Adds `counts` to the counters inside `tx`.
pub(crate) async fn add_call_counts(
    tx: &mut Tx<'_>,
    counts: &[CallCount],
) -> Result<(), StoreError> {
    for count in counts {
        sqlx::query(
            "INSERT INTO function_call_counts (function_id, hour, calls, errors) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (function_id, hour) DO UPDATE SET \
             calls = function_call_counts.calls + excluded.calls, \
             errors = function_call_counts.errors + excluded.errors",
        )
        .bind(&count.function_id)
        .bind(count.hour)
        .bind(count.calls)
        .bind(count.errors)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// The calls and failed calls of each function of a project from hour `since` on, by
    /// function id; functions without calls are absent.
    pub async fn call_totals(
        &self,
        project_id: &str,
        since: i64,
    ) -> Result<HashMap<String, CallTotals>, StoreError> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT c.function_id, CAST(SUM(c.calls) AS BIGINT), CAST(SUM(c.errors) AS BIGINT) \
             FROM function_call_counts c JOIN functions f ON f.id = c.function_id \
             WHERE f.project_id = $1 AND c.hour >= $2 GROUP BY c.function_id",
        )
        .bind(project_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, calls, errors)| (id, CallTotals { calls, errors }))
            .collect())
    }

    /// The newest recorded call of each function of a project that has one.
    pub async fn last_calls(&self, project_id: &str) -> Result<Vec<LastCall>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT i.function_id, i.started_at, i.ok, i.status, i.via, i.error_code \
             FROM functions f JOIN function_invocations i ON i.id = ( \
                 SELECT j.id FROM function_invocations j WHERE j.function_id = f.id \
                 ORDER BY j.started_at DESC, j.id DESC LIMIT 1) \
             WHERE f.project_id = $1",
        )
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Forgets a function's counters of the hours before `before`; answers how many went.
    pub async fn prune_call_counts(
        &self,
        function_id: &str,
        before: i64,
    ) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM function_call_counts WHERE function_id = $1 AND hour < $2")
                .bind(function_id)
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}
