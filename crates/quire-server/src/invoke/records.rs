//! Invocation records, written behind the answer: a call queues its record, one background
//! writer commits what gathered in one transaction (group commit), and now and then the
//! oldest records of the functions written are pruned to [`KEPT_INVOCATIONS`] each.
//!
//! Every call also adds to its function's counter for the hour, kept beside the queue and
//! committed in the same transaction as the records. The counters are taken before a record
//! can be dropped (queue full, or more than [`KEPT_INVOCATIONS`] of one function in a batch),
//! so they count every call that ran, whatever the log keeps: the list's "calls in the last
//! 24 hours" reads them, never the log.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quire_functions::{InvokeError, Outcome};
use quire_store::{CallCount, Function, InvocationRecord, Store, hour_of};

use super::Via;
use super::answer::error_code;
use super::redact::Redactor;

/// Console output kept in an invocation record.
const MAX_RECORDED_LOG_BYTES: usize = 16 * 1024;
/// Invocation records kept per function; older ones are pruned as new ones come in.
const KEPT_INVOCATIONS: i64 = 1000;
/// One recorded invocation in this many also prunes its function's old records.
const PRUNE_EVERY: u64 = 100;
/// Records waiting for the writer at most; past this, new ones are dropped (and counted) so a
/// database that cannot keep up slows nothing but the log.
const MAX_PENDING_RECORDS: usize = 50_000;
/// Hours of call counters kept per function (pruned with its records).
const KEPT_COUNTER_HOURS: i64 = 30 * 24;

/// What waits for the writer: records, and the calls counted per function and hour.
#[derive(Default)]
struct Pending {
    records: Vec<InvocationRecord>,
    /// (function id, hour) → (calls, errors).
    counts: HashMap<(String, i64), (i64, i64)>,
}

/// The invocation records waiting for the writer, and the count that paces pruning.
pub(super) struct Records {
    /// Records and counts waiting for the writer.
    pending: Mutex<Pending>,
    /// How many may wait; see [`MAX_PENDING_RECORDS`].
    max_pending: usize,
    /// Whether a background writer is on its way; at most one is.
    writing: AtomicBool,
    /// Whether records are being dropped (said once in the log until the queue drains).
    dropping: AtomicBool,
    /// One writer at a time; it commits every waiting record in one transaction.
    writer: tokio::sync::Mutex<()>,
    recorded: AtomicU64,
}

impl Default for Records {
    fn default() -> Self {
        Self::with_max_pending(MAX_PENDING_RECORDS)
    }
}

impl Records {
    pub(super) fn with_max_pending(max_pending: usize) -> Self {
        Self {
            pending: Mutex::default(),
            max_pending,
            writing: AtomicBool::default(),
            dropping: AtomicBool::default(),
            writer: tokio::sync::Mutex::default(),
            recorded: AtomicU64::default(),
        }
    }

    /// Queues one invocation record for the background writer, which commits everything
    /// waiting after `window` in one transaction (group commit), so the caller never waits for
    /// the database. A listing calls [`Records::flush`] first and so sees every call answered
    /// before it.
    pub(super) fn queue(
        self: &Arc<Self>,
        store: &Store,
        window: Duration,
        record: InvocationRecord,
    ) {
        if self.push(record) {
            let records = self.clone();
            let store = store.clone();
            tokio::spawn(async move {
                loop {
                    // Under load a batch then holds hundreds of records instead of the few that
                    // arrived during the last commit.
                    tokio::time::sleep(window).await;
                    records.flush(&store).await;
                    records.writing.store(false, Ordering::Release);
                    // A record queued after the last batch but before the flag fell found the
                    // flag up and left it to this writer.
                    let more = !records
                        .pending
                        .lock()
                        .expect("pending records lock")
                        .counts
                        .is_empty();
                    if !more || records.writing.swap(true, Ordering::AcqRel) {
                        break;
                    }
                }
            });
        }
    }

    /// Counts the call of `record` and queues the record, or drops it (counted, and said
    /// once in the log) when the queue is full; true when no writer is on its way and the
    /// caller must start one.
    fn push(&self, record: InvocationRecord) -> bool {
        {
            let mut pending = self.pending.lock().expect("pending records lock");
            let count = pending
                .counts
                .entry((record.function_id.clone(), hour_of(record.started_at)))
                .or_default();
            count.0 += 1;
            count.1 += i64::from(!record.ok);
            if pending.records.len() >= self.max_pending {
                crate::telemetry::record_dropped_invocation_record();
                if !self.dropping.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        waiting = self.max_pending,
                        "the database is not keeping up with invocation records; new ones are \
                         dropped (counted in quire_invocation_records_dropped_total) until it \
                         catches up"
                    );
                }
                // The count still needs the writer.
                return !self.writing.swap(true, Ordering::AcqRel);
            }
            pending.records.push(record);
        }
        !self.writing.swap(true, Ordering::AcqRel)
    }

    /// Commits every record queued before this call (after any batch in progress), and now
    /// and then prunes the oldest records of the functions written.
    pub(super) async fn flush(&self, store: &Store) {
        let _writer = self.writer.lock().await;
        let Pending {
            records: batch,
            counts,
        } = std::mem::take(&mut *self.pending.lock().expect("pending records lock"));
        if counts.is_empty() {
            return;
        }
        let counts: Vec<CallCount> = counts
            .into_iter()
            .map(|((function_id, hour), (calls, errors))| CallCount {
                function_id,
                hour,
                calls,
                errors,
            })
            .collect();
        if self.dropping.swap(false, Ordering::Relaxed) {
            tracing::info!("invocation records are being written again");
        }
        let calls = batch.len() as u64;
        let batch = kept_after_pruning(
            batch,
            usize::try_from(KEPT_INVOCATIONS).unwrap_or(usize::MAX),
        );
        if let Err(error) = store.record_calls(&batch, &counts).await {
            tracing::warn!(%error, records = batch.len(), "could not record invocations");
        }
        let before = self.recorded.fetch_add(calls, Ordering::Relaxed);
        if before / PRUNE_EVERY != (before + calls) / PRUNE_EVERY {
            prune(store, &batch).await;
        }
    }
}

