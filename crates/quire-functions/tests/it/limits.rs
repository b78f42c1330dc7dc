//! Per-call limits: each ends the call with the typed error naming it, shortly after the limit,
//! and the runtime keeps serving afterwards.

use std::time::{Duration, Instant};

use quire_functions::{FunctionRef, InvokeError, Limits, Runtime};
use serde_json::json;

use crate::{function, invocation, runtime};

fn limited(code: &str, limits: Limits) -> FunctionRef {
    FunctionRef {
        limits,
        ..function(code)
    }
}

/// The runtime still answers a normal call.
async fn still_serving(rt: &Runtime) {
    let outcome = rt
        .invoke(
            &function("function handler() { return { alive: true }; }"),
            invocation(&json!({})),
        )
        .await;
    assert_eq!(
        outcome.result.expect("runtime still serves").text(),
        r#"{"alive":true}"#
    );
}

#[tokio::test]
async fn an_endless_loop_ends_with_a_timeout_shortly_after_the_deadline() {
    let rt = runtime();
    let wall = Duration::from_millis(400);
    let f = limited(
        "function handler() { while (true) {} }",
        Limits {
            wall_time: wall,
            ..Limits::default()
        },
    );
    let start = Instant::now();
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    let elapsed = start.elapsed();
    let err = outcome.result.unwrap_err();
    assert!(
        matches!(err, InvokeError::Timeout { limit } if limit == wall),
        "{err:?}"
    );
    assert!(err.to_string().contains("time limit of 400 ms"), "{err}");
    assert!(
        // Generous slack: CI shares two cores with parallel tests; what matters is that the
        // endless loop ends near its deadline rather than never.
        elapsed >= wall && elapsed < wall + Duration::from_secs(2),
        "took {elapsed:?}"
    );
    still_serving(&rt).await;
}

#[tokio::test]
async fn an_endless_loop_ends_with_a_cpu_limit_error() {
    let rt = runtime();
    let cpu = Duration::from_millis(300);
    let f = limited(
        "async function handler() { await null; let i = 0; while (true) { i++; } }",
        Limits {
            cpu_time: cpu,
            ..Limits::default()
        },
    );
    let start = Instant::now();
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    let elapsed = start.elapsed();
    let err = outcome.result.unwrap_err();
    assert!(
        matches!(err, InvokeError::CpuLimit { limit } if limit == cpu),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("CPU time limit of 300 ms"),
        "{err}"
    );
    assert!(elapsed < cpu + Duration::from_secs(2), "took {elapsed:?}");
    still_serving(&rt).await;
}

#[tokio::test]
async fn waiting_past_the_wall_limit_is_a_timeout() {
    let rt = runtime();
    let f = limited(
        "async function handler() { await new Promise((r) => setTimeout(r, 10000)); return 'late'; }",
        Limits {
            wall_time: Duration::from_millis(200),
            ..Limits::default()
        },
    );
    let start = Instant::now();
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    assert!(
        matches!(outcome.result, Err(InvokeError::Timeout { .. })),
        "{:?}",
        outcome.result
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "the 10 s wait was cut short"
    );
    still_serving(&rt).await;
}

