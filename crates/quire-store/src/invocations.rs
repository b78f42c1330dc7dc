//! The invocation log: one row per call of a function, with its outcome, timing, sizes and
//! (truncated) console output. The caller decides what goes in; secrets never do. Each
//! written batch tells the live event stream which functions were called, one event per
//! project.

use std::borrow::Cow;
use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{FromRow, Row};

use crate::call_counts::{CallCount, add_call_counts};
use crate::events::{Audience, NewEvent};
use crate::{Backend, Store, StoreError, Tx, new_ordered_id};

#[derive(Clone, Debug)]
pub struct InvocationRecord {
    pub id: String,
    pub function_id: String,
    pub version: i64,
    /// How the call came in: `api`, `public` or `page`.
    pub via: String,
    pub started_at: i64,
    pub duration_ms: i64,
    /// The HTTP status of the function's response, when it produced one.
    pub status: Option<i64>,
    pub ok: bool,
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub error_stack: Option<String>,
    pub logs: String,
    pub logs_truncated: bool,
    pub request_bytes: i64,
    pub response_bytes: i64,
    /// The public link the call came through, if any.
    pub public_link_id: Option<String>,
}

impl FromRow<'_, AnyRow> for InvocationRecord {
    fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            function_id: row.try_get("function_id")?,
            version: row.try_get("version")?,
            via: row.try_get("via")?,
            started_at: row.try_get("started_at")?,
            duration_ms: row.try_get("duration_ms")?,
            status: row.try_get("status")?,
            ok: row.try_get::<i64, _>("ok")? != 0,
            error_code: row.try_get("error_code")?,
            error: row.try_get("error")?,
            error_stack: row.try_get("error_stack")?,
            logs: row.try_get("logs")?,
            logs_truncated: row.try_get::<i64, _>("logs_truncated")? != 0,
            request_bytes: row.try_get("request_bytes")?,
            response_bytes: row.try_get("response_bytes")?,
            public_link_id: row.try_get("public_link_id")?,
        })
    }
}

/// Records per `INSERT` on `PostgreSQL`: each statement takes its rows as one JSON array of
/// arrays (one parameter, one round trip to the database), and this bounds its size.
const ROWS_PER_JSON_INSERT: usize = 500;

/// Records per `INSERT` on `SQLite` at most. A batch goes in as statements of 32, 16, 8, 4, 2
/// and 1 rows, so only six statements are ever prepared (and then cached).
const ROWS_PER_VALUES_INSERT: usize = 32;

const COLUMNS: &str = "id, function_id, version, via, started_at, duration_ms, status, ok, error_code, \
     error, error_stack, logs, logs_truncated, request_bytes, response_bytes, public_link_id";

/// `PostgreSQL`: inserts the rows of a JSON array of arrays, each in [`COLUMNS`] order.
const INSERT_FROM_JSON: &str = "INSERT INTO function_invocations ({columns}) \
     SELECT v->>0, v->>1, CAST(v->>2 AS BIGINT), v->>3, CAST(v->>4 AS BIGINT), \
     CAST(v->>5 AS BIGINT), CAST(v->>6 AS BIGINT), CAST(v->>7 AS BIGINT), v->>8, v->>9, \
     v->>10, v->>11, CAST(v->>12 AS BIGINT), CAST(v->>13 AS BIGINT), CAST(v->>14 AS BIGINT), v->>15 \
     FROM jsonb_array_elements(CAST($1 AS jsonb)) AS r(v)";

/// `SQLite`: the `INSERT` of `rows` rows as plain `VALUES` with anonymous `?` parameters.
/// Numbered parameters (`$1`) would cost the square of their count to bind, as `SQLite` finds
/// a parameter's name by walking a list; anonymous ones have no name to find. This binds each
/// value as it is, with no JSON to build or parse: about half the database's CPU per record of
/// the JSON form this replaced.
fn insert_values(rows: usize) -> &'static str {
    static BY_SIZE: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let by_size = BY_SIZE.get_or_init(|| {
        let row = format!("({})", vec!["?"; COLUMNS.split(',').count()].join(", "));
        (0..=ROWS_PER_VALUES_INSERT)
            .map(|n| {
                format!(
                    "INSERT INTO function_invocations ({COLUMNS}) VALUES {}",
                    vec![row.as_str(); n].join(", ")
                )
            })
            .collect()
    });
    &by_size[rows]
}