/// The records of `batch` that pruning would keep: of a function with more than `keep` records
/// in the batch, only the newest `keep` (by start time, then queue order, which is the order
/// of their ids, as listings sort them). Writing the others would only have the next prune
/// delete them; under load that was most of what the database did.
fn kept_after_pruning(mut batch: Vec<InvocationRecord>, keep: usize) -> Vec<InvocationRecord> {
    if batch.len() <= keep {
        return batch;
    }
    let mut per_function: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, record) in batch.iter().enumerate() {
        per_function
            .entry(record.function_id.as_str())
            .or_default()
            .push(index);
    }
    let mut dropped = vec![false; batch.len()];
    for indices in per_function.values_mut().filter(|i| i.len() > keep) {
        indices.sort_by_key(|&index| (batch[index].started_at, index));
        for &index in &indices[..indices.len() - keep] {
            dropped[index] = true;
        }
    }
    let mut index = 0;
    batch.retain(|_| {
        index += 1;
        !dropped[index - 1]
    });
    batch
}

/// Keeps the newest [`KEPT_INVOCATIONS`] records of each function in `batch`.
async fn prune(store: &Store, batch: &[InvocationRecord]) {
    let mut functions: Vec<&str> = batch.iter().map(|r| r.function_id.as_str()).collect();
    functions.sort_unstable();
    functions.dedup();
    for function in functions {
        if let Err(error) = store.prune_invocations(function, KEPT_INVOCATIONS).await {
            tracing::warn!(%error, function, "could not prune old invocation records");
        }
        let oldest_kept = hour_of(quire_store::now_ms()) - KEPT_COUNTER_HOURS;
        if let Err(error) = store.prune_call_counts(function, oldest_kept).await {
            tracing::warn!(%error, function, "could not prune old call counters");
        }
    }
}

