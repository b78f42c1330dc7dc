//! Isolate pooling: a warm isolate keeps its globals across calls of one version; a new version,
//! another project, or an isolate that hit a limit starts fresh.

use std::time::Duration;

use quire_functions::{FunctionRef, InvokeError, Limits};
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
