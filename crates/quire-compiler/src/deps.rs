//! Pre-bundled npm dependencies: everything a page takes from its packages (other than React),
//! bundled into one classic script defining `globalThis.__quireDeps`, cached by the lock and
//! by exactly which names the page imports. Editing a page without changing its imports then
//! bundles only the page; tree-shaking still sees only the names the page uses.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use quire_npm::Lock;
use rolldown::OutputFormat;

use crate::bundle::{self, BundleRequest, DEPS_GLOBAL, Entry};
use crate::diagnostic::Diagnostic;
use crate::scan::Uses;
use crate::script_cache::Script;

/// Bumped whenever the way dependency scripts are built changes.
const DEPS_FORMAT: &str = "quire-deps-1 rolldown-1.2.5";

/// The entry module: the names the page reads, imported by name (so a name the package does
/// not export fails the build, and rolldown tree-shakes the rest), gathered per specifier into
/// objects shaped like ES module namespaces.
pub(crate) fn entry_source(uses: &BTreeMap<String, Uses>) -> String {
    let mut imports = String::new();
    let mut global = format!("globalThis.{DEPS_GLOBAL} = {{\n");
    for (i, (specifier, uses)) in uses.iter().enumerate() {
        if uses.namespace {
            let _ = writeln!(imports, "import * as d{i} from {specifier:?};");
            let _ = writeln!(global, "  {specifier:?}: {{ __esModule: true, ...d{i} }},");
            continue;
        }
        if uses.names.is_empty() {
            let _ = writeln!(imports, "import {specifier:?};");
        } else {
            let bindings: Vec<String> =
                (0..uses.names.len()).map(|j| format!("d{i}_{j}")).collect();
            let list: Vec<String> = uses
                .names
                .iter()
                .zip(&bindings)
                .map(|(name, b)| format!("{name:?} as {b}"))
                .collect();
            let _ = writeln!(
                imports,
                "import {{ {} }} from {specifier:?};",
                list.join(", ")
            );
            let _ = write!(global, "  {specifier:?}: {{ __esModule: true");
            for (name, binding) in uses.names.iter().zip(&bindings) {
                let _ = write!(global, ", {name:?}: {binding}");
            }
            let _ = writeln!(global, " }},");
            continue;
        }
        let _ = writeln!(global, "  {specifier:?}: {{ __esModule: true }},");
    }
    global.push_str("};\n");
    imports + &global
}

pub(crate) fn key(lock: &Lock, entry: &str) -> String {
    let lock_json = serde_json::to_string(lock).unwrap_or_default();
    let material = format!("{DEPS_FORMAT}\n{lock_json}\n{entry}");
    format!(
        "deps-{}",
        &crate::html::sha256_hex(material.as_bytes())[..32]
    )
}

pub(crate) async fn build(entry: String, node_modules: &Path) -> Result<Script, Vec<Diagnostic>> {
    let bundled = bundle::bundle(BundleRequest {
        entry: Entry::Memory {
            source: entry.into(),
            file: "dependencies.js".to_owned(),
        },
        node_modules: Some(node_modules.to_path_buf()),
        format: OutputFormat::Iife,
        vendor_react: true,
        deps_shims: BTreeSet::new(),
        assets: std::sync::Arc::default(),
    })
    .await?;
    Ok(Script {
        js: bundled.js,
        css: bundled.css,
        uses_vendor: bundled.uses_vendor,
    })
}
