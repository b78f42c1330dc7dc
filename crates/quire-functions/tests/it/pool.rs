//! Isolate pooling: a warm isolate keeps its globals across calls of one version; a new version,
//! another project, or an isolate that hit a limit starts fresh, from a spare made ahead of
//! time when one is ready.

use std::time::{Duration, Instant};

use quire_functions::{FunctionRef, InvokeError, Limits, Runtime, RuntimeConfig};
use serde_json::json;

use crate::{function, invocation, runtime};

const COUNTER: &str = "let calls = 0;\n\
    async function handler(request) {\n\
      calls++;\n\
      const p = await request.json();\n\
      if (p.spin) while (true) {}\n\
      return { calls };\n\
    }";

async fn calls(rt: &quire_functions::Runtime, f: &FunctionRef) -> u64 {
    let outcome = rt.invoke(f, invocation(&json!({}))).await;
    let body: serde_json::Value = serde_json::from_slice(&outcome.result.unwrap().body).unwrap();
    body["calls"].as_u64().unwrap()
}

#[tokio::test]
async fn a_warm_isolate_is_reused_and_a_new_version_starts_fresh() {
    let rt = runtime();
    let v1 = function(COUNTER);
    assert_eq!(calls(&rt, &v1).await, 1);
    assert_eq!(calls(&rt, &v1).await, 2);
    assert_eq!(calls(&rt, &v1).await, 3);
    assert_eq!(rt.idle_isolates(), 1);
    let v2 = FunctionRef {
        version: 2,
        ..v1.clone()
    };
    assert_eq!(calls(&rt, &v2).await, 1);
    assert_eq!(calls(&rt, &v1).await, 4);
}

#[tokio::test]
async fn projects_never_share_an_isolate() {
    let rt = runtime();
    let a = function(COUNTER);
    let b = FunctionRef {
        project_id: "other-project".to_owned(),
        ..a.clone()
    };
    assert_eq!(calls(&rt, &a).await, 1);
    assert_eq!(calls(&rt, &b).await, 1);
    assert_eq!(calls(&rt, &a).await, 2);
}

#[tokio::test]
async fn an_isolate_that_timed_out_is_thrown_away() {
    let rt = runtime();
    let f = FunctionRef {
        limits: Limits {
            wall_time: Duration::from_millis(200),
            ..Limits::default()
        },
        ..function(COUNTER)
    };
    assert_eq!(calls(&rt, &f).await, 1);
    let outcome = rt.invoke(&f, invocation(&json!({"spin": true}))).await;
    assert!(matches!(outcome.result, Err(InvokeError::Timeout { .. })));
    assert_eq!(calls(&rt, &f).await, 1, "a fresh isolate after the timeout");
}

#[tokio::test]
async fn concurrent_calls_all_complete() {
    let rt = runtime();
    let f = function(
        "async function handler(req) { const { i } = await req.json(); \
         await new Promise((r) => setTimeout(r, 20)); return { i }; }",
    );
    let calls = (0..20).map(|i| {
        let rt = rt.clone();
        let f = f.clone();
        async move { rt.invoke(&f, invocation(&json!({ "i": i }))).await }
    });
    let outcomes = futures::future::join_all(calls).await;
    for (i, outcome) in outcomes.into_iter().enumerate() {
        let body: serde_json::Value =
            serde_json::from_slice(&outcome.result.unwrap().body).unwrap();
        assert_eq!(body["i"], i);
    }
    assert!(rt.idle_isolates() <= 4, "at most idle_per_function kept");
}

#[tokio::test]
async fn a_timer_left_running_does_not_fire_in_the_next_call() {
    let rt = runtime();
    let f = function(
        "let fired = 0;\n\
         async function handler(req) {\n\
           const { arm } = await req.json();\n\
           if (arm) setTimeout(() => { fired++; console.log('late timer'); }, 30);\n\
           await new Promise((r) => setTimeout(r, 60));\n\
           return { fired };\n\
         }",
    );
    let first = rt.invoke(&f, invocation(&json!({"arm": true}))).await;
    assert_eq!(first.result.unwrap().text(), r#"{"fired":1}"#);
    let armed_and_left = function(
        "async function handler(req) { setTimeout(() => console.log('stale'), 50); return 'done'; }",
    );
    let outcome = rt.invoke(&armed_and_left, invocation(&json!({}))).await;
    assert_eq!(outcome.result.unwrap().text(), "done");
    tokio::time::sleep(Duration::from_millis(80)).await;
    let outcome = rt.invoke(&armed_and_left, invocation(&json!({}))).await;
    assert_eq!(
        outcome.logs, "",
        "the earlier call's timer must not log into this call"
    );
}

fn with_spares(spare_isolates: usize) -> Runtime {
    Runtime::new(RuntimeConfig {
        workers: 2,
        spare_isolates,
        ..RuntimeConfig::default()
    })
}

/// Waits (up to 30 s, for a loaded debug build) until `rt` has `count` spares ready.
async fn spares_ready(rt: &Runtime, count: usize) {
    let start = Instant::now();
    while rt.spare_isolates() != count {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{} spares ready, expected {count}",
            rt.spare_isolates()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_fresh_isolate_starts_from_a_spare_and_the_keeper_makes_another() {
    let rt = with_spares(1);
    spares_ready(&rt, 1).await;
    assert_eq!(calls(&rt, &function(COUNTER)).await, 1);
    let placements = rt.placements();
    assert_eq!(
        (placements.fresh_from_spares, placements.fresh_built),
        (1, 0)
    );
    spares_ready(&rt, 1).await;
    assert_eq!(rt.validate(COUNTER).await, Ok(()));
    assert_eq!(
        rt.placements().fresh_from_spares,
        2,
        "validation uses spares too"
    );
}

#[tokio::test]
async fn without_spares_a_fresh_isolate_is_made_on_the_call() {
    let rt = with_spares(0);
    assert_eq!(calls(&rt, &function(COUNTER)).await, 1);
    let placements = rt.placements();
    assert_eq!(
        (placements.fresh_from_spares, placements.fresh_built),
        (0, 1)
    );
    assert_eq!(rt.spare_isolates(), 0);
}

#[tokio::test]
async fn a_spare_never_carries_what_another_function_left() {
    let rt = with_spares(2);
    let leave = function(
        "async function handler() {\n\
           globalThis.left = 'behind';\n\
           Response.prototype.left = 'behind';\n\
           return { ok: true };\n\
         }",
    );
    let look = function(
        "async function handler() {\n\
           return { global: typeof left, prototype: typeof new Response('').left };\n\
         }",
    );
    // Each round is a new version of both, so each call needs a fresh isolate.
    for version in 1..=3 {
        spares_ready(&rt, 2).await;
        let leave = FunctionRef {
            version,
            ..leave.clone()
        };
        let look = FunctionRef {
            version,
            ..look.clone()
        };
        let outcome = rt.invoke(&leave, invocation(&json!({}))).await;
        assert!(outcome.result.is_ok());
        let outcome = rt.invoke(&look, invocation(&json!({}))).await;
        let body: serde_json::Value =
            serde_json::from_slice(&outcome.result.unwrap().body).unwrap();
        assert_eq!(
            body,
            json!({ "global": "undefined", "prototype": "undefined" })
        );
    }
    assert_eq!(rt.placements().fresh_from_spares, 6);
}
