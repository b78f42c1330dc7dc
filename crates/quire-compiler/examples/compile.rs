//! Compiles one page five times (cold, then warm with the lock it produced), printing
//! diagnostics and timings and writing `page.html` to the working directory; a quick way to
//! try the compiler without the CLI:
//! `cargo run -p quire-compiler --example compile -- page.tsx [store-dir] [cache-dir]`.

use std::time::Instant;

use quire_compiler::{CompileInput, Compiler, render_diagnostics};
use quire_npm::{NoProgress, PackageStore, RegistryConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let input = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: compile <page.tsx> [store] [cache]"))?;
    let store_dir = args.next().unwrap_or_else(|| "quire-data/npm".to_owned());
    let cache_dir = args.next().unwrap_or_else(|| "quire-data/cache".to_owned());
    let store = PackageStore::open(store_dir, RegistryConfig::from_environment())?;
    let compiler = Compiler::new(store, cache_dir);
    let input = CompileInput {
        source: std::fs::read_to_string(&input)?,
        ..CompileInput::default()
    };
    let mut lock = None;
    for round in 0..5 {
        let started = Instant::now();
        let output = compiler
            .compile(
                &CompileInput {
                    lock: lock.clone(),
                    ..input.clone()
                },
                &NoProgress,
            )
            .await;
        let elapsed = started.elapsed();
        eprint!("{}", render_diagnostics(&output.diagnostics));
        if let Some(artifact) = &output.artifact {
            eprintln!(
                "round {round}: {} bytes, sha256 {} in {elapsed:?}",
                artifact.html.len(),
                artifact.sha256
            );
            std::fs::write("page.html", &artifact.html)?;
        } else {
            eprintln!("round {round}: failed in {elapsed:?}");
            break;
        }
        lock = output.lock;
    }
    Ok(())
}
