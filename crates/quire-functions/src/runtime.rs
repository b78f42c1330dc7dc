//! The [`Runtime`]: worker threads that run JavaScript, the pool of idle isolates keyed by
//! (project, function, version), and the judgement of each call (limits, status, errors).
//!
//! The workers are the threads of the runtime's own multi-threaded tokio executor, so a
//! function that spins never blocks the server's executor. A call whose JavaScript keeps a
//! worker for longer than [`RuntimeConfig::handoff_after`] hands that worker's other calls to a
//! fresh thread (tokio's `block_in_place`) and finishes on its own thread: calls that run long,
//! however many, never hold every worker. Isolates are `Send` (rquickjs `parallel`) and live in
//! one shared pool, so a warm isolate serves whichever worker takes the next call.
//!
//! A keeper thread does the work no call should wait for: it makes blank isolates ahead of
//! time (a fresh isolate then only loads its function) and frees the isolates the pool evicts.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use crate::call_state::{CallState, HostLimit};
use crate::config::{Limits, RuntimeConfig};
use crate::error::{InvokeError, LoadError};
use crate::fetch::Fetcher;
use crate::http::HttpResponse;
use crate::isolate::{CallResult, Isolate, LoadFailure};
use crate::js_error::JsError;
use crate::kv::MemoryKv;
use crate::meter::{Handoff, Meter, Metered, Trip};
use crate::types::{FunctionRef, Invocation, Outcome};

/// Time allowed after a call for the host futures it left behind to wind down.
const SETTLE_BUDGET: Duration = Duration::from_millis(100);

/// Function versions remembered as too slow to run on the caller's thread; past this many the
/// list starts over (a version forgotten that way hands off once more, then is listed again).
const SLOW_KEYS_KEPT: usize = 4096;

/// A call whose one poll held its thread this long never reached the interrupt handler in
/// time to leave it (native code: allocations, the garbage collector): its version's later
/// calls leave the worker before they start.
const HELD_TOO_LONG: Duration = Duration::from_millis(50);

/// The idle pool sweeps out the lists of versions with no idle isolate when there are more
/// than this many of them.
const EMPTY_LISTS_SWEPT_PAST: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    project_id: String,
    function_id: String,
    version: i64,
}

impl Key {
    fn of(function: &FunctionRef) -> Self {
        Self {
            project_id: function.project_id.clone(),
            function_id: function.function_id.clone(),
            version: function.version,
        }
    }
}

/// An idle isolate, with when and where it last ran.
struct Idle {
    tick: u64,
    /// The thread it last ran on: a call there finds its memory still in that core's caches.
    thread: ThreadId,
    isolate: Isolate,
}

/// Idle isolates by function version. Every call hashes two ids per lookup: `foldhash`
/// (seeded per process) does it in about half the instructions of the standard `SipHash`.
#[derive(Default)]
struct IdlePool {
    /// A version's list stays when it empties, so the next call of that version puts its
    /// isolate back without a new entry; empty lists are swept when they pile up.
    by_key: foldhash::HashMap<Key, Vec<Idle>>,
    total: usize,
    tick: u64,
    /// Versions whose calls ran long on a caller's thread: their calls go to the workers.
    slow: foldhash::HashSet<Key>,
}

impl IdlePool {
    /// An idle isolate of `key`, preferably one that last ran on this thread: one that moves
    /// between threads finds its memory in the other core's caches (under load in the HTTP
    /// benchmark, keeping isolates on their threads saved about 10 µs of CPU per call).
    fn take(&mut self, key: &Key) -> Option<Isolate> {
        let list = self.by_key.get_mut(key)?;
        let here = std::thread::current().id();
        let position = list
            .iter()
            .rposition(|idle| idle.thread == here)
            .or_else(|| list.len().checked_sub(1))?;
        let isolate = list.remove(position).isolate;
        self.total -= 1;
        Some(isolate)
    }