/// The sizes of the `INSERT`s that write `count` rows on `SQLite`: full statements, then the
/// rest in powers of two.
fn values_chunks(mut count: usize) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if count == 0 {
            return None;
        }
        let size = if count >= ROWS_PER_VALUES_INSERT {
            ROWS_PER_VALUES_INSERT
        } else {
            1 << count.ilog2()
        };
        count -= size;
        Some(size)
    })
}

impl Store {
    /// Appends one invocation record; `record.id` is ignored and a new one returned.
    pub async fn record_invocation(&self, record: &InvocationRecord) -> Result<String, StoreError> {
        let ids = self
            .record_invocations(std::slice::from_ref(record))
            .await?;
        Ok(ids.into_iter().next().unwrap_or_default())
    }

    /// Appends several invocation records in one transaction (one commit for all); answers
    /// their new ids in order.
    pub async fn record_invocations(
        &self,
        records: &[InvocationRecord],
    ) -> Result<Vec<String>, StoreError> {
        self.record_calls(records, &[]).await
    }

    /// Appends invocation records and adds `counts` to the hourly call counters, in one
    /// transaction; answers the records' new ids in order. The counts may cover more calls
    /// than `records` holds: every call is counted, not every record is kept. The same
    /// transaction appends one `function.called` event (owners and admins) per project whose
    /// functions `counts` names, `{"function_ids": [...]}`.
    pub async fn record_calls(
        &self,
        records: &[InvocationRecord],
        counts: &[CallCount],
    ) -> Result<Vec<String>, StoreError> {
        let ids: Vec<String> = records.iter().map(|_| new_ordered_id()).collect();
        let mut tx = self.begin().await?;
        add_call_counts(&mut tx, counts).await?;
        match self.backend {
            Backend::Sqlite => {
                let mut rest = records.iter().zip(&ids);
                for size in values_chunks(records.len()) {
                    let mut insert = sqlx::query(insert_values(size));
                    for (record, id) in rest.by_ref().take(size) {
                        insert = bind_record(insert, id, record);
                    }
                    insert.execute(&mut *tx).await?;
                }
            }
            Backend::Postgres => {
                let sql = INSERT_FROM_JSON.replace("{columns}", COLUMNS);
                for (chunk, ids) in records
                    .chunks(ROWS_PER_JSON_INSERT)
                    .zip(ids.chunks(ROWS_PER_JSON_INSERT))
                {
                    let rows: Vec<serde_json::Value> = chunk
                        .iter()
                        .zip(ids)
                        .map(|(record, id)| record_row(id, record))
                        .collect();
                    sqlx::query(&sql)
                        .bind(serde_json::Value::Array(rows).to_string())
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        let called = self.called_by_project(&mut tx, counts).await?;
        for (project_id, function_ids) in &called {
            let event = NewEvent::new(
                project_id,
                "function.called",
                Audience::Editors,
                serde_json::json!({ "function_ids": function_ids }),
            );
            self.append_event(&mut tx, &event).await?;
        }
        tx.commit().await?;
        for project_id in called.keys() {
            self.announce_events(project_id);
        }
        Ok(ids)
    }

    /// The functions `counts` names, by project (both in id order: events of several projects
    /// are appended in project order).
    async fn called_by_project(
        &self,
        tx: &mut Tx<'_>,
        counts: &[CallCount],
    ) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
        let mut function_ids: Vec<&str> = counts.iter().map(|c| c.function_id.as_str()).collect();
        function_ids.sort_unstable();
        function_ids.dedup();
        if function_ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let listed = match self.backend {
            Backend::Sqlite => "SELECT value FROM json_each($1)",
            Backend::Postgres => "SELECT jsonb_array_elements_text(CAST($1 AS jsonb))",
        };
        let rows: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT project_id, id FROM functions WHERE id IN ({listed}) ORDER BY project_id, id"
        ))
        .bind(serde_json::json!(function_ids).to_string())
        .fetch_all(&mut **tx)
        .await?;
        let mut by_project: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (project_id, function_id) in rows {
            by_project.entry(project_id).or_default().push(function_id);
        }
        Ok(by_project)
    }

