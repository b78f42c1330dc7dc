//! Compiles the Web API shim (`src/shim.js`) to `QuickJS` bytecode, so that an isolate reads it
//! instead of parsing it. The bytecode keeps line numbers (stack frames inside the shim still
//! name their line) but not the source text: that makes it 33 KB instead of 76, the loaded module
//! about 42 KB smaller in every isolate, and its functions print `[native code]` like a
//! browser's. (`rquickjs::embed!` would keep the source.)

use std::path::Path;

use rquickjs::{CatchResultExt, Context, Module, Runtime, WriteOptions};

/// The name the shim is loaded under; `src/shim.rs` imports it by this name.
const SHIM_MODULE: &str = "quire:shim";

fn main() {
    println!("cargo::rerun-if-changed=src/shim.js");
    let source = std::fs::read_to_string("src/shim.js").expect("src/shim.js is readable");
    let runtime = Runtime::new().expect("a QuickJS runtime");
    let context = Context::full(&runtime).expect("a QuickJS context");
    let bytecode = context.with(|ctx| {
        Module::declare(ctx.clone(), SHIM_MODULE, source)
            .and_then(|module| {
                module.write(WriteOptions {
                    strip_source: true,
                    ..WriteOptions::default()
                })
            })
            .catch(&ctx)
            .unwrap_or_else(|err| panic!("src/shim.js does not compile: {err}"))
    });
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("shim.bytecode"), bytecode)
        .expect("OUT_DIR is writable");
}
