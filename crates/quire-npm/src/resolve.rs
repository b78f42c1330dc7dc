//! Resolution: turns the requested dependencies into an npm-style hoisted tree. Packages are
//! placed breadth-first as high as Node's lookup allows (nested under the dependent when a
//! different version already holds the name), and versions pinned by the previous lock win
//! whenever they still satisfy the range, so replaying a lock gives the same tree without
//! the network.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures::{StreamExt as _, TryStreamExt as _};
use nodejs_semver::Version;

use crate::error::NpmError;
use crate::lock::{Lock, LockedPackage, child_path, parent_path};
use crate::manifest::{self, Dep, DepKind};
use crate::progress::Progress;
use crate::registry::Packument;
use crate::spec::{self, Spec};

/// How many packuments or tarballs are fetched at once.
const CONCURRENCY: usize = 8;
/// Deepest nesting accepted; only dependency cycles of conflicting versions get near it.
const MAX_DEPTH: usize = 48;

#[derive(Clone, Debug)]
struct Node {
    name: String,
    version: String,
    integrity: String,
    /// Known when the version came from a packument; `None` when the lock pinned it.
    tarball: Option<String>,
}

/// What resolution needs from the package store, and nothing more: the registry's metadata
/// for a name, and packages by integrity. [`crate::PackageStore`] is the one in use; a test can
/// hand the resolver its own.
pub(crate) trait Source: Sync {
    /// The registry's document for `name` (its versions and their `dist`).
    fn packument(
        &self,
        name: &str,
        progress: &dyn Progress,
    ) -> impl Future<Output = Result<Packument, NpmError>> + Send;

    /// The directory of the package with this integrity, when it is already at hand.
    fn package_dir(&self, integrity: &str) -> Option<PathBuf>;

    /// Downloads, verifies and extracts one package; returns its directory.
    fn fetch_package(
        &self,
        tarball: &Tarball<'_>,
        progress: &dyn Progress,
    ) -> impl Future<Output = Result<PathBuf, NpmError>> + Send;
}

/// A package to fetch: which one, the integrity it must have and where its tarball is.
pub(crate) struct Tarball<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub integrity: &'a str,
    pub url: &'a str,
}

pub(crate) struct Resolver<'a, S> {
    store: &'a S,
    lock: Option<&'a Lock>,
    progress: &'a dyn Progress,
    packuments: Mutex<HashMap<String, Arc<Packument>>>,
    tree: BTreeMap<String, Node>,
    /// For each package name, the edges already resolved to an existing package: (the
    /// dependent's path, the path whose `node_modules` holds the target). A new package must
    /// not be placed where it would change what one of these edges sees.
    edges: HashMap<String, Vec<(String, String)>>,
}

impl<'a, S: Source> Resolver<'a, S> {
    pub(crate) fn new(store: &'a S, lock: Option<&'a Lock>, progress: &'a dyn Progress) -> Self {
        Self {
            store,
            lock,
            progress,
            packuments: Mutex::default(),
            tree: BTreeMap::new(),
            edges: HashMap::new(),
        }
    }

    pub(crate) async fn resolve(
        mut self,
        dependencies: &BTreeMap<String, String>,
    ) -> Result<Lock, NpmError> {
        let mut level = Vec::with_capacity(1);
        let mut roots = Vec::with_capacity(dependencies.len());
        for (name, range) in dependencies {
            spec::validate_name(name)?;
            Spec::parse(name, range)?;
            roots.push(Dep {
                name: name.clone(),
                spec: range.clone(),
                kind: DepKind::Regular,
            });
        }
        level.push((String::new(), roots));

        while !level.is_empty() {
            self.prefetch_packuments(&level).await;
            let mut placed = Vec::new();
            for (from, deps) in &level {
                for dep in deps {
                    match self.place(from, dep).await {
                        Ok(Some(path)) => placed.push(path),
                        Ok(None) => {}
                        Err(error) if dep.kind == DepKind::Optional => {
                            tracing::warn!(dependent = %from, dependency = %dep.name, %error, "skipping an optional dependency that cannot be installed");
                        }
                        Err(error) => return Err(error),
                    }
                }
            }
            let this = &self;
            level = futures::stream::iter(placed)
                .map(|path| async move {
                    let dir = this.ensure(&this.tree[&path]).await?;
                    let deps = tokio::task::spawn_blocking(move || manifest::dependencies(&dir))
                        .await
                        .expect("reading package.json does not panic");
                    Ok::<_, NpmError>((path, deps))
                })
                .buffered(CONCURRENCY)
                .try_collect()
                .await?;
        }

        let packages = self
            .tree
            .into_iter()
            .map(|(path, node)| {
                (
                    path,
                    LockedPackage {
                        name: node.name,
                        version: node.version,
                        integrity: node.integrity,
                    },
                )
            })
            .collect();
        Ok(Lock { packages })
    }