#[tokio::test]
async fn a_memory_bomb_ends_with_out_of_memory() {
    let rt = runtime();
    let f = limited(
        "function handler() { const keep = []; while (true) keep.push(new Array(100000).fill(7)); }",
        Limits {
            memory_bytes: 32 * 1024 * 1024,
            ..Limits::default()
        },
    );
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    let err = outcome.result.unwrap_err();
    assert!(
        matches!(err, InvokeError::OutOfMemory { limit_mb: 32 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("limit 32 MiB"), "{err}");
    still_serving(&rt).await;
}

#[tokio::test]
async fn a_buffer_bomb_ends_with_out_of_memory() {
    let rt = runtime();
    let f = limited(
        "function handler() { const keep = []; while (true) keep.push(new Uint8Array(1 << 20)); }",
        Limits {
            memory_bytes: 16 * 1024 * 1024,
            ..Limits::default()
        },
    );
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    assert!(
        matches!(outcome.result, Err(InvokeError::OutOfMemory { .. })),
        "{:?}",
        outcome.result
    );
    still_serving(&rt).await;
}

#[tokio::test]
async fn a_bomb_of_small_objects_ends_with_out_of_memory() {
    // Each allocation is small, so QuickJS usually cannot even allocate its error object and
    // throws `null` instead.
    let rt = runtime();
    let f = limited(
        "function handler() { let list = null; for (;;) list = { next: list }; }",
        Limits {
            memory_bytes: 16 * 1024 * 1024,
            ..Limits::default()
        },
    );
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    assert!(
        matches!(
            outcome.result,
            Err(InvokeError::OutOfMemory { limit_mb: 16 })
        ),
        "{:?}",
        outcome.result
    );
    assert_eq!(rt.idle_isolates(), 0, "the isolate is thrown away");
    still_serving(&rt).await;
}

#[tokio::test]
async fn out_of_memory_caught_and_rethrown_is_still_out_of_memory() {
    let rt = runtime();
    let f = limited(
        "function handler() {\n\
           try { const keep = []; for (;;) keep.push(new Array(100000).fill(7)); }\n\
           catch (e) { throw e; }\n\
         }",
        Limits {
            memory_bytes: 16 * 1024 * 1024,
            ..Limits::default()
        },
    );
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    assert!(
        matches!(
            outcome.result,
            Err(InvokeError::OutOfMemory { limit_mb: 16 })
        ),
        "{:?}",
        outcome.result
    );
    assert_eq!(rt.idle_isolates(), 0, "the isolate is thrown away");
}

#[tokio::test]
async fn errors_that_only_mention_memory_are_ordinary_errors() {
    let rt = runtime();
    for (code, expected) in [
        (
            "function handler() { throw new Error('cache: out of memory'); }",
            "cache: out of memory",
        ),
        (
            "function handler() { throw 'out of memory'; }",
            "out of memory",
        ),
    ] {
        let outcome = rt.invoke(&function(code), invocation(&json!({}))).await;
        let Err(InvokeError::Thrown { message, .. }) = outcome.result else {
            panic!("{code}: expected Thrown, got {:?}", outcome.result);
        };
        assert_eq!(message, expected);
    }
    assert_eq!(rt.idle_isolates(), 2, "both isolates stay in the pool");
}

#[tokio::test]
async fn deep_recursion_is_a_range_error() {
    let rt = runtime();
    let f = function(
        "function handler() { function down(n) { return down(n + 1) + 1; } return down(0); }",
    );
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    let Err(InvokeError::Thrown { message, .. }) = outcome.result else {
        panic!("expected a thrown RangeError, got {:?}", outcome.result);
    };
    assert!(message.starts_with("RangeError"), "{message}");
    still_serving(&rt).await;
}

#[tokio::test]
async fn a_response_over_the_limit_is_refused() {
    let f = limited(
        "function handler() { return 'x'.repeat(2000); }",
        Limits {
            max_response_bytes: 1000,
            ..Limits::default()
        },
    );
    let outcome = runtime().invoke(&f, invocation(&json!({}))).await;
    let err = outcome.result.unwrap_err();
    assert!(
        matches!(
            err,
            InvokeError::ResponseTooLarge {
                size: 2000,
                limit: 1000
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the function's response is 2000 bytes; the limit is 1000"
    );
}

#[tokio::test]
async fn console_output_over_the_log_limit_ends_the_call() {
    let rt = runtime();
    let f = limited(
        "function handler() { for (let i = 0; i < 50; i++) console.log('line ' + i); return 'ok'; }",
        Limits {
            max_log_bytes: 100,
            ..Limits::default()
        },
    );
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    let err = outcome.result.unwrap_err();
    assert!(
        matches!(err, InvokeError::LogTooLarge { limit: 100 }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the function wrote more than 100 bytes of console output; the limit per call is 100 \
         bytes, so log less"
    );
    // The output up to the limit is kept.
    assert!(outcome.logs_truncated);
    assert_eq!(outcome.logs.len(), 100);
    assert!(outcome.logs.starts_with("line 0\nline 1\n"));
    still_serving(&rt).await;
}

#[tokio::test]
async fn catching_the_log_limit_error_does_not_save_the_call() {
    let f = limited(
        "function handler() {\n\
           try { console.log('x'.repeat(200)); } catch (e) { return 'caught: ' + e.message; }\n\
         }",
        Limits {
            max_log_bytes: 100,
            ..Limits::default()
        },
    );
    let outcome = runtime().invoke(&f, invocation(&json!({}))).await;
    assert!(
        matches!(outcome.result, Err(InvokeError::LogTooLarge { limit: 100 })),
        "{:?}",
        outcome.result
    );
    assert_eq!(outcome.logs, "x".repeat(100));
}

#[tokio::test]
async fn top_level_output_over_the_log_limit_fails_validation() {
    let err = runtime()
        .validate(
            "try { console.log('x'.repeat(2 * 1024 * 1024)); } catch {}\nfunction handler() {}",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, quire_functions::LoadError::Limit(m) if m.contains("bytes of console output")),
        "{err:?}"
    );
}

#[tokio::test]
async fn output_up_to_the_log_limit_is_fine() {
    let f = limited(
        "function handler() { console.log('x'.repeat(99)); return 'ok'; }",
        Limits {
            max_log_bytes: 100,
            ..Limits::default()
        },
    );
    let outcome = runtime().invoke(&f, invocation(&json!({}))).await;
    assert_eq!(outcome.result.unwrap().text(), "ok");
    assert!(!outcome.logs_truncated);
    assert_eq!(outcome.logs.len(), 100);
}

#[tokio::test]
async fn a_top_level_endless_loop_times_out_at_load() {
    let rt = runtime();
    let f = limited(
        "while (true) {}\nfunction handler() { return 1; }",
        Limits {
            wall_time: Duration::from_millis(300),
            ..Limits::default()
        },
    );
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    assert!(
        matches!(outcome.result, Err(InvokeError::Timeout { .. })),
        "{:?}",
        outcome.result
    );
    still_serving(&rt).await;
}

#[tokio::test]
async fn a_top_level_cpu_hog_hits_the_cpu_limit_at_load_and_validation() {
    let rt = runtime();
    let f = limited(
        "let i = 0; while (true) { i++; }\nfunction handler() { return 1; }",
        Limits {
            cpu_time: Duration::from_millis(200),
            ..Limits::default()
        },
    );
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    assert!(
        matches!(outcome.result, Err(InvokeError::CpuLimit { .. })),
        "{:?}",
        outcome.result
    );
    let err = rt
        .validate("while (true) {}\nfunction handler() {}")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, quire_functions::LoadError::Limit(m) if m.contains("CPU time limit")),
        "{err:?}"
    );
    still_serving(&rt).await;
}
