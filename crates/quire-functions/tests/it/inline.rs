//! Calls on the caller's thread (`RuntimeConfig::inline_calls`): a warm isolate runs where the
//! request was taken; a call that runs long moves that thread's other tasks away and sends its
//! version's later calls to the workers; every limit still holds.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use quire_functions::{FunctionRef, InvokeError, Limits, Placements, Runtime, RuntimeConfig};
use serde_json::json;

use crate::{function, invocation};

const COUNTER: &str = "let calls = 0;\n\
    async function handler(request) {\n\
      calls++;\n\
      const p = await request.json();\n\
      if (p.spinMs) { const end = Date.now() + p.spinMs; while (Date.now() < end) {} }\n\
      if (p.forever) while (true) {}\n\
      if (p.recurse) { const f = (n) => f(n + 1) + 1; f(0); }\n\
      return { calls };\n\
    }";

fn inline_config(workers: usize) -> RuntimeConfig {
    RuntimeConfig {
        workers,
        inline_calls: true,
        ..RuntimeConfig::default()
    }
}

/// A multi-threaded tokio runtime like `quire serve`'s: `threads` workers with the stack
/// JavaScript needs.
fn executor(threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_stack_size(RuntimeConfig::default().caller_stack_bytes())
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

async fn calls(rt: &Runtime, f: &FunctionRef, payload: serde_json::Value) -> u64 {
    let outcome = rt.invoke(f, invocation(&payload)).await;
    let body = match outcome.result {
        Ok(response) => response.body,
        Err(err) => panic!("call failed: {err}\n{}", outcome.logs),
    };
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    body["calls"].as_u64().unwrap()
}

/// Runs `work` on a task of `executor` (not on the thread that blocks on it).
fn on_executor<F, T>(executor: &tokio::runtime::Runtime, work: F) -> T
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    executor
        .block_on(async { tokio::spawn(work).await })
        .expect("the task finishes")
}

#[test]
fn warm_calls_run_on_the_callers_thread_and_keep_their_isolate() {
    let executor = executor(2);
    let rt = Runtime::new(inline_config(2));
    let f = function(COUNTER);
    let (first, second, third) = on_executor(&executor, {
        let rt = rt.clone();
        async move {
            (
                calls(&rt, &f, json!({})).await,
                calls(&rt, &f, json!({})).await,
                calls(&rt, &f, json!({})).await,
            )
        }
    });
    assert_eq!(
        (first, second, third),
        (1, 2, 3),
        "one isolate served all three"
    );
    let Placements {
        on_caller,
        handed_off,
        on_workers,
        running_long,
        running_long_on_workers,
        fresh_from_spares,
        fresh_built,
    } = rt.placements();
    assert_eq!(
        (on_caller, handed_off, on_workers, running_long),
        (2, 0, 1, 0),
        "the first call loads the isolate on a worker, the warm ones run on the caller"
    );
    assert_eq!(fresh_from_spares + fresh_built, 1);
    assert_eq!(running_long_on_workers, 0);
}

