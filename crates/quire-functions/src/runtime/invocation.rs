//! Runs one invocation, or one validation, on an isolate: a pooled one, or a fresh one that
//! loads the function first; arms the meter, lets the call's leftover host futures wind down,
//! and says whether the isolate may serve the next call.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::Shared;
use super::judge::{host_limit_error, judge_call, judge_load_failure, load_threw};
use super::keeper::Chore;
use super::pool::Key;
use super::workers::{Placement, RunningLong};
use crate::call_state::CallState;
use crate::config::Limits;
use crate::error::{InvokeError, LoadError};
use crate::http::HttpResponse;
use crate::isolate::{CallResult, Isolate, LoadFailure};
use crate::kv::MemoryKv;
use crate::meter::{Handoff, Metered};
use crate::types::{FunctionRef, Invocation, Outcome};

/// Time allowed after a call for the host futures it left behind to wind down.
const SETTLE_BUDGET: Duration = Duration::from_millis(100);

/// A call whose one poll held its thread this long never reached the interrupt handler in
/// time to leave it (native code: allocations, the garbage collector): its version's later
/// calls leave the worker before they start.
const HELD_TOO_LONG: Duration = Duration::from_millis(50);

impl Shared {
    /// A fresh isolate with `code` loaded: from a spare when one is ready, else made now. On a
    /// worker, top-level code that runs long leaves the worker as a call would.
    pub async fn fresh_isolate(
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
}

/// Loads `code` in a fresh isolate under the validation limits: see [`super::Runtime::validate`].
pub async fn run_validation(shared: &Shared, code: &str) -> Result<(), LoadError> {
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

/// Runs one invocation on `pooled`, or on a fresh isolate when there is none; also returns the
/// isolate if it may serve the next call.
pub async fn run_invocation(
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
            .map_err(|failure| judge_load_failure(failure, limits, state.limit())),
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
    // An isolate that ran out of memory or broke inside the engine may be in any state.
    if let CallResult::Threw(err) = &result
        && (trip.is_some() || err.is_out_of_memory() || err.uncaught_internal)
    {
        healthy = false;
    }
    let judged = judge_call(result, limits, trip, host_limit);
    (judged, healthy && trip.is_none())
}