    /// Resolves one edge: reuses the package Node's lookup would find from `from` when it
    /// fits, else places a new one. Returns the path of a newly placed package.
    async fn place(&mut self, from: &str, dep: &Dep) -> Result<Option<String>, NpmError> {
        spec::validate_name(&dep.name)?;
        let spec = Spec::parse(&dep.name, &dep.spec)?;
        let chain = ancestors(from);
        let nearest = chain
            .iter()
            .position(|level| self.tree.contains_key(&child_path(level, &dep.name)));
        if let Some(at) = nearest {
            let existing = &self.tree[&child_path(&chain[at], &dep.name)];
            let fits = spec.allows(&existing.version);
            if fits || dep.kind == DepKind::Peer {
                if !fits {
                    tracing::warn!(dependent = %from, peer = %dep.name, wanted = %dep.spec, found = %existing.version, "peer dependency version does not match; using the one present");
                }
                self.edges
                    .entry(dep.name.clone())
                    .or_default()
                    .push((from.to_owned(), chain[at].clone()));
                return Ok(None);
            }
        }
        // Candidates: from the root (or just below the conflicting package) down to `from`.
        let candidates = &chain[..nearest.unwrap_or(chain.len())];
        let location = candidates
            .iter()
            .rev()
            .find(|level| !self.would_shadow(level, &dep.name))
            .unwrap_or(&chain[0])
            .clone();
        let path = child_path(&location, &dep.name);
        if path.matches("node_modules/").count() > MAX_DEPTH {
            return Err(NpmError::TreeTooDeep {
                path,
                limit: MAX_DEPTH,
            });
        }
        let node = self.choose(&path, &dep.name, &dep.spec, &spec).await?;
        if dep.kind == DepKind::Optional {
            // Fetch now, so a failure skips the edge before anything depends on it.
            self.ensure(&node).await?;
        }
        self.tree.insert(path.clone(), node);
        self.edges
            .entry(dep.name.clone())
            .or_default()
            .push((from.to_owned(), location));
        Ok(Some(path))
    }

    /// Whether a package named `name` placed in `level`'s `node_modules` would hide, for an
    /// already resolved edge inside `level`'s subtree, the package it resolved to higher up.
    fn would_shadow(&self, level: &str, name: &str) -> bool {
        let Some(edges) = self.edges.get(name) else {
            return false;
        };
        edges.iter().any(|(dependent, target_level)| {
            let inside = level.is_empty()
                || dependent == level
                || dependent.starts_with(&format!("{level}/node_modules/"));
            inside && target_level.len() < level.len()
        })
    }

    /// The version for a new package at `path`: the lock's pin there, else any pin of that
    /// name that satisfies the range, else the registry's pick.
    async fn choose(
        &self,
        path: &str,
        name: &str,
        raw: &str,
        spec: &Spec,
    ) -> Result<Node, NpmError> {
        if let Some(pinned) = self.pinned(path, name, spec) {
            return Ok(Node {
                name: name.to_owned(),
                version: pinned.version.clone(),
                integrity: pinned.integrity.clone(),
                tarball: None,
            });
        }
        let packument = self.packument(name).await?;
        let version = spec::pick_version(
            name,
            raw,
            spec,
            &packument.dist_tags,
            packument.versions.keys(),
        )?;
        let dist = &packument.versions[&version].dist;
        let integrity = dist
            .integrity
            .clone()
            .ok_or_else(|| NpmError::MissingIntegrity {
                name: name.to_owned(),
                version: version.clone(),
                found: "nothing".to_owned(),
            })?;
        let tarball = dist
            .tarball
            .clone()
            .ok_or_else(|| NpmError::InvalidPackument {
                name: name.to_owned(),
                reason: format!("version {version} has no dist.tarball"),
            })?;
        Ok(Node {
            name: name.to_owned(),
            version,
            integrity,
            tarball: Some(tarball),
        })
    }