/// The record of one run of `function`, with secret values cut out of its error, stack and
/// console output, and the output cut to [`MAX_RECORDED_LOG_BYTES`].
pub(super) fn invocation_record(
    function: &Function,
    version: i64,
    via: Via,
    started_at: i64,
    outcome: &Outcome,
    redactor: &Redactor,
) -> InvocationRecord {
    let (error_code, error, error_stack) = match &outcome.result {
        Ok(_) => (None, None, None),
        Err(error) => {
            let stack = match error {
                InvokeError::Thrown { stack, .. }
                | InvokeError::Load(quire_functions::LoadError::Threw { stack, .. }) => {
                    Some(redactor.redact(stack))
                }
                _ => None,
            };
            (
                Some(error_code(error).to_owned()),
                Some(redactor.redact(&error.to_string())),
                stack,
            )
        }
    };
    let mut logs = redactor.redact(&outcome.logs);
    let mut logs_truncated = outcome.logs_truncated;
    if logs.len() > MAX_RECORDED_LOG_BYTES {
        let mut cut = MAX_RECORDED_LOG_BYTES;
        while !logs.is_char_boundary(cut) {
            cut -= 1;
        }
        logs.truncate(cut);
        logs_truncated = true;
    }
    InvocationRecord {
        id: String::new(),
        function_id: function.id.clone(),
        version,
        via: via.as_str().to_owned(),
        started_at,
        duration_ms: i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX),
        status: outcome.status().map(i64::from),
        ok: outcome.result.is_ok(),
        error_code,
        error,
        error_stack,
        logs,
        logs_truncated,
        request_bytes: i64::try_from(outcome.request_bytes).unwrap_or(i64::MAX),
        response_bytes: i64::try_from(outcome.response_bytes).unwrap_or(i64::MAX),
        public_link_id: None,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use quire_store::NewFunction;
    use quire_store::testing::TestDatabase;

    use super::*;

    /// What the log said, as text.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn count(&self, needle: &str) -> usize {
            String::from_utf8_lossy(&self.0.lock().unwrap())
                .matches(needle)
                .count()
        }
    }

    fn record(function_id: &str) -> InvocationRecord {
        InvocationRecord {
            id: String::new(),
            function_id: function_id.to_owned(),
            version: 1,
            via: "api".to_owned(),
            started_at: quire_store::now_ms(),
            duration_ms: 1,
            status: Some(200),
            ok: true,
            error_code: None,
            error: None,
            error_stack: None,
            logs: String::new(),
            logs_truncated: false,
            request_bytes: 2,
            response_bytes: 2,
            public_link_id: None,
        }
    }

    async fn a_function(store: &Store) -> Function {
        let owner = store
            .create_user("ann@example.com", "Ann", "x")
            .await
            .unwrap();
        let project = store.create_project("p", "P", &owner.id).await.unwrap();
        store
            .create_function(&NewFunction {
                project_id: &project.id,
                name: "F",
                slug: "f",
                code: "async function handler() { return 1; }",
                load_error: None,
                public_endpoint: false,
                timeout_ms: 1000,
                memory_mb: 16,
                author_id: &owner.id,
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_flush_of_more_records_than_are_kept_writes_the_newest() {
        let database = TestDatabase::sqlite().await;
        let store = &database.store;
        let function = a_function(store).await;
        let records = Records::default();
        let calls = usize::try_from(KEPT_INVOCATIONS).unwrap() + 5;
        for version in 0..calls {
            records.push(InvocationRecord {
                version: i64::try_from(version).unwrap(),
                ..record(&function.id)
            });
        }
        records.flush(store).await;

        let mut listed = Vec::new();
        let mut before = None;
        loop {
            let page = store
                .function_invocations(&function.id, before.as_deref(), 100)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            before = Some(last.id.clone());
            listed.extend(page.iter().map(|r| r.version));
        }
        let newest: Vec<i64> = (5..i64::try_from(calls).unwrap()).rev().collect();
        let mut failed = record(&function.id);
        failed.ok = false;
        records.push(failed);
        records.flush(store).await;
        let totals = store.call_totals(&function.project_id, 0).await.unwrap();
        assert_eq!(
            (totals[&function.id].calls, totals[&function.id].errors),
            (i64::try_from(calls).unwrap() + 1, 1),
            "the calls whose records pruning made unneeded are counted"
        );
        // The same as writing every record and pruning, without writing what is pruned.
        assert_eq!(listed, newest, "the newest records, newest first");
    }

    #[test]
    fn a_batch_keeps_only_the_records_pruning_would_keep() {
        let at = |function_id: &str, started_at: i64, version: i64| InvocationRecord {
            started_at,
            version,
            ..record(function_id)
        };
        // Queue order is not start order: a call that started first may finish last.
        let batch = vec![
            at("busy", 20, 1),
            at("quiet", 5, 2),
            at("busy", 10, 3),
            at("busy", 30, 4),
            at("busy", 20, 5),
            at("quiet", 1, 6),
        ];
        let kept: Vec<i64> = kept_after_pruning(batch, 2)
            .iter()
            .map(|r| r.version)
            .collect();
        assert_eq!(
            kept,
            [2, 4, 5, 6],
            "the newest two of the busy function (the later of two at the same time wins), \
             every record of the other, in queue order"
        );

        let small = vec![at("busy", 3, 1), at("busy", 2, 2)];
        assert_eq!(kept_after_pruning(small, 2).len(), 2);
    }

    #[tokio::test]
    async fn past_the_queue_limit_records_are_dropped_counted_and_said_once() {
        let logs = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer({
                let logs = logs.clone();
                move || logs.clone()
            })
            .with_ansi(false)
            .finish();
        let _logging = tracing::subscriber::set_default(subscriber);
        let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let rendered = metrics.handle();

        let database = TestDatabase::sqlite().await;
        let store = &database.store;
        let function = a_function(store).await;

        let records = Records::with_max_pending(3);
        let asked_for_writer: Vec<bool> = metrics::with_local_recorder(&metrics, || {
            (0..8).map(|_| records.push(record(&function.id))).collect()
        });
        assert_eq!(
            asked_for_writer,
            [true, false, false, false, false, false, false, false],
            "the first record starts the writer; the rest wait for it or are dropped"
        );
        assert_eq!(records.pending.lock().unwrap().records.len(), 3);
        assert!(
            rendered
                .render()
                .contains("quire_invocation_records_dropped_total 5"),
            "{}",
            rendered.render()
        );
        assert_eq!(logs.count("not keeping up with invocation records"), 1);

        records.flush(store).await;
        let written = store
            .function_invocations(&function.id, None, 100)
            .await
            .unwrap();
        assert_eq!(written.len(), 3, "what was queued is written");
        let totals = store.call_totals(&function.project_id, 0).await.unwrap();
        assert_eq!(
            totals[&function.id].calls, 8,
            "every call is counted, the dropped records' too"
        );
        assert_eq!(logs.count("invocation records are being written again"), 1);
        records.push(record(&function.id));
        assert_eq!(
            records.pending.lock().unwrap().records.len(),
            1,
            "queued again"
        );
        assert_eq!(logs.count("not keeping up"), 1);
    }
}
