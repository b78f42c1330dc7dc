//! The [`Runtime`]: the crate's entry point, cheap to clone, and the state its clones share.
//!
//! The workers are the threads of the runtime's own multi-threaded tokio executor, so a
//! function that spins never blocks the server's executor. A call whose JavaScript keeps a
//! worker for longer than [`RuntimeConfig::handoff_after`] hands that worker's other calls to a
//! fresh thread (tokio's `block_in_place`) and finishes on its own thread: calls that run long,
//! however many, never hold every worker. Isolates are `Send` (rquickjs `parallel`) and live in
//! one shared pool, so a warm isolate serves whichever worker takes the next call.
//!
//! The parts: `workers` (where a call runs and how it hands off its thread), `pool` (idle
//! isolates by function version), `keeper` (spare isolates made ahead of time, evicted ones
//! freed), `invocation` (one call or validation on an isolate) and `judge` (what the call
//! came to).

mod invocation;
mod judge;
mod keeper;
mod pool;
mod workers;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

use crate::config::RuntimeConfig;
use crate::error::{InvokeError, LoadError};
use crate::fetch::Fetcher;
use crate::isolate::Isolate;
use crate::types::{FunctionRef, Invocation, Outcome};
use invocation::{run_invocation, run_validation};
use keeper::{Chore, spawn_keeper};
use pool::{IdlePool, Key};
use workers::Placement;

/// What all clones of the runtime, its workers and its keeper share.
struct Shared {
    config: RuntimeConfig,
    fetcher: Fetcher,
    pool: Mutex<IdlePool>,
    /// Blank isolates made by the keeper, each for one function.
    spares: Arc<Mutex<Vec<Isolate>>>,
    keeper: mpsc::Sender<Chore>,
    /// Calls that ran long on a caller's thread and are still running there.
    moved: Arc<AtomicUsize>,
    /// Calls that ran long on a worker, moved its other calls away and are still running.
    moved_on_workers: Arc<AtomicUsize>,
    counts: Counts,
}

impl Shared {
    /// Hands isolates the pool evicted to the keeper, which frees them (a whole runtime each,
    /// about a fifth of the cost of making one) while this thread goes on.
    fn free(&self, isolates: Vec<Isolate>) {
        if !isolates.is_empty() {
            // If the keeper is gone, the isolates come back in the error and are dropped here.
            let _ = self.keeper.send(Chore::Free(isolates));
        }
    }

    /// Puts an isolate that may serve again back in the pool; what the pool evicts to make room
    /// comes back to be freed after the caller has its answer.
    fn give_back(&self, reusable: Option<(Key, Isolate)>) -> Vec<Isolate> {
        let Some((key, isolate)) = reusable else {
            return Vec::new();
        };
        let config = &self.config;
        self.pool.lock().expect("pool lock").put(
            key,
            isolate,
            config.idle_per_function,
            config.idle_total,
        )
    }
}

/// Where calls ran, since the runtime started.
#[derive(Debug, Default)]
struct Counts {
    on_caller: AtomicU64,
    handed_off: AtomicU64,
    on_workers: AtomicU64,
    fresh_from_spares: AtomicU64,
    fresh_built: AtomicU64,
}

/// How many calls ran where: see [`Runtime::placements`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placements {
    /// Calls that ran on the caller's thread (a warm isolate, [`RuntimeConfig::inline_calls`]).
    pub on_caller: u64,
    /// Of those, calls that ran long enough to move the thread's other tasks away.
    pub handed_off: u64,
    /// Calls that ran on the runtime's worker threads.
    pub on_workers: u64,
    /// Calls running long on a caller's thread right now; while there are as many as there
    /// are workers, every call goes to the workers.
    pub running_long: usize,
    /// Calls running long on a thread of their own after leaving a worker, right now.
    pub running_long_on_workers: usize,
    /// Fresh isolates (for calls and validations) that started from a spare.
    pub fresh_from_spares: u64,
    /// Fresh isolates made from scratch because no spare was ready.
    pub fresh_built: u64,
}

struct Inner {
    /// The workers' executor; `None` only while it is being shut down.
    workers: Option<tokio::runtime::Runtime>,
    shared: Arc<Shared>,
}

impl Inner {
    fn workers(&self) -> &tokio::runtime::Handle {
        self.workers
            .as_ref()
            .expect("the workers run until the runtime is dropped")
            .handle()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last clone may go away inside an async context, where a blocking shutdown is
        // not allowed; calls still running end at their deadlines.
        if let Some(workers) = self.workers.take() {
            workers.shutdown_background();
        }
    }
}