    /// Keeps `isolate` unless its key or the pool is full; returns what to drop (outside the
    /// lock).
    fn put(&mut self, key: Key, isolate: Isolate, per_key: usize, cap: usize) -> Vec<Isolate> {
        let mut dropped = Vec::new();
        self.tick += 1;
        if self.by_key.len() > EMPTY_LISTS_SWEPT_PAST + self.total {
            self.by_key.retain(|_, list| !list.is_empty());
        }
        let list = self.by_key.entry(key).or_default();
        if list.len() >= per_key || cap == 0 {
            dropped.push(isolate);
            return dropped;
        }
        list.push(Idle {
            tick: self.tick,
            thread: std::thread::current().id(),
            isolate,
        });
        self.total += 1;
        while self.total > cap {
            let oldest = self
                .by_key
                .iter()
                .filter_map(|(key, list)| list.first().map(|idle| (idle.tick, key.clone())))
                .min_by_key(|(tick, _)| *tick);
            let Some((_, key)) = oldest else { break };
            // Lists stay in the order isolates came back, oldest first.
            let list = self.by_key.get_mut(&key).expect("key just seen");
            dropped.push(list.remove(0).isolate);
            if list.is_empty() {
                self.by_key.remove(&key);
            }
            self.total -= 1;
        }
        dropped
    }

    fn mark_slow(&mut self, key: Key) {
        if self.slow.len() >= SLOW_KEYS_KEPT {
            self.slow.clear();
        }
        self.slow.insert(key);
    }
}

struct Shared {
    config: RuntimeConfig,
    fetcher: Fetcher,
    pool: Mutex<IdlePool>,
    /// Blank isolates made by the keeper, each for one function.
    spares: Arc<Mutex<Vec<Isolate>>>,
    keeper: std::sync::mpsc::Sender<Chore>,
    /// Calls that ran long on a caller's thread and are still running there.
    moved: Arc<AtomicUsize>,
    /// Calls that ran long on a worker, moved its other calls away and are still running.
    moved_on_workers: Arc<AtomicUsize>,
    counts: Counts,
}

impl Shared {
    /// A fresh isolate with `code` loaded: from a spare when one is ready, else made now. On a
    /// worker, top-level code that runs long leaves the worker as a call would.
    async fn fresh_isolate(
        &self,
        code: &str,
        limits: &Limits,
        state: &Arc<CallState>,
        deadline: Instant,
    ) -> Result<Isolate, LoadFailure> {
        let spare = self.spares.lock().expect("spares lock").pop();
        // Taken or missing, the keeper makes up the number: after a failed try it has none,
        // and only this asks it again.
        let _ = self.keeper.send(Chore::Refill);
        let blank = if let Some(spare) = spare {
            self.counts
                .fresh_from_spares
                .fetch_add(1, Ordering::Relaxed);
            spare
        } else {
            self.counts.fresh_built.fetch_add(1, Ordering::Relaxed);
            Isolate::blank(self.config.js_stack_bytes)
                .await
                .map_err(LoadFailure::Threw)?
        };
        let handoff = self.worker_handoff(false);
        let _running_long = RunningLong {
            meter: blank.meter.clone(),
            moved: handoff.moved.clone(),
        };
        blank
            .load_function(code, limits, state, deadline, Some(handoff))
            .await
    }

