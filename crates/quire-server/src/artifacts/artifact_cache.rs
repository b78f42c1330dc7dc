//! The usercontent listener's in-memory artifacts. Each is loaded from the store once, with a
//! gzip copy made on load and a brotli copy made in the background.
//!
//! Artifacts are immutable, so a cached copy is never stale. Past `CACHE_MAX_BYTES` the cache
//! starts over.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use axum::body::Bytes;
use quire_store::StoreError;
use tokio::sync::OnceCell;

use super::encoding::{self, Accepted, Encoding};

/// Bytes kept: every artifact's body and its compressed copies.
const CACHE_MAX_BYTES: usize = 64 * 1024 * 1024;

/// One artifact as the usercontent origin serves it.
pub struct Artifact {
    identity: Bytes,
    gzip: Option<Bytes>,
    /// Filled by a background task; until then gzip is served.
    brotli: OnceLock<Bytes>,
}

impl Artifact {
    /// The best body `accepted` allows, and its coding.
    pub fn body(&self, accepted: Accepted) -> (Bytes, Encoding) {
        if accepted.brotli
            && let Some(brotli) = self.brotli.get()
        {
            return (brotli.clone(), Encoding::Brotli);
        }
        match &self.gzip {
            Some(gzip) if accepted.gzip => (gzip.clone(), Encoding::Gzip),
            _ => (self.identity.clone(), Encoding::Identity),
        }
    }
}

#[derive(Clone, Default)]
pub struct ArtifactCache(Arc<RwLock<Inner>>);

#[derive(Default)]
struct Inner {
    bytes: usize,
    artifacts: HashMap<String, Arc<OnceCell<Arc<Artifact>>>>,
}

enum LoadError {
    Missing,
    Store(StoreError),
}

impl ArtifactCache {
    /// The artifact `sha256`, loaded with `load` on first use; `None` when the store has no
    /// such artifact. Concurrent first requests wait for one load.
    pub async fn get_or_load<F, Fut>(
        &self,
        sha256: &str,
        load: F,
    ) -> Result<Option<Arc<Artifact>>, StoreError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<String>, StoreError>>,
    {
        let existing = self.read().artifacts.get(sha256).cloned();
        let cell = match existing {
            Some(cell) => cell,
            None => self
                .write()
                .artifacts
                .entry(sha256.to_owned())
                .or_default()
                .clone(),
        };
        if let Some(artifact) = cell.get() {
            return Ok(Some(artifact.clone()));
        }
        let loaded = cell
            .get_or_try_init(|| async {
                let html = load()
                    .await
                    .map_err(LoadError::Store)?
                    .ok_or(LoadError::Missing)?;
                Ok(self.prepare(Bytes::from(html)).await)
            })
            .await;
        match loaded {
            Ok(artifact) => Ok(Some(artifact.clone())),
            Err(error) => {
                let mut inner = self.write();
                if inner
                    .artifacts
                    .get(sha256)
                    .is_some_and(|cell| cell.get().is_none())
                {
                    inner.artifacts.remove(sha256);
                }
                match error {
                    LoadError::Missing => Ok(None),
                    LoadError::Store(error) => Err(error),
                }
            }
        }
    }

    /// Gzips the artifact now (fast) and brotli-compresses it in the background (slow).
    async fn prepare(&self, identity: Bytes) -> Arc<Artifact> {
        let cache = self.clone();
        let (identity, gzip) = tokio::task::spawn_blocking(move || {
            let gzip = encoding::gzip(&identity);
            cache.admit(&identity);
            if let Some(gzip) = &gzip {
                cache.admit(gzip);
            }
            (identity, gzip)
        })
        .await
        .expect("compressing an artifact does not panic");
        let artifact = Arc::new(Artifact {
            identity,
            gzip,
            brotli: OnceLock::new(),
        });
        let (cache, background) = (self.clone(), artifact.clone());
        tokio::task::spawn_blocking(move || {
            if let Some(brotli) = encoding::brotli(&background.identity) {
                cache.admit(&brotli);
                let _ = background.brotli.set(brotli);
            }
        });
        artifact
    }

    /// Counts a body against the cache's size, starting over when it is full.
    fn admit(&self, body: &Bytes) {
        let mut inner = self.write();
        if inner.bytes + body.len() > CACHE_MAX_BYTES {
            inner.artifacts.clear();
            inner.bytes = 0;
        }
        inner.bytes += body.len();
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}
