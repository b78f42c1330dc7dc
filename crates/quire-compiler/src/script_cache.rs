//! Built scripts cached by content key, in memory and on disk: the React vendor script and the
//! pre-bundled npm dependencies of pages. Keys name everything that decides the content, so an
//! entry is never invalidated, only superseded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;

/// Entries kept in memory; past this the map starts over (the disk keeps everything).
const MEMORY_ENTRIES: usize = 64;

/// A built classic script and the CSS its modules imported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Script {
    pub js: String,
    pub css: String,
    /// Whether it reads React from the vendor global.
    pub uses_vendor: bool,
}

pub(crate) struct ScriptCache {
    dir: PathBuf,
    memory: Mutex<HashMap<String, Arc<Script>>>,
    /// One build at a time: concurrent compiles that need the same new script wait for the first.
    building: tokio::sync::Mutex<()>,
}

impl ScriptCache {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            memory: Mutex::new(HashMap::new()),
            building: tokio::sync::Mutex::new(()),
        }
    }

    /// The script cached under `key`, or what `build` makes (then cached).
    pub(crate) async fn get_or_build<F, Fut>(
        &self,
        key: &str,
        build: F,
    ) -> Result<Arc<Script>, Vec<Diagnostic>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Script, Vec<Diagnostic>>>,
    {
        if let Some(script) = self.memory_get(key) {
            return Ok(script);
        }
        let _guard = self.building.lock().await;
        if let Some(script) = self.memory_get(key) {
            return Ok(script);
        }
        let path = self.dir.join(format!("{key}.json"));
        let cached = tokio::fs::read(&path)
            .await
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Script>(&bytes).ok());
        let script = if let Some(script) = cached {
            script
        } else {
            let script = build().await?;
            // The cache is an optimization: an unwritable directory only costs rebuilds.
            if let Err(e) =
                write_atomically(&path, &serde_json::to_vec(&script).unwrap_or_default()).await
            {
                tracing::warn!(path = %path.display(), error = %e, "could not cache a built script");
            }
            script
        };
        let script = Arc::new(script);
        let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        if memory.len() >= MEMORY_ENTRIES {
            memory.clear();
        }
        memory.insert(key.to_owned(), script.clone());
        Ok(script)
    }

    fn memory_get(&self, key: &str) -> Option<Arc<Script>> {
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }
}

async fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // Unique per writer: other compilers (and processes) may share the cache directory.
    static WRITES: AtomicU64 = AtomicU64::new(0);
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    tokio::fs::write(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, path).await
}