    fn pinned(&self, path: &str, name: &str, spec: &Spec) -> Option<&'a LockedPackage> {
        let lock = self.lock?;
        if let Some(at_path) = lock
            .packages
            .get(path)
            .filter(|p| p.name == name && spec.allows(&p.version))
        {
            return Some(at_path);
        }
        lock.packages
            .values()
            .filter(|p| p.name == name && spec.allows(&p.version))
            .filter_map(|p| Version::parse(&p.version).ok().map(|v| (v, p)))
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, p)| p)
    }

    /// Makes sure the store has `node`'s package; returns its directory.
    async fn ensure(&self, node: &Node) -> Result<std::path::PathBuf, NpmError> {
        if let Some(dir) = self.store.package_dir(&node.integrity) {
            return Ok(dir);
        }
        let tarball = if let Some(url) = &node.tarball {
            url.clone()
        } else {
            let packument = self.packument(&node.name).await?;
            let meta = packument.versions.get(&node.version).ok_or_else(|| {
                NpmError::LockedVersionMissing {
                    name: node.name.clone(),
                    version: node.version.clone(),
                }
            })?;
            meta.dist
                .tarball
                .clone()
                .ok_or_else(|| NpmError::InvalidPackument {
                    name: node.name.clone(),
                    reason: format!("version {} has no dist.tarball", node.version),
                })?
        };
        let tarball = Tarball {
            name: &node.name,
            version: &node.version,
            integrity: &node.integrity,
            url: &tarball,
        };
        self.store.fetch_package(&tarball, self.progress).await
    }

    async fn packument(&self, name: &str) -> Result<Arc<Packument>, NpmError> {
        if let Some(found) = self
            .packuments
            .lock()
            .expect("packument memo lock")
            .get(name)
        {
            return Ok(found.clone());
        }
        let fetched = Arc::new(self.store.packument(name, self.progress).await?);
        self.packuments
            .lock()
            .expect("packument memo lock")
            .insert(name.to_owned(), fetched.clone());
        Ok(fetched)
    }

    /// Fetches, concurrently, the packuments this level will probably need: names the lock does
    /// not pin and the tree does not hold yet. Errors surface later, where the edge is resolved.
    async fn prefetch_packuments(&self, level: &[(String, Vec<Dep>)]) {
        let mut names = HashSet::new();
        for (_, deps) in level {
            for dep in deps {
                let pinned = Spec::parse(&dep.name, &dep.spec)
                    .is_ok_and(|spec| self.pinned("", &dep.name, &spec).is_some());
                let held = self.tree.values().any(|node| node.name == dep.name);
                let known = self
                    .packuments
                    .lock()
                    .expect("packument memo lock")
                    .contains_key(&dep.name);
                if !pinned && !held && !known && spec::validate_name(&dep.name).is_ok() {
                    names.insert(dep.name.clone());
                }
            }
        }
        if names.len() < 2 {
            return;
        }
        let mut names: Vec<String> = names.into_iter().collect();
        names.sort();
        futures::stream::iter(names)
            .for_each_concurrent(CONCURRENCY, |name| async move {
                let _ = self.packument(&name).await;
            })
            .await;
    }
}