    /// Deletes all but the newest `keep` invocation records of a function; answers how many.
    pub async fn prune_invocations(&self, function_id: &str, keep: i64) -> Result<u64, StoreError> {
        let cutoff: Option<(i64, String)> = sqlx::query_as(
            "SELECT started_at, id FROM function_invocations WHERE function_id = $1 \
             ORDER BY started_at DESC, id DESC LIMIT 1 OFFSET $2",
        )
        .bind(function_id)
        .bind(keep)
        .fetch_optional(&self.pool)
        .await?;
        let Some((started_at, id)) = cutoff else {
            return Ok(0);
        };
        Ok(sqlx::query(
            "DELETE FROM function_invocations WHERE function_id = $1 \
             AND (started_at < $2 OR (started_at = $2 AND id <= $3))",
        )
        .bind(function_id)
        .bind(started_at)
        .bind(&id)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// A function's invocations, newest first: up to `limit` older than the record `before`
    /// (an id from an earlier page), or the newest when `before` is `None`.
    pub async fn function_invocations(
        &self,
        function_id: &str,
        before: Option<&str>,
        limit: i64,
    ) -> Result<Vec<InvocationRecord>, StoreError> {
        let cursor = match before {
            Some(id) => {
                let started_at: Option<i64> = sqlx::query_scalar(
                    "SELECT started_at FROM function_invocations WHERE function_id = $1 AND id = $2",
                )
                .bind(function_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                let started_at = started_at.ok_or_else(|| StoreError::NotFound {
                    what: format!("invocation {id:?} of this function"),
                })?;
                (started_at, id.to_owned())
            }
            None => (i64::MAX, String::new()),
        };
        let sql = if before.is_some() {
            format!(
                "SELECT {COLUMNS} FROM function_invocations WHERE function_id = $1 \
                 AND (started_at < $2 OR (started_at = $2 AND id < $3)) \
                 ORDER BY started_at DESC, id DESC LIMIT $4"
            )
        } else {
            format!(
                "SELECT {COLUMNS} FROM function_invocations WHERE function_id = $1 \
                 AND started_at <= $2 AND id > $3 ORDER BY started_at DESC, id DESC LIMIT $4"
            )
        };
        Ok(sqlx::query_as(&sql)
            .bind(function_id)
            .bind(cursor.0)
            .bind(&cursor.1)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }
}

/// A NUL in the text a function produced (its logs, its error) becomes U+FFFD: `PostgreSQL`
/// stores no NUL in text, and one such record would cost its whole batch; both backends keep
/// the same text.
fn text(value: &str) -> Cow<'_, str> {
    if value.contains('\0') {
        Cow::Owned(value.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Binds one record's values in [`COLUMNS`] order, under the new `id`.
fn bind_record<'q>(
    insert: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    id: &'q str,
    record: &'q InvocationRecord,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let owned = |value: Option<&str>| value.map(|v| text(v).into_owned());
    insert
        .bind(id)
        .bind(record.function_id.as_str())
        .bind(record.version)
        .bind(record.via.as_str())
        .bind(record.started_at)
        .bind(record.duration_ms)
        .bind(record.status)
        .bind(i64::from(record.ok))
        .bind(record.error_code.as_deref())
        .bind(owned(record.error.as_deref()))
        .bind(owned(record.error_stack.as_deref()))
        .bind(text(&record.logs).into_owned())
        .bind(i64::from(record.logs_truncated))
        .bind(record.request_bytes)
        .bind(record.response_bytes)
        .bind(record.public_link_id.as_deref())
}

/// One record as the JSON array [`INSERT_FROM_JSON`] reads, under the new `id`.
fn record_row(id: &str, record: &InvocationRecord) -> serde_json::Value {
    serde_json::json!([
        id,
        record.function_id,
        record.version,
        record.via,
        record.started_at,
        record.duration_ms,
        record.status,
        i64::from(record.ok),
        record.error_code,
        record.error.as_deref().map(text),
        record.error_stack.as_deref().map(text),
        text(&record.logs),
        i64::from(record.logs_truncated),
        record.request_bytes,
        record.response_bytes,
        record.public_link_id,
    ])
}
