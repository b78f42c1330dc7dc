//! The package store: a directory the store owns, holding
//! - `packages/<sha512 hex>/` — extracted packages, content-addressed by their integrity;
//! - `packuments/` — the registry metadata cache;
//! - `trees/<sha256 of the lock JSON>/node_modules` — one materialized tree per distinct lock;
//! - `tmp/` — where packages and trees are built before an atomic rename publishes them, so a
//!   crashed or concurrent install never leaves half of either.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use crate::config::RegistryConfig;
use crate::error::NpmError;
use crate::extract::{self, ExtractLimits};
use crate::fsutil;
use crate::lock::{InstallRequest, Installation, Lock};
use crate::progress::{Progress, ProgressEvent};
use crate::registry::{Packument, Registry};
use crate::resolve::{Resolver, Source, Tarball};

/// A handle on a package store; cheap to clone and safe to share between tasks, threads and
/// processes that open the same directory.
#[derive(Clone)]
pub struct PackageStore {
    pub(crate) inner: Arc<Inner>,
    pub(crate) limits: ExtractLimits,
}

pub(crate) struct Inner {
    pub(crate) root: PathBuf,
    pub(crate) registry: Registry,
}

impl std::fmt::Debug for PackageStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackageStore")
            .field("root", &self.inner.root)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl PackageStore {
    /// Opens (creating if missing) the store at `root`, talking to `registry`.
    #[expect(
        clippy::needless_pass_by_value,
        reason = "callers hand over the config they built; taking it by value keeps the API simple"
    )]
    pub fn open(root: impl Into<PathBuf>, registry: RegistryConfig) -> Result<Self, NpmError> {
        let root = root.into();
        for dir in ["packages", "packuments", "trees", "tmp"] {
            let path = root.join(dir);
            std::fs::create_dir_all(&path).map_err(NpmError::io("create", &path))?;
        }
        let root = root
            .canonicalize()
            .map_err(NpmError::io("resolve", &root))?;
        fsutil::sweep_stale(&root.join("tmp"));
        let registry = Registry::new(&registry, root.join("packuments"))?;
        Ok(Self {
            inner: Arc::new(Inner { root, registry }),
            limits: ExtractLimits::default(),
        })
    }

    /// The same store with other size caps.
    #[must_use]
    pub fn with_limits(mut self, limits: ExtractLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The store's directory (absolute).
    pub fn root(&self) -> &Path {
        &self.inner.root
    }

    /// Resolves `request.dependencies` (reusing what `request.lock` pins when it still
    /// satisfies the ranges), fetches and verifies what the store lacks, and materializes the
    /// `node_modules` tree for the resulting lock. Without network access it works as long as
    /// the store already has every package (and, without a lock, the packuments).
    pub async fn install(
        &self,
        request: &InstallRequest,
        progress: &dyn Progress,
    ) -> Result<Installation, NpmError> {
        let lock = Resolver::new(self, request.lock.as_ref(), progress)
            .resolve(&request.dependencies)
            .await?;
        let node_modules = self.materialize(&lock).await?;
        progress.event(ProgressEvent::Materialized {
            packages: lock.packages.len(),
        });
        Ok(Installation { node_modules, lock })
    }

    /// Builds (or finds) `trees/<sha256 of the lock JSON>/node_modules`.
    async fn materialize(&self, lock: &Lock) -> Result<PathBuf, NpmError> {
        let hash = hex::encode(Sha256::digest(lock.canonical_json()));
        let tree = self.inner.root.join("trees").join(&hash);
        let node_modules = tree.join("node_modules");
        if node_modules.is_dir() {
            return Ok(node_modules);
        }
        let mut sources = Vec::with_capacity(lock.packages.len());
        for (path, package) in &lock.packages {
            let dir =
                self.package_dir(&package.integrity)
                    .ok_or_else(|| NpmError::InvalidLock {
                        reason: format!(
                            "{path} ({}@{}) is not in the store",
                            package.name, package.version
                        ),
                    })?;
            sources.push((path.clone(), dir));
        }
        let temp = self
            .inner
            .root
            .join("tmp")
            .join(fsutil::unique_name("tree"));
        tokio::task::spawn_blocking(move || {
            let build = || -> Result<(), NpmError> {
                let modules = temp.join("node_modules");
                std::fs::create_dir_all(&modules).map_err(NpmError::io("create", &modules))?;
                // Sorted paths put every package before the ones nested inside it.
                for (path, dir) in &sources {
                    fsutil::link_tree(dir, &temp.join(path))?;
                }
                Ok(())
            };
            if let Err(error) = build() {
                fsutil::remove_dir_quietly(&temp);
                return Err(error);
            }
            fsutil::publish_dir(&temp, &tree)
        })
        .await
        .expect("materializing does not panic")?;
        Ok(node_modules)
    }
}