/// `from`, then each package whose `node_modules` Node searches next, ending with the root `""`.
fn ancestors(from: &str) -> Vec<String> {
    let mut chain = vec![from.to_owned()];
    let mut current = from;
    while !current.is_empty() {
        current = parent_path(current);
        chain.push(current.to_owned());
    }
    chain
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};
    use std::path::PathBuf;
    use std::sync::Mutex;

    use super::{Resolver, Source, Tarball, ancestors};
    use crate::error::NpmError;
    use crate::lock::Lock;
    use crate::progress::{NoProgress, Progress};
    use crate::registry::Packument;

    /// Packuments and packages from memory: `(name, version, dependencies)`, every package
    /// "downloaded" into a directory of its own on the first fetch.
    struct Memory {
        packages: Vec<(&'static str, &'static str, serde_json::Value)>,
        dir: tempfile::TempDir,
        asked: Mutex<Vec<String>>,
        fetched: Mutex<HashMap<String, PathBuf>>,
    }

    impl Memory {
        fn new(packages: Vec<(&'static str, &'static str, serde_json::Value)>) -> Self {
            Self {
                packages,
                dir: tempfile::tempdir().unwrap(),
                asked: Mutex::default(),
                fetched: Mutex::default(),
            }
        }

        fn integrity(name: &str, version: &str) -> String {
            format!("sha512-{name}-{version}")
        }
    }

    impl Source for Memory {
        async fn packument(
            &self,
            name: &str,
            _progress: &dyn Progress,
        ) -> Result<Packument, NpmError> {
            self.asked.lock().unwrap().push(name.to_owned());
            let versions: serde_json::Map<String, serde_json::Value> = self
                .packages
                .iter()
                .filter(|(n, _, _)| *n == name)
                .map(|(n, version, _)| {
                    let dist = serde_json::json!({ "dist": {
                        "tarball": format!("memory://{n}-{version}.tgz"),
                        "integrity": Self::integrity(n, version),
                    }});
                    ((*version).to_owned(), dist)
                })
                .collect();
            Ok(serde_json::from_value(serde_json::json!({ "versions": versions })).unwrap())
        }

        fn package_dir(&self, integrity: &str) -> Option<PathBuf> {
            self.fetched.lock().unwrap().get(integrity).cloned()
        }

        async fn fetch_package(
            &self,
            tarball: &Tarball<'_>,
            _progress: &dyn Progress,
        ) -> Result<PathBuf, NpmError> {
            let Tarball {
                name,
                version,
                integrity,
                ..
            } = *tarball;
            let (_, _, dependencies) = self
                .packages
                .iter()
                .find(|(n, v, _)| *n == name && *v == version)
                .expect("a package the packument listed");
            let dir = self.dir.path().join(format!("{name}@{version}"));
            std::fs::create_dir_all(&dir).unwrap();
            let manifest = serde_json::json!({ "name": name, "version": version, "dependencies": dependencies });
            std::fs::write(dir.join("package.json"), manifest.to_string()).unwrap();
            self.fetched
                .lock()
                .unwrap()
                .insert(integrity.to_owned(), dir.clone());
            Ok(dir)
        }
    }

    async fn resolve(source: &Memory, lock: Option<&Lock>, deps: &[(&str, &str)]) -> Lock {
        let dependencies: BTreeMap<String, String> = deps
            .iter()
            .map(|(name, range)| ((*name).to_owned(), (*range).to_owned()))
            .collect();
        Resolver::new(source, lock, &NoProgress)
            .resolve(&dependencies)
            .await
            .unwrap()
    }

    fn placed(lock: &Lock) -> Vec<(String, String)> {
        lock.packages
            .iter()
            .map(|(path, package)| {
                (
                    path.clone(),
                    format!("{}@{}", package.name, package.version),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn a_conflicting_version_nests_under_its_dependent_and_the_rest_is_hoisted() {
        let source = Memory::new(vec![
            ("a", "1.0.0", serde_json::json!({})),
            ("a", "2.0.0", serde_json::json!({})),
            (
                "b",
                "1.0.0",
                serde_json::json!({ "a": "^2.0.0", "c": "^1.0.0" }),
            ),
            ("c", "1.0.0", serde_json::json!({})),
        ]);
        let lock = resolve(&source, None, &[("a", "^1.0.0"), ("b", "^1.0.0")]).await;
        assert_eq!(
            placed(&lock),
            [
                ("node_modules/a", "a@1.0.0"),
                ("node_modules/b", "b@1.0.0"),
                ("node_modules/b/node_modules/a", "a@2.0.0"),
                ("node_modules/c", "c@1.0.0"),
            ]
            .map(|(path, package)| (path.to_owned(), package.to_owned()))
        );
    }

    #[tokio::test]
    async fn replaying_a_lock_asks_the_registry_nothing() {
        let source = Memory::new(vec![
            ("a", "1.0.0", serde_json::json!({ "b": "^1.0.0" })),
            ("b", "1.0.0", serde_json::json!({})),
            ("b", "1.1.0", serde_json::json!({})),
        ]);
        let first = resolve(&source, None, &[("a", "^1.0.0")]).await;
        assert_eq!(source.asked.lock().unwrap().len(), 2);
        source.asked.lock().unwrap().clear();
        let again = resolve(&source, Some(&first), &[("a", "^1.0.0")]).await;
        assert_eq!(again, first);
        assert!(
            source.asked.lock().unwrap().is_empty(),
            "every package was pinned and at hand"
        );
    }

    #[test]
    fn ancestors_walk_up_to_the_root() {
        assert_eq!(ancestors(""), vec![""]);
        assert_eq!(
            ancestors("node_modules/a/node_modules/@s/b"),
            vec!["node_modules/a/node_modules/@s/b", "node_modules/a", ""]
        );
    }
}