#[test]
fn a_long_call_moves_the_threads_other_tasks_away_and_its_version_goes_to_the_workers() {
    // One executor thread: without the handoff, nothing else could run during the spin.
    let executor = executor(1);
    let rt = Runtime::new(inline_config(2));
    let f = function(COUNTER);
    let ticks = Arc::new(Mutex::new(Vec::<Instant>::new()));
    let (spin_start, spin_end) = on_executor(&executor, {
        let rt = rt.clone();
        let ticks = ticks.clone();
        async move {
            assert_eq!(calls(&rt, &f, json!({})).await, 1);
            let ticker = tokio::spawn(async move {
                loop {
                    ticks.lock().unwrap().push(Instant::now());
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            });
            tokio::time::sleep(Duration::from_millis(10)).await;
            let start = Instant::now();
            assert_eq!(calls(&rt, &f, json!({ "spinMs": 300 })).await, 2);
            let end = Instant::now();
            assert_eq!(calls(&rt, &f, json!({})).await, 3, "the isolate stays warm");
            ticker.abort();
            (start, end)
        }
    });
    let during = ticks
        .lock()
        .unwrap()
        .iter()
        .filter(|t| **t > spin_start + Duration::from_millis(50) && **t < spin_end)
        .count();
    assert!(
        during > 0,
        "another task of the only executor thread ran while the call spun"
    );
    let placements = rt.placements();
    assert_eq!(placements.handed_off, 1);
    assert_eq!(
        placements.on_caller, 1,
        "the spinning call ran on the caller"
    );
    assert_eq!(
        placements.on_workers, 2,
        "the first call and the one after the spin"
    );
    assert_eq!(placements.running_long, 0);
}

#[test]
fn limits_hold_on_the_callers_thread() {
    let executor = executor(2);
    let rt = Runtime::new(inline_config(2));
    let limited = |limits: Limits| FunctionRef {
        limits,
        ..function(COUNTER)
    };
    let cpu = limited(Limits {
        cpu_time: Duration::from_millis(200),
        ..Limits::default()
    });
    let wall = limited(Limits {
        wall_time: Duration::from_millis(200),
        ..Limits::default()
    });
    let deep = function(COUNTER);
    let results = on_executor(&executor, {
        let rt = rt.clone();
        async move {
            let mut results = Vec::new();
            for f in [&cpu, &wall, &deep] {
                assert_eq!(calls(&rt, f, json!({})).await, 1);
            }
            for (f, payload) in [
                (&cpu, json!({ "forever": true })),
                (&wall, json!({ "forever": true })),
                (&deep, json!({ "recurse": true })),
            ] {
                results.push(rt.invoke(f, invocation(&payload)).await.result);
            }
            // A limit costs the isolate; the next call starts fresh and works.
            results.push(rt.invoke(&cpu, invocation(&json!({}))).await.result);
            results
        }
    });
    assert!(
        matches!(results[0], Err(InvokeError::CpuLimit { .. })),
        "{:?}",
        results[0]
    );
    assert!(
        matches!(results[1], Err(InvokeError::Timeout { .. })),
        "{:?}",
        results[1]
    );
    match &results[2] {
        Err(InvokeError::Thrown { message, .. }) => {
            assert!(message.contains("RangeError"), "{message}");
        }
        other => panic!("deep recursion: {other:?}"),
    }
    let body: serde_json::Value =
        serde_json::from_slice(&results[3].as_ref().expect("a fresh isolate").body).unwrap();
    assert_eq!(body["calls"], 1);
    let placements = rt.placements();
    assert_eq!(placements.on_caller, 3, "{placements:?}");
    assert_eq!(placements.running_long, 0);
}

#[test]
fn while_calls_run_long_on_as_many_threads_as_there_are_workers_the_rest_go_to_the_workers() {
    let executor = executor(2);
    let rt = Runtime::new(inline_config(1));
    let spinner = function(COUNTER);
    let other = function(COUNTER);
    let placements = on_executor(&executor, {
        let rt = rt.clone();
        async move {
            calls(&rt, &spinner, json!({})).await;
            calls(&rt, &other, json!({})).await;
            let spinning = tokio::spawn({
                let rt = rt.clone();
                async move { calls(&rt, &spinner, json!({ "spinMs": 1000 })).await }
            });
            while rt.placements().running_long == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let before = rt.placements();
            assert_eq!(calls(&rt, &other, json!({})).await, 2);
            let after = rt.placements();
            spinning.abort();
            (before, after)
        }
    });
    let (before, after) = placements;
    assert_eq!(
        after.on_workers,
        before.on_workers + 1,
        "a warm call went to the workers while one call ran long: {before:?} → {after:?}"
    );
}

#[tokio::test]
async fn a_current_thread_runtime_always_uses_the_workers() {
    let rt = Runtime::new(inline_config(2));
    let f = function(COUNTER);
    assert_eq!(calls(&rt, &f, json!({})).await, 1);
    assert_eq!(calls(&rt, &f, json!({})).await, 2);
    assert_eq!(rt.placements().on_caller, 0);
    assert_eq!(rt.placements().on_workers, 2);
}

#[test]
fn a_long_call_dropped_by_its_caller_no_longer_counts_as_running_long() {
    let executor = executor(2);
    let rt = Runtime::new(inline_config(2));
    let f = function(
        "async function handler(request) {\n\
           const p = await request.json();\n\
           if (p.spinMs) { const end = Date.now() + p.spinMs; while (Date.now() < end) {} }\n\
           if (p.thenWait) await new Promise((resolve) => setTimeout(resolve, 10000));\n\
           return {};\n\
         }",
    );
    let placements = on_executor(&executor, {
        let rt = rt.clone();
        async move {
            rt.invoke(&f, invocation(&json!({}))).await.result.unwrap();
            // Runs long, then waits: the caller (a client that went away) gives up meanwhile.
            let call = rt.invoke(&f, invocation(&json!({ "spinMs": 50, "thenWait": true })));
            let gave_up = tokio::time::timeout(Duration::from_millis(500), call).await;
            assert!(gave_up.is_err(), "the call was still waiting");
            rt.placements()
        }
    });
    assert_eq!(placements.on_caller, 1, "{placements:?}");
    assert_eq!(placements.running_long, 0, "{placements:?}");
}