/// The function runtime. Cheap to clone; all clones share the workers and the isolate pool,
/// which stop when the last clone is dropped.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.inner.shared.config.workers)
            .field("idle_isolates", &self.idle_isolates())
            .finish()
    }
}

impl Runtime {
    /// Starts the worker threads.
    pub fn new(config: RuntimeConfig) -> Self {
        let spares = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            fetcher: Fetcher::new(config.fetch_policy.clone()),
            pool: Mutex::new(IdlePool::default()),
            keeper: spawn_keeper(&config, spares.clone()),
            spares,
            moved: Arc::new(AtomicUsize::new(0)),
            moved_on_workers: Arc::new(AtomicUsize::new(0)),
            counts: Counts::default(),
            config,
        });
        let workers = workers::start(&shared.config);
        Self {
            inner: Arc::new(Inner {
                workers: Some(workers),
                shared,
            }),
        }
    }

    /// Runs one call of `function`: on the caller's thread when it finds a warm isolate there
    /// (see [`RuntimeConfig::inline_calls`]), otherwise on a worker.
    pub async fn invoke(&self, function: &FunctionRef, invocation: Invocation) -> Outcome {
        let shared = &self.inner.shared;
        if let Some((key, isolate)) = shared.take_for_caller(function) {
            shared.counts.on_caller.fetch_add(1, Ordering::Relaxed);
            let handoff = shared.caller_handoff();
            let (outcome, reusable) = run_invocation(
                shared,
                function,
                key,
                invocation,
                Some(isolate),
                Placement::Caller(handoff),
            )
            .await;
            shared.free(shared.give_back(reusable));
            return outcome;
        }
        shared.counts.on_workers.fetch_add(1, Ordering::Relaxed);
        let start = Instant::now();
        let request_bytes = invocation.request.body.len();
        let shared = shared.clone();
        let function = function.clone();
        let job = self.inner.workers().spawn(async move {
            let key = Key::of(&function);
            let (pooled, slow) = {
                let mut pool = shared.pool.lock().expect("pool lock");
                (pool.take(&key), pool.slow.contains(&key))
            };
            let (outcome, reusable) = run_invocation(
                &shared,
                &function,
                key,
                invocation,
                pooled,
                Placement::Worker(shared.worker_handoff(slow)),
            )
            .await;
            // Back to the pool before answering, so the caller's next call finds it.
            let evicted = shared.give_back(reusable);
            (outcome, evicted)
        });
        let answer = job.await.map(|(outcome, evicted)| {
            self.inner.shared.free(evicted);
            outcome
        });
        answer.unwrap_or_else(|_| Outcome {
            result: Err(InvokeError::Internal(
                "the worker running the call stopped; the call was lost, try again".to_owned(),
            )),
            duration: start.elapsed(),
            logs: String::new(),
            logs_truncated: false,
            request_bytes,
            response_bytes: 0,
        })
    }

    /// Loads `code` in a fresh isolate to check that it is a function: it parses, imports
    /// nothing, its top level runs, and it has a handler.
    pub async fn validate(&self, code: &str) -> Result<(), LoadError> {
        let shared = self.inner.shared.clone();
        let code = code.to_owned();
        self.inner
            .workers()
            .spawn(async move { run_validation(&shared, &code).await })
            .await
            .unwrap_or_else(|_| Err(LoadError::Limit("the validating worker stopped".to_owned())))
    }

    /// How many calls ran where since the runtime started.
    pub fn placements(&self) -> Placements {
        let counts = &self.inner.shared.counts;
        Placements {
            on_caller: counts.on_caller.load(Ordering::Relaxed),
            handed_off: counts.handed_off.load(Ordering::Relaxed),
            on_workers: counts.on_workers.load(Ordering::Relaxed),
            running_long: self.inner.shared.moved.load(Ordering::Relaxed),
            running_long_on_workers: self.inner.shared.moved_on_workers.load(Ordering::Relaxed),
            fresh_from_spares: counts.fresh_from_spares.load(Ordering::Relaxed),
            fresh_built: counts.fresh_built.load(Ordering::Relaxed),
        }
    }

    /// Blank isolates ready for fresh ones right now.
    pub fn spare_isolates(&self) -> usize {
        self.inner.shared.spares.lock().expect("spares lock").len()
    }

    /// Idle isolates kept in the pool right now.
    pub fn idle_isolates(&self) -> usize {
        self.inner.shared.pool.lock().expect("pool lock").total
    }
}