    /// How JavaScript running long on a worker leaves the worker's other calls to it; `at_once`
    /// for a version known to run long.
    fn worker_handoff(&self, at_once: bool) -> Handoff {
        Handoff {
            after: self.config.handoff_after,
            moved: self.moved_on_workers.clone(),
            at_once,
        }
    }

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
        let nice = shared.config.worker_nice;
        let workers = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(shared.config.workers.max(1))
            .thread_name("quire-fn")
            .on_thread_start(move || lower_priority(nice))
            // Also the stack of the threads that calls running long move to.
            .thread_stack_size(shared.config.caller_stack_bytes())
            .enable_all()
            .build()
            .expect("the OS starts the function workers");
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
        if let Some((key, isolate)) = self.take_for_caller(function) {
            shared.counts.on_caller.fetch_add(1, Ordering::Relaxed);
            let handoff = Handoff {
                after: shared.config.handoff_after,
                moved: shared.moved.clone(),
                at_once: false,
            };
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

    /// A warm isolate for a call on the caller's thread, if this call may run there: the
    /// caller is a task on a multi-threaded tokio runtime, the function has not run long there
    /// before, and fewer calls than there are workers are running long on such threads now.
    fn take_for_caller(&self, function: &FunctionRef) -> Option<(Key, Isolate)> {
        let shared = &self.inner.shared;
        if !shared.config.inline_calls
            || shared.moved.load(Ordering::Relaxed) >= shared.config.workers.max(1)
        {
            return None;
        }
        let flavor = tokio::runtime::Handle::try_current().ok()?.runtime_flavor();
        if flavor != tokio::runtime::RuntimeFlavor::MultiThread {
            return None;
        }
        let key = Key::of(function);
        let mut pool = shared.pool.lock().expect("pool lock");
        if pool.slow.contains(&key) {
            return None;
        }
        let isolate = pool.take(&key)?;
        Some((key, isolate))
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

/// Gives the calling thread the nice value `nice` (on Linux a thread's own; elsewhere it would
/// be the whole process's, so it is left alone there).
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice != 0
        && let Err(error) = rustix::process::setpriority_process(None, nice)
    {
        tracing::debug!(%error, nice, "could not lower a function worker's priority");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// Takes a call that handed off its thread back out of the count of calls running long when
/// it ends, also when its caller drops it mid-way (a client that went away).
struct RunningLong {
    meter: Arc<Meter>,
    moved: Arc<AtomicUsize>,
}

impl Drop for RunningLong {
    fn drop(&mut self) {
        if self.meter.handed_off() {
            self.moved.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Work for the keeper thread.
enum Chore {
    /// Make spares until there are [`RuntimeConfig::spare_isolates`].
    Refill,
    /// Free these isolates.
    Free(Vec<Isolate>),
}

/// Starts the keeper thread, which ends when the runtime is dropped (with the last sender).
fn spawn_keeper(
    config: &RuntimeConfig,
    spares: Arc<Mutex<Vec<Isolate>>>,
) -> std::sync::mpsc::Sender<Chore> {
    let (keeper, chores) = std::sync::mpsc::channel();
    let (wanted, stack_bytes) = (config.spare_isolates, config.js_stack_bytes);
    std::thread::Builder::new()
        .name("quire-fn-keeper".to_owned())
        .stack_size(config.caller_stack_bytes())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the keeper's tokio runtime starts");
            while let Ok(chore) = chores.recv() {
                match chore {
                    Chore::Free(isolates) => drop(isolates),
                    Chore::Refill => {
                        while spares.lock().expect("spares lock").len() < wanted {
                            match runtime.block_on(Isolate::blank(stack_bytes)) {
                                Ok(spare) => spares.lock().expect("spares lock").push(spare),
                                Err(err) => {
                                    tracing::warn!(
                                        error = %err.message,
                                        "could not make a spare isolate; fresh isolates are made on the call, and the next one asks for spares again"
                                    );
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        })
        .expect("the OS starts the keeper thread");
    let _ = keeper.send(Chore::Refill);
    keeper
}

async fn run_validation(shared: &Shared, code: &str) -> Result<(), LoadError> {
    let limits = Limits {
        // Top-level code of a function being validated may not reach the network.
        max_fetches: 0,
        ..shared.config.validate_limits.clone()
    };
    let state = Arc::new(CallState::new(
        Arc::new(MemoryKv::new()),
        shared.fetcher.clone(),
        limits.clone(),
    ));
    let deadline = Instant::now() + limits.wall_time;
    match shared.fresh_isolate(code, &limits, &state, deadline).await {
        // Top-level code that caught the error of a host limit still went over it.
        Ok(_) => match state.limit() {
            Some(limit) => Err(LoadError::Limit(
                host_limit_error(limit, &limits).to_string(),
            )),
            None => Ok(()),
        },
        Err(LoadFailure::Load(err)) => Err(err),
        Err(LoadFailure::Threw(err)) => Err(load_threw(err, &limits, state.limit())),
    }
}

/// A top-level failure while loading, as a [`LoadError`].
fn load_threw(err: JsError, limits: &Limits, host_limit: Option<HostLimit>) -> LoadError {
    let trip = err.trip;
    match judge_thrown(err, limits, trip, host_limit) {
        InvokeError::Thrown { message, stack, .. } => LoadError::Threw { message, stack },
        other => LoadError::Limit(other.to_string()),
    }
}

/// Where a call runs, with how it leaves its thread to the thread's other tasks if it runs long.
enum Placement {
    /// On the caller's thread, an executor thread of the server.
    Caller(Handoff),
    /// On one of the runtime's workers.
    Worker(Handoff),
}

/// Runs one invocation on `pooled`, or on a fresh isolate when there is none; also returns the
/// isolate if it may serve the next call.
async fn run_invocation(
    shared: &Shared,
    function: &FunctionRef,
    key: Key,
    invocation: Invocation,
    pooled: Option<Isolate>,
    placement: Placement,
) -> (Outcome, Option<(Key, Isolate)>) {
    let start = Instant::now();
    let limits = &function.limits;
    let deadline = start + limits.wall_time;
    let state = Arc::new(CallState::new(
        invocation.kv.clone(),
        shared.fetcher.clone(),
        limits.clone(),
    ));
    if pooled.is_none() {
        tracing::debug!(
            project = %key.project_id,
            function = %key.function_id,
            version = key.version,
            "no idle isolate; loading a fresh one"
        );
    }
    let loaded = match pooled {
        Some(mut isolate) => {
            if isolate.memory_limit() != limits.memory_bytes {
                isolate.set_memory_limit(limits.memory_bytes).await;
            }
            Ok(isolate)
        }
        None => shared
            .fresh_isolate(&function.code, limits, &state, deadline)
            .await
            .map_err(|failure| match failure {
                LoadFailure::Load(err) => InvokeError::Load(err),
                LoadFailure::Threw(err) => {
                    let trip = err.trip;
                    match judge_thrown(err, limits, trip, state.limit()) {
                        InvokeError::Thrown { message, stack } => {
                            InvokeError::Load(LoadError::Threw { message, stack })
                        }
                        other => other,
                    }
                }
            }),
    };
    let (on_caller, handoff) = match placement {
        Placement::Caller(handoff) => (true, handoff),
        Placement::Worker(handoff) => (false, handoff),
    };
    let (result, reusable) = match loaded {
        Ok(isolate) => {
            let _running_long = RunningLong {
                meter: isolate.meter.clone(),
                moved: handoff.moved.clone(),
            };
            let (result, healthy) =
                run_call(&isolate, &state, &invocation, limits, deadline, handoff).await;
            let handed_off = isolate.meter.handed_off();
            if on_caller && handed_off {
                shared.counts.handed_off.fetch_add(1, Ordering::Relaxed);
            }
            if handed_off || isolate.meter.longest_poll() > HELD_TOO_LONG {
                shared
                    .pool
                    .lock()
                    .expect("pool lock")
                    .mark_slow(key.clone());
                tracing::debug!(
                    project = %key.project_id,
                    function = %key.function_id,
                    version = key.version,
                    "a call ran long; this version's calls go to the workers and leave them before they start"
                );
            }
            if !healthy {
                tracing::debug!(
                    project = %key.project_id,
                    function = %key.function_id,
                    version = key.version,
                    "isolate discarded after a limit or an engine failure"
                );
            }
            (result, healthy.then_some((key, isolate)))
        }
        Err(err) => (Err(err), None),
    };
    let response_bytes = match &result {
        Ok(response) | Err(InvokeError::BadStatus { response, .. }) => response.body.len(),
        Err(_) => 0,
    };
    let logs = std::mem::take(&mut *state.logs.lock().expect("log lock"));
    let outcome = Outcome {
        result,
        duration: start.elapsed(),
        logs: logs.text,
        logs_truncated: logs.truncated,
        request_bytes: invocation.request.body.len(),
        response_bytes,
    };
    (outcome, reusable)
}

/// Runs one call on `isolate` and judges it; the flag says whether the isolate may be reused.
async fn run_call(
    isolate: &Isolate,
    state: &Arc<CallState>,
    invocation: &Invocation,
    limits: &Limits,
    deadline: Instant,
    handoff: Handoff,
) -> (Result<HttpResponse, InvokeError>, bool) {
    isolate.meter.arm(limits.cpu_time, deadline, Some(handoff));
    let finished = tokio::time::timeout_at(
        deadline.into(),
        Metered::new(
            &isolate.meter,
            isolate.call(state, &invocation.request, &invocation.secrets),
        ),
    )
    .await;
    state.cancel();
    let Ok(result) = finished else {
        isolate.meter.disarm();
        return (
            Err(InvokeError::Timeout {
                limit: limits.wall_time,
            }),
            false,
        );
    };
    let mut healthy = isolate.meter.tripped().is_none();
    if healthy && state.pending.load(Ordering::Relaxed) > 0 {
        // Cancelled timers and fetches finish at once; their continuations may still run JS.
        healthy = Metered::new(&isolate.meter, isolate.settle(SETTLE_BUDGET)).await;
    }
    let trip = isolate.meter.tripped();
    isolate.meter.disarm();
    isolate.release();
    let host_limit = state.limit();
    let judged = match result {
        CallResult::Threw(err) => {
            if trip.is_some() || err.is_out_of_memory() || err.uncaught_internal {
                healthy = false;
            }
            Err(judge_thrown(err, limits, trip, host_limit))
        }
        CallResult::Invalid(what) => match host_limit {
            Some(limit) => Err(host_limit_error(limit, limits)),
            None => Err(InvokeError::InvalidResponse(what)),
        },
        CallResult::Response(response) => judge_response(response, limits, host_limit),
    };
    (judged, healthy && trip.is_none())
}

/// The error naming a limit that host code enforced.
fn host_limit_error(limit: HostLimit, limits: &Limits) -> InvokeError {
    match limit {
        HostLimit::Fetches => InvokeError::TooManyRequests {
            limit: limits.max_fetches,
        },
        HostLimit::Logs => InvokeError::LogTooLarge {
            limit: limits.max_log_bytes,
        },
    }
}

fn judge_response(
    response: HttpResponse,
    limits: &Limits,
    host_limit: Option<HostLimit>,
) -> Result<HttpResponse, InvokeError> {
    if let Some(limit) = host_limit {
        return Err(host_limit_error(limit, limits));
    }
    if response.body.len() > limits.max_response_bytes {
        return Err(InvokeError::ResponseTooLarge {
            size: response.body.len(),
            limit: limits.max_response_bytes,
        });
    }
    if response.status >= 400 {
        return Err(InvokeError::BadStatus {
            status: response.status,
            message: error_message(&response),
            response,
        });
    }
    Ok(response)
}

/// The message of an error response: `error`/`message` of a JSON body, or its text.
fn error_message(response: &HttpResponse) -> String {
    const MAX_CHARS: usize = 500;
    if let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(&response.body) {
        let found = match (body.get("error"), body.get("message")) {
            (Some(serde_json::Value::String(s)), _) | (_, Some(serde_json::Value::String(s))) => {
                Some(s.clone())
            }
            (Some(serde_json::Value::Object(e)), _) => e
                .get("message")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            _ => None,
        };
        if let Some(message) = found {
            return message;
        }
    }
    let text = response.text();
    let text = text.trim();
    if text.is_empty() {
        format!("the function responded with status {}", response.status)
    } else {
        text.chars().take(MAX_CHARS).collect()
    }
}

/// Turns an exception into the error the caller sees, naming the limit if one was hit.
fn judge_thrown(
    err: JsError,
    limits: &Limits,
    trip: Option<Trip>,
    host_limit: Option<HostLimit>,
) -> InvokeError {
    match trip {
        Some(Trip::Cpu) => {
            return InvokeError::CpuLimit {
                limit: limits.cpu_time,
            };
        }
        Some(Trip::Wall) => {
            return InvokeError::Timeout {
                limit: limits.wall_time,
            };
        }
        None => {}
    }
    if err.is_out_of_memory() {
        return InvokeError::OutOfMemory {
            limit_mb: limits.memory_bytes / (1024 * 1024),
        };
    }
    if let Some(limit) = host_limit {
        return host_limit_error(limit, limits);
    }
    let message = if err.name.is_empty() || err.name == "Error" {
        err.message
    } else {
        format!("{}: {}", err.name, err.message)
    };
    InvokeError::Thrown {
        message,
        stack: err.stack,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FetchPolicy;

    /// An isolate told apart from others by its memory limit.
    async fn isolate(memory_bytes: usize) -> Isolate {
        let limits = Limits {
            memory_bytes,
            ..Limits::default()
        };
        let state = Arc::new(CallState::new(
            Arc::new(MemoryKv::new()),
            Fetcher::new(FetchPolicy::default()),
            limits.clone(),
        ));
        let deadline = Instant::now() + Duration::from_secs(10);
        let code = "async function handler() { return {}; }";
        let Ok(blank) = Isolate::blank(1024 * 1024).await else {
            panic!("a blank isolate is made");
        };
        let Ok(isolate) = blank
            .load_function(code, &limits, &state, deadline, None)
            .await
        else {
            panic!("the function loads");
        };
        isolate
    }

    #[tokio::test]
    async fn an_idle_isolate_goes_back_to_the_thread_it_last_ran_on() {
        const HERE: usize = 32 << 20;
        const THERE: usize = 48 << 20;
        let key = Key {
            project_id: "p".to_owned(),
            function_id: "f".to_owned(),
            version: 1,
        };
        let pool = Mutex::new(IdlePool::default());
        let put = |isolate| {
            assert!(
                pool.lock()
                    .unwrap()
                    .put(key.clone(), isolate, 8, 8)
                    .is_empty()
            );
        };
        let take = || pool.lock().unwrap().take(&key).map(|i| i.memory_limit());
        let (here, there) = (isolate(HERE).await, isolate(THERE).await);
        put(here);
        let turns = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            s.spawn(|| {
                put(there);
                turns.wait();
                turns.wait();
                // This thread's isolate, though the other came back after it.
                assert_eq!(take(), Some(THERE));
            });
            turns.wait();
            // The other thread's isolate came back last; this thread still gets its own.
            let mine = pool.lock().unwrap().take(&key).expect("an idle isolate");
            assert_eq!(mine.memory_limit(), HERE);
            put(mine);
            turns.wait();
        });
        // A thread none of them ran on takes the one that came back last.
        put(isolate(THERE).await);
        let other = std::thread::scope(|s| s.spawn(take).join().unwrap());
        assert_eq!(other, Some(THERE));
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn the_workers_run_at_a_lower_priority_than_the_server() {
        let ours = rustix::process::getpriority_process(None).unwrap();
        let rt = Runtime::new(RuntimeConfig {
            workers: 1,
            ..RuntimeConfig::default()
        });
        let theirs = rt
            .inner
            .workers()
            .spawn(async { rustix::process::getpriority_process(None).unwrap() })
            .await
            .unwrap();
        assert_eq!(theirs, (ours + 10).min(19));
        assert_eq!(
            rustix::process::getpriority_process(None).unwrap(),
            ours,
            "only the workers' threads"
        );
    }

    #[tokio::test]
    async fn the_pool_forgets_versions_it_no_longer_holds_isolates_of() {
        let mut pool = IdlePool::default();
        let mut isolate = isolate(32 << 20).await;
        // One isolate passing through many versions leaves an empty list behind for each.
        let versions = i64::try_from(2 * EMPTY_LISTS_SWEPT_PAST).expect("a small count");
        for version in 0..versions {
            let key = Key {
                project_id: "p".to_owned(),
                function_id: "f".to_owned(),
                version,
            };
            assert!(pool.put(key.clone(), isolate, 8, 8).is_empty());
            isolate = pool.take(&key).expect("the isolate just put back");
        }
        assert!(
            pool.by_key.len() <= EMPTY_LISTS_SWEPT_PAST + 1,
            "{} lists kept for one isolate",
            pool.by_key.len()
        );
        assert_eq!(pool.total, 0);
    }
}