impl Source for PackageStore {
    async fn packument(&self, name: &str, progress: &dyn Progress) -> Result<Packument, NpmError> {
        self.inner.registry.packument(name, progress).await
    }

    /// The directory of the stored package with this integrity, if the store has it.
    fn package_dir(&self, integrity: &str) -> Option<PathBuf> {
        let dir = self
            .inner
            .root
            .join("packages")
            .join(extract::store_key(integrity)?);
        dir.is_dir().then_some(dir)
    }

    /// Downloads, verifies and extracts one package into the store; returns its directory.
    async fn fetch_package(
        &self,
        tarball: &Tarball<'_>,
        progress: &dyn Progress,
    ) -> Result<PathBuf, NpmError> {
        let Tarball {
            name,
            version,
            integrity,
            url: tarball_url,
        } = *tarball;
        let tarball = self
            .inner
            .registry
            .tarball(
                name,
                version,
                tarball_url,
                self.limits.max_tarball_bytes,
                progress,
            )
            .await?;
        // Verified before a single byte is decompressed.
        let key = extract::verify(name, version, integrity, &tarball)?;
        let dest = self.inner.root.join("packages").join(&key);
        let temp = self.inner.root.join("tmp").join(fsutil::unique_name("pkg"));
        let (name_owned, version_owned, limits, dest_owned) = (
            name.to_owned(),
            version.to_owned(),
            self.limits,
            dest.clone(),
        );
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&temp).map_err(NpmError::io("create", &temp))?;
            if let Err(error) =
                extract::extract(&name_owned, &version_owned, &tarball, &temp, &limits)
            {
                fsutil::remove_dir_quietly(&temp);
                return Err(error);
            }
            fsutil::publish_dir(&temp, &dest_owned)
        })
        .await
        .expect("extraction does not panic")?;
        progress.event(ProgressEvent::Downloaded {
            name: name.to_owned(),
            version: version.to_owned(),
        });
        Ok(dest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;

    fn assert_send<T: Send>(_: &T) {}

    /// The compiler shares one store between tasks and spawns installs.
    #[tokio::test]
    async fn the_store_is_shareable_and_an_empty_install_needs_no_registry() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<PackageStore>();

        let dir = tempfile::tempdir().unwrap();
        let store = PackageStore::open(
            dir.path().join("store"),
            RegistryConfig {
                url: String::new(),
                auth_token: None,
                ask_npm: false,
            },
        )
        .unwrap();
        let request = InstallRequest::default();
        let install = store.install(&request, &NoProgress);
        assert_send(&install);
        let installation = install.await.unwrap();
        assert_eq!(installation.lock, Lock::default());
        assert!(installation.node_modules.is_dir());
        assert!(
            std::fs::read_dir(&installation.node_modules)
                .unwrap()
                .next()
                .is_none()
        );

        let mut request = InstallRequest::default();
        request
            .dependencies
            .insert("react".to_owned(), "^19".to_owned());
        let error = store.install(&request, &NoProgress).await.unwrap_err();
        assert!(matches!(error, NpmError::NoRegistryConfigured), "{error:?}");
        assert!(
            error.to_string().contains("set QUIRE_NPM_REGISTRY"),
            "{error}"
        );
    }
}
