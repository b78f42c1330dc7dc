//! The usercontent listener's in-memory artifacts. Each is loaded from the store once, with a
//! gzip copy made on load and a brotli copy made in the background; every body is also put
//! in a sealed in-memory file, so the listener can `sendfile` it (see `sendfile`).
//!
//! Artifacts are immutable, so a cached copy is never stale. Past `CACHE_MAX_BYTES` the cache
//! starts over.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::os::fd::OwnedFd;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use axum::body::Bytes;
use quire_store::StoreError;
use tokio::sync::OnceCell;

use super::encoding::{self, Accepted, Encoding};

/// Bytes kept, counting each body twice (the heap copy and its file).
const CACHE_MAX_BYTES: usize = 128 * 1024 * 1024;

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
    /// Every cached body by the address of its first byte, with a sealed file that holds the
    /// same bytes. The `Bytes` kept here hold the memory alive, so an address found here is
    /// that body's and no other buffer's for as long as the entry is here.
    files: BTreeMap<usize, Region>,
}

struct Region {
    bytes: Bytes,
    file: Arc<OwnedFd>,
}

/// A body's file and where in it a slice of that body starts.
pub struct FileSlice {
    pub file: Arc<OwnedFd>,
    pub offset: u64,
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

    /// Gzips the artifact now (fast) and brotli-compresses it in the background (slow), and
    /// files every body for `sendfile`.
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

    /// Counts a body against the cache's size and files it for `sendfile`.
    fn admit(&self, body: &Bytes) {
        let file = sealed_file(body);
        let mut inner = self.write();
        let cost = 2 * body.len();
        if inner.bytes + cost > CACHE_MAX_BYTES {
            inner.artifacts.clear();
            inner.files.clear();
            inner.bytes = 0;
        }
        inner.bytes += cost;
        if let Some(file) = file {
            inner.files.insert(
                body.as_ptr().addr(),
                Region {
                    bytes: body.clone(),
                    file: Arc::new(file),
                },
            );
        }
    }

    /// The first of `slices` that lies within a cached body, by index, with the file that
    /// holds its bytes.
    pub fn first_in_file(&self, slices: &[std::io::IoSlice<'_>]) -> Option<(usize, FileSlice)> {
        let inner = self.read();
        if inner.files.is_empty() {
            return None;
        }
        slices.iter().enumerate().find_map(|(index, slice)| {
            let start = slice.as_ptr().addr();
            let (&body_start, region) = inner.files.range(..=start).next_back()?;
            let offset = start - body_start;
            (!slice.is_empty() && offset + slice.len() <= region.bytes.len()).then(|| {
                let file = FileSlice {
                    file: region.file.clone(),
                    offset: offset as u64,
                };
                (index, file)
            })
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Files `body` as if it were a cached artifact's (tests of `sendfile`).
    #[cfg(test)]
    pub fn admit_for_test(&self, body: &Bytes) {
        self.admit(body);
    }
}

/// An in-memory file holding `bytes`, sealed so that it can never change; `None` where
/// memfd is unavailable, and the body is then written from memory.
#[cfg(target_os = "linux")]
fn sealed_file(bytes: &[u8]) -> Option<OwnedFd> {
    use std::io::Write as _;

    use rustix::fs::{MemfdFlags, SealFlags};

    let made = (|| -> std::io::Result<OwnedFd> {
        let fd = rustix::fs::memfd_create(
            "quire-artifact",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )?;
        let mut file = std::fs::File::from(fd);
        file.write_all(bytes)?;
        rustix::fs::fcntl_add_seals(
            &file,
            SealFlags::WRITE | SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL,
        )?;
        Ok(file.into())
    })();
    made.map_err(
        |error| tracing::warn!(%error, "artifact bodies will be copied, not sent from a file"),
    )
    .ok()
}

#[cfg(not(target_os = "linux"))]
fn sealed_file(_bytes: &[u8]) -> Option<OwnedFd> {
    None
}
