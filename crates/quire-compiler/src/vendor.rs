//! The React vendor script: `react`, `react-dom`, `react-dom/client` and both JSX runtimes
//! bundled once per locked React version into one classic script that defines
//! `globalThis.__quireVendor`, so a page compile bundles only the page.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use quire_npm::Lock;
use rolldown::OutputFormat;

use crate::bundle::{self, BundleRequest, Entry, VENDOR_GLOBAL, VENDOR_SPECIFIERS};
use crate::diagnostic::Diagnostic;
use crate::script_cache::Script;

/// The lock entries whose versions decide the vendor script's content.
const VENDOR_PACKAGES: [&str; 3] = ["react", "react-dom", "scheduler"];
/// Bumped whenever the way the vendor script is built changes, so stale caches are ignored.
const VENDOR_FORMAT: &str = "quire-vendor-2 rolldown-1.2.5";

/// The source of the vendor entry: `CommonJS`, so each value is the module's own exports object.
fn entry_source() -> String {
    let mut source = format!("globalThis.{VENDOR_GLOBAL} = {{\n");
    for specifier in VENDOR_SPECIFIERS {
        let _ = writeln!(source, "  {specifier:?}: require({specifier:?}),");
    }
    source.push_str("};\n");
    source
}

/// The cache key of the React packages a lock pins; `None` when the lock has no React.
pub(crate) fn key(lock: &Lock) -> Option<String> {
    lock.packages.get("node_modules/react")?;
    let mut material = format!("{VENDOR_FORMAT}\n{}\n", entry_source());
    for name in VENDOR_PACKAGES {
        if let Some(p) = lock.packages.get(&format!("node_modules/{name}")) {
            let _ = writeln!(material, "{}@{} {}", p.name, p.version, p.integrity);
        }
    }
    let version = lock.version_of("react").unwrap_or("unknown");
    let hash = crate::html::sha256_hex(material.as_bytes());
    Some(format!("react-{version}-{}", &hash[..16]))
}

pub(crate) async fn build(node_modules: &Path) -> Result<Script, Vec<Diagnostic>> {
    let bundled = bundle::bundle(BundleRequest {
        entry: Entry::Memory {
            source: entry_source().into(),
            file: "vendor.js".to_owned(),
        },
        node_modules: Some(node_modules.to_path_buf()),
        format: OutputFormat::Iife,
        vendor_react: false,
        deps_shims: BTreeSet::new(),
        assets: std::sync::Arc::default(),
    })
    .await?;
    Ok(Script {
        js: bundled.js,
        css: bundled.css,
        uses_vendor: false,
    })
}
