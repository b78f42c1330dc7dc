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
