//! Calls that run long never hold the workers: a call whose JavaScript keeps a worker busy
//! moves the worker's other calls to another thread, so another project's call completes while
//! more calls loop than there are workers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use quire_functions::{FunctionRef, KvStore, Limits, MemoryKv, Runtime, RuntimeConfig};
use serde_json::json;

use crate::{function, invocation, invocation_with};

const WORKERS: usize = 2;

/// Says it started (in the KV store the test shares), then loops until its wall-time limit.
/// Every other call first runs long, then waits for a timer: after the wait it is back on a
/// worker and must leave it once more.
const LOOPER: &str = "async function handler(request, env) {\n\
      const p = await request.json();\n\
      if (p.n % 2) {\n\
        const end = Date.now() + 20; while (Date.now() < end) {}\n\
        await new Promise((resolve) => setTimeout(resolve, 1));\n\
      }\n\
      await env.KV.put(`started-${p.n}`, \"1\");\n\
      while (true) {}\n\
    }";

#[tokio::test]
async fn another_projects_call_completes_while_more_calls_loop_than_there_are_workers() {
    let rt = Runtime::new(RuntimeConfig {
        workers: WORKERS,
        ..RuntimeConfig::default()
    });
    let looper = FunctionRef {
        project_id: "hostile".to_owned(),
        limits: Limits {
            wall_time: Duration::from_secs(5),
            cpu_time: Duration::from_secs(5),
            ..Limits::default()
        },
        ..function(LOOPER)
    };
    let kv = Arc::new(MemoryKv::new());
    let loopers: Vec<_> = (0..2 * WORKERS)
        .map(|n| {
            let (rt, looper) = (rt.clone(), looper.clone());
            let invocation = invocation_with(&json!({ "n": n }), kv.clone(), BTreeMap::new());
            tokio::spawn(async move { rt.invoke(&looper, invocation).await })
        })
        .collect();
    // Every looping call has started (each said so before it began to spin).
    while kv.list("started-", 100).await.unwrap().len() < loopers.len() {
        assert!(
            loopers.iter().all(|call| !call.is_finished()),
            "a looping call ended before all of them had started: they took turns on the workers"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let other = FunctionRef {
        project_id: "neighbour".to_owned(),
        ..function("async function handler() { return { ok: true }; }")
    };
    let outcome = rt.invoke(&other, invocation(&json!({}))).await;
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    assert!(
        loopers.iter().all(|call| !call.is_finished()),
        "the other project's call completed while every looping call was still running"
    );
    let placements = rt.placements();
    assert_eq!(
        placements.running_long_on_workers,
        loopers.len(),
        "each looping call moved its worker's other calls away: {placements:?}"
    );
    for call in loopers {
        call.abort();
    }
}

/// Says it started, then stays in native code, where the interrupt handler never runs: a sort
/// with the default comparison calls no JavaScript.
const NATIVE: &str = "async function handler(request, env) {\n\
      const p = await request.json();\n\
      await env.KV.put(`started-${p.n}`, \"1\");\n\
      new Array(p.size).fill(0).sort();\n\
      return { sorted: p.size };\n\
    }";

#[tokio::test]
async fn a_version_that_held_a_worker_in_native_code_leaves_the_worker_before_its_next_calls() {
    let rt = Runtime::new(RuntimeConfig {
        workers: 1,
        ..RuntimeConfig::default()
    });
    let native = FunctionRef {
        project_id: "hostile".to_owned(),
        limits: Limits {
            memory_bytes: 512 << 20,
            ..Limits::default()
        },
        ..function(NATIVE)
    };
    let kv = Arc::new(MemoryKv::new());
    let run = |n: u32| {
        let (rt, native) = (rt.clone(), native.clone());
        let invocation = invocation_with(
            &json!({ "n": n, "size": 1_000_000 }),
            kv.clone(),
            BTreeMap::new(),
        );
        tokio::spawn(async move { rt.invoke(&native, invocation).await })
    };
    // The first call holds the only worker: nothing told the runtime it would run long.
    let first = run(0).await.unwrap();
    assert!(first.result.is_ok(), "{:?}", first.result);

    let second = run(1);
    while kv.get("started-1").await.unwrap().is_none() {
        assert!(
            !second.is_finished(),
            "the second call ended before it started"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let other = FunctionRef {
        project_id: "neighbour".to_owned(),
        ..function("async function handler() { return { ok: true }; }")
    };
    let outcome = rt.invoke(&other, invocation(&json!({}))).await;
    assert!(outcome.result.is_ok(), "{:?}", outcome.result);
    assert!(
        !second.is_finished(),
        "the other project's call completed while the second call was still in native code"
    );
    assert!(second.await.unwrap().result.is_ok());
}
