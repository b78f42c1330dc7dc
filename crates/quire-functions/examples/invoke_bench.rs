//! In-process invocation benchmark: median time of a pooled call (warm isolate) and of a call
//! that needs a fresh isolate (new version each time). See `bench/invoke/README.md`.
//!
//! `cargo run --release -p quire-functions --example invoke_bench -- [pooled_runs] [fresh_runs]
//! [minimal|issue]` (the third argument runs one of the two functions only, for profiling).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use quire_functions::{
    FunctionRef, HttpRequest, Invocation, Limits, MemoryKv, Runtime, RuntimeConfig,
};

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

async fn measure(rt: &Runtime, runs: usize, code: &str, fresh: bool) -> Stats {
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
        let f = if fresh {
            function(code, i64::try_from(run).expect("run fits") + 1)
        } else {
            warm.clone()
        };
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
        "{label:<34} median {:>8.1} µs   p99 {:>8.1} µs   (in worker {:>7.1} µs)   n={runs}",
        stats.median.as_secs_f64() * 1e6,
        stats.p99.as_secs_f64() * 1e6,
        stats.inner_median.as_secs_f64() * 1e6,
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let pooled_runs: usize = args
        .next()
        .map_or(20_000, |a| a.parse().expect("pooled runs"));
    let fresh_runs: usize = args.next().map_or(500, |a| a.parse().expect("fresh runs"));
    let only = args.next();
    let rt = Runtime::new(RuntimeConfig {
        workers: 1,
        ..RuntimeConfig::default()
    });
    for (name, label, code) in [
        ("minimal", "minimal", MINIMAL),
        ("issue", "issue example (KV + secret)", ISSUE_EXAMPLE),
    ] {
        if only.as_deref().is_some_and(|only| only != name) {
            continue;
        }
        let pooled = measure(&rt, pooled_runs, code, false).await;
        report(&format!("pooled call, {label}"), pooled_runs, &pooled);
        if fresh_runs > 0 {
            let fresh = measure(&rt, fresh_runs, code, true).await;
            report(&format!("fresh isolate, {label}"), fresh_runs, &fresh);
        }
    }
}
