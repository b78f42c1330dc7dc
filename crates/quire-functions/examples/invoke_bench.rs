//! In-process invocation benchmark: median time of a pooled call (warm isolate) on a worker
//! thread and on the caller's thread (as `quire serve` runs them), and of a call that needs a
//! fresh isolate (new version each time), started from a spare or made from scratch. See
//! `bench/invoke/README.md`.
//!
//! `cargo run --release -p quire-functions --example invoke_bench -- [pooled_runs] [fresh_runs]
//! [minimal|issue]` (the third argument runs one of the two functions only, for profiling).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use quire_functions::{
    FunctionRef, HttpRequest, Invocation, Limits, MemoryKv, Runtime, RuntimeConfig,
};

/// The allocator `quire serve` runs with, for the Rust side of a call (`QuickJS` uses the C
/// library's `malloc` in both).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MINIMAL: &str =
    "async function handler(request) { const { id } = await request.json(); return { id }; }";

const ISSUE_EXAMPLE: &str = r#"
async function handler(request, env) {
  const { id } = await request.json();
  const seen = Number((await env.KV.get("seen:" + id)) ?? 0) + 1;
  await env.KV.put("seen:" + id, String(seen));
  return new Response(JSON.stringify({ id, seen, key: env.API_KEY.length }), {
    headers: { "content-type": "application/json" },
  });
}
"#;

fn function(code: &str, version: i64) -> FunctionRef {
    FunctionRef {
        project_id: "bench".to_owned(),
        // One function id per code, so versions of different codes never share isolates.
        function_id: format!("f{}", code.len()),
        version,
        code: Arc::from(code),
        limits: Limits::default(),
    }
}

fn invocation(kv: &Arc<MemoryKv>) -> Invocation {
    Invocation {
        request: HttpRequest::json("https://bench.test/f", &serde_json::json!({"id": "a"})),
        secrets: Arc::new(BTreeMap::from([(
            "API_KEY".to_owned(),
            "sk-bench".to_owned(),
        )])),
        kv: kv.clone(),
    }
}

struct Stats {
    median: Duration,
    p99: Duration,
    inner_median: Duration,
}

#[derive(Clone, Copy, PartialEq)]
enum Isolates {
    /// Every call finds a warm isolate.
    Pooled,
    /// Every call needs a fresh isolate; it waits (untimed) until a spare is ready.
    FreshFromSpare,
    /// Every call needs a fresh isolate (on a runtime without spares).
    FreshFromScratch,
}

async fn measure(rt: Runtime, runs: usize, code: &'static str, isolates: Isolates) -> Stats {
    let kv = Arc::new(MemoryKv::new());
    let warm = function(code, 0);
    for _ in 0..100 {
        rt.invoke(&warm, invocation(&kv))
            .await
            .result
            .expect("warm-up call");
    }
    let mut outer = Vec::with_capacity(runs);
    let mut inner = Vec::with_capacity(runs);
    for run in 0..runs {
        let f = if isolates == Isolates::Pooled {
            warm.clone()
        } else {
            function(code, i64::try_from(run).expect("run fits") + 1)
        };
        if isolates == Isolates::FreshFromSpare {
            while rt.spare_isolates() == 0 {
                tokio::time::sleep(Duration::from_micros(100)).await;
            }
        }
        let start = Instant::now();
        let outcome = rt.invoke(&f, invocation(&kv)).await;
        outer.push(start.elapsed());
        outcome.result.expect("benchmark call succeeds");
        inner.push(outcome.duration);
    }
    outer.sort();
    inner.sort();
    Stats {
        median: outer[runs / 2],
        p99: outer[runs * 99 / 100],
        inner_median: inner[runs / 2],
    }
}

fn report(label: &str, runs: usize, stats: &Stats) {
    println!(
        "{label:<52} median {:>8.1} µs   p99 {:>8.1} µs   (inside {:>7.1} µs)   n={runs}",
        stats.median.as_secs_f64() * 1e6,
        stats.p99.as_secs_f64() * 1e6,
        stats.inner_median.as_secs_f64() * 1e6,
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let pooled_runs: usize = args
        .next()
        .map_or(20_000, |a| a.parse().expect("pooled runs"));
    let fresh_runs: usize = args.next().map_or(500, |a| a.parse().expect("fresh runs"));
    let only = args.next();
    // Calls from a current-thread runtime go to the workers; from a multi-threaded one (with
    // `inline_calls`, as in `quire serve`) warm calls run on the calling thread.
    let current_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let multi_thread = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_stack_size(RuntimeConfig::default().caller_stack_bytes())
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let on_workers = Runtime::new(RuntimeConfig {
        workers: 1,
        ..RuntimeConfig::default()
    });
    let on_caller = Runtime::new(RuntimeConfig {
        workers: 1,
        inline_calls: true,
        ..RuntimeConfig::default()
    });
    let without_spares = Runtime::new(RuntimeConfig {
        workers: 1,
        spare_isolates: 0,
        ..RuntimeConfig::default()
    });
    for (name, label, code) in [
        ("minimal", "minimal", MINIMAL),
        ("issue", "issue example (KV + secret)", ISSUE_EXAMPLE),
    ] {
        if only.as_deref().is_some_and(|only| only != name) {
            continue;
        }
        if pooled_runs > 0 {
            let on_worker = measure(on_workers.clone(), pooled_runs, code, Isolates::Pooled);
            let pooled = current_thread.block_on(on_worker);
            report(
                &format!("pooled call on a worker, {label}"),
                pooled_runs,
                &pooled,
            );
            let on_caller = measure(on_caller.clone(), pooled_runs, code, Isolates::Pooled);
            let inline = multi_thread
                .block_on(multi_thread.spawn(on_caller))
                .expect("the benchmark task finishes");
            report(
                &format!("pooled call on the caller's thread, {label}"),
                pooled_runs,
                &inline,
            );
        }
        if fresh_runs > 0 {
            for (rt, isolates, from) in [
                (&on_workers, Isolates::FreshFromSpare, "from a spare"),
                (&without_spares, Isolates::FreshFromScratch, "from scratch"),
            ] {
                let fresh =
                    current_thread.block_on(measure(rt.clone(), fresh_runs, code, isolates));
                report(
                    &format!("fresh isolate {from}, {label}"),
                    fresh_runs,
                    &fresh,
                );
            }
        }
    }
}
