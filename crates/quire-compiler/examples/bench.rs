//! In-process warm compile timing for `bench/compile`: compiles a page once (installing its
//! packages and building the vendor script), then `--runs` more times with the resulting lock,
//! and prints one JSON line: `{"page", "runs", "min_ms", "median_ms", "bytes", "sha256"}`.
//!
//! `cargo run --release -p quire-compiler --example bench -- <page.tsx> <store-dir> [runs]`

use std::time::Instant;

use quire_compiler::{CompileInput, Compiler, render_diagnostics};
use quire_npm::{NoProgress, PackageStore, RegistryConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench <page.tsx> <store-dir> [runs]";
    let page = args.next().ok_or_else(|| anyhow::anyhow!(usage))?;
    let store_dir = std::path::PathBuf::from(args.next().ok_or_else(|| anyhow::anyhow!(usage))?);
    let runs: usize = args.next().map_or(Ok(20), |r| r.parse())?;
    let store = PackageStore::open(&store_dir, RegistryConfig::from_environment())?;
    let cache = store_dir
        .parent()
        .unwrap_or(&store_dir)
        .join("compiler-cache");
    let compiler = Compiler::new(store, cache);
    let source = std::fs::read_to_string(&page)?;

    let first = compiler
        .compile(
            &CompileInput {
                source: source.clone(),
                ..CompileInput::default()
            },
            &NoProgress,
        )
        .await;
    anyhow::ensure!(first.ok(), "{}", render_diagnostics(&first.diagnostics));
    let input = CompileInput {
        source,
        lock: first.lock.clone(),
        ..CompileInput::default()
    };
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let output = compiler.compile(&input, &NoProgress).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        last = output.artifact;
    }
    times.sort_by(f64::total_cmp);
    let artifact = last.ok_or_else(|| anyhow::anyhow!("no artifact"))?;
    let line = serde_json::json!({
        "page": page,
        "runs": runs,
        "min_ms": times[0],
        "median_ms": times[times.len() / 2],
        "bytes": artifact.html.len(),
        "sha256": artifact.sha256,
    });
    println!("{line}");
    Ok(())
}
