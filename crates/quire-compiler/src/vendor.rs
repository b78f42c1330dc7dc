//! The React vendor script: `react`, `react-dom`, `react-dom/client` and both JSX runtimes
//! bundled once per locked React version into one classic script that defines
//! `globalThis.__quireVendor`, cached in memory and on disk, so a page compile bundles only the
//! page.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use quire_npm::Lock;
use rolldown::OutputFormat;

use crate::bundle::{self, BundleRequest, Entry, VENDOR_GLOBAL, VENDOR_SPECIFIERS};
use crate::diagnostic::Diagnostic;

/// The lock entries whose versions decide the vendor script's content.
const VENDOR_PACKAGES: [&str; 3] = ["react", "react-dom", "scheduler"];
/// Bumped whenever the way the vendor script is built changes, so stale caches are ignored.
const VENDOR_FORMAT: &str = "quire-vendor-1 rolldown-1.2.5";

pub(crate) struct VendorCache {
    dir: PathBuf,
    memory: Mutex<HashMap<String, Arc<str>>>,
    /// One build at a time: concurrent compiles of a new React version wait for the first.
    building: tokio::sync::Mutex<()>,
}

/// The source of the vendor entry: `CommonJS`, so each value is the module's own exports object.
fn entry_source() -> String {
    let mut source = format!("globalThis.{VENDOR_GLOBAL} = {{\n");
    for specifier in VENDOR_SPECIFIERS {
        let _ = writeln!(source, "  {specifier:?}: require({specifier:?}),");
    }
    source.push_str("};\n");
    source
}

impl VendorCache {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            memory: Mutex::new(HashMap::new()),
            building: tokio::sync::Mutex::new(()),
        }
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

    /// The vendor script for `key`, built from `node_modules` when neither cache has it.
    pub(crate) async fn get(
        &self,
        key: &str,
        node_modules: &Path,
    ) -> Result<Arc<str>, Vec<Diagnostic>> {
        if let Some(script) = self.memory_get(key) {
            return Ok(script);
        }
        let _guard = self.building.lock().await;
        if let Some(script) = self.memory_get(key) {
            return Ok(script);
        }
        let path = self.dir.join(format!("{key}.js"));
        let script: Arc<str> = if let Ok(text) = tokio::fs::read_to_string(&path).await {
            text.into()
        } else {
            let bundled = bundle::bundle(BundleRequest {
                entry: Entry::Memory {
                    source: entry_source().into(),
                    file: "vendor.js".to_owned(),
                },
                node_modules: Some(node_modules.to_path_buf()),
                format: OutputFormat::Iife,
                vendor_react: false,
            })
            .await?;
            // The cache is an optimization: a read-only cache dir only costs a rebuild later.
            if let Err(e) = write_atomically(&path, &bundled.js).await {
                tracing::warn!(path = %path.display(), error = %e, "could not cache the React vendor script");
            }
            bundled.js.into()
        };
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_owned(), script.clone());
        Ok(script)
    }

    fn memory_get(&self, key: &str) -> Option<Arc<str>> {
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }
}

async fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    // Unique per writer: other compilers (and processes) may share the cache directory.
    static WRITES: AtomicU64 = AtomicU64::new(0);
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    tokio::fs::write(&tmp, text).await?;
    tokio::fs::rename(&tmp, path).await
}
