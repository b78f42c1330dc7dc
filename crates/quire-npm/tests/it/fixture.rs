//! A fixture npm registry served by the test itself on 127.0.0.1:0: abbreviated packuments
//! generated from what the test published, tarballs from memory, and a count of every request.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use quire_npm::{InstallRequest, Lock, NoProgress, PackageStore, RegistryConfig};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha512};

use crate::tarballs;

#[derive(Default)]
struct Package {
    tags: BTreeMap<String, String>,
    versions: BTreeMap<String, Version>,
}

struct Version {
    manifest: Value,
    integrity: String,
    tarball_path: String,
}

#[derive(Default)]
struct State {
    base: String,
    packages: Mutex<BTreeMap<String, Package>>,
    tarballs: Mutex<BTreeMap<String, Vec<u8>>>,
    requests: AtomicUsize,
    log: Mutex<Vec<(String, String)>>,
    /// The next requests under a path prefix that fail, and how.
    failures: Mutex<Vec<(String, Failure)>>,
}

/// A way for the network to let an install down.
#[derive(Clone, Copy, Debug)]
pub enum Failure {
    /// This status, with an empty body.
    Status(u16),
    /// The connection closes partway through the body.
    CutBody,
}

impl Failure {
    fn response(self) -> Response {
        match self {
            Self::Status(status) => StatusCode::from_u16(status).unwrap().into_response(),
            Self::CutBody => {
                let parts: Vec<Result<axum::body::Bytes, std::io::Error>> = vec![
                    Ok(axum::body::Bytes::from_static(b"{\"name\":")),
                    Err(std::io::Error::other("the test cuts the connection")),
                ];
                Response::builder()
                    .header("content-length", "4096")
                    .body(Body::from_stream(futures::stream::iter(parts)))
                    .unwrap()
            }
        }
    }
}

pub struct Registry {
    pub url: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

pub fn sri(bytes: &[u8]) -> String {
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes))
    )
}

impl Registry {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let state = Arc::new(State {
            base: url.clone(),
            ..State::default()
        });
        let app = axum::Router::new().fallback({
            let state = state.clone();
            move |uri: Uri, headers: HeaderMap| {
                let state = state.clone();
                async move { serve(&state, &uri, &headers) }
            }
        });
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, state, task }
    }

    pub fn config(&self) -> RegistryConfig {
        RegistryConfig {
            url: self.url.clone(),
            auth_token: None,
            ask_npm: false,
        }
    }

    /// Publishes `name@version` with `extra` merged into its package.json and `files` beside it.
    pub fn publish(&self, name: &str, version: &str, extra: &Value, files: &[(&str, &[u8])]) {
        let manifest = manifest(name, version, extra);
        let manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap();
        let mut all: Vec<(&str, &[u8])> = vec![("package.json", &manifest_bytes)];
        all.extend_from_slice(files);
        let tarball = tarballs::tgz(&all);
        let integrity = sri(&tarball);
        self.publish_raw(name, version, extra, tarball, &integrity);
    }

    /// A plain package whose `index.js` says which version it is.
    pub fn publish_simple(&self, name: &str, version: &str, dependencies: &Value) {
        let index = format!("module.exports = {};\n", json!(format!("{name}@{version}")));
        self.publish(
            name,
            version,
            &json!({ "dependencies": dependencies }),
            &[("index.js", index.as_bytes())],
        );
    }

    /// Publishes a tarball as it is, with the integrity the packument will claim.
    pub fn publish_raw(
        &self,
        name: &str,
        version: &str,
        extra: &Value,
        tarball: Vec<u8>,
        integrity: &str,
    ) {
        let basename = name.rsplit('/').next().unwrap();
        let tarball_path = format!("tarballs/{name}/-/{basename}-{version}.tgz");
        self.state
            .tarballs
            .lock()
            .unwrap()
            .insert(format!("/{tarball_path}"), tarball);
        let mut packages = self.state.packages.lock().unwrap();
        let package = packages.entry(name.to_owned()).or_default();
        if !version.contains('-') {
            package.tags.insert("latest".to_owned(), version.to_owned());
        }
        package.versions.insert(
            version.to_owned(),
            Version {
                manifest: manifest(name, version, extra),
                integrity: integrity.to_owned(),
                tarball_path,
            },
        );
    }

    pub fn set_tag(&self, name: &str, tag: &str, version: &str) {
        self.state
            .packages
            .lock()
            .unwrap()
            .get_mut(name)
            .unwrap()
            .tags
            .insert(tag.to_owned(), version.to_owned());
    }

    /// The next `count` requests whose path starts with `prefix` fail as `failure` says.
    pub fn fail_next(&self, count: usize, prefix: &str, failure: Failure) {
        let mut failures = self.state.failures.lock().unwrap();
        failures.extend(std::iter::repeat_n((prefix.to_owned(), failure), count));
    }

    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Every request so far: (path, Accept header).
    pub fn log(&self) -> Vec<(String, String)> {
        self.state.log.lock().unwrap().clone()
    }

    /// Stops listening; later connections are refused.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

fn manifest(name: &str, version: &str, extra: &Value) -> Value {
    let mut manifest = json!({ "name": name, "version": version });
    if let Some(extra) = extra.as_object() {
        for (key, value) in extra {
            manifest[key] = value.clone();
        }
    }
    manifest
}

fn serve(state: &State, uri: &Uri, headers: &HeaderMap) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let path = uri.path().to_owned();
    let accept = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    state.log.lock().unwrap().push((path.clone(), accept));
    {
        let mut failures = state.failures.lock().unwrap();
        if let Some(at) = failures
            .iter()
            .position(|(prefix, _)| path.starts_with(prefix))
        {
            return failures.remove(at).1.response();
        }
    }
    if path.starts_with("/tarballs/") {
        return match state.tarballs.lock().unwrap().get(&path) {
            Some(bytes) => bytes.clone().into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        };
    }
    let name = path
        .trim_start_matches('/')
        .replace("%2f", "/")
        .replace("%2F", "/");
    let packages = state.packages.lock().unwrap();
    let Some(package) = packages.get(&name) else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "Not found"})),
        )
            .into_response();
    };
    let versions: serde_json::Map<String, Value> = package
        .versions
        .iter()
        .map(|(version, entry)| {
            let mut meta = entry.manifest.clone();
            meta.as_object_mut().unwrap().remove("scripts");
            meta["dist"] = json!({
                "integrity": entry.integrity,
                "tarball": format!("{}{}", state.base, entry.tarball_path),
            });
            (version.clone(), meta)
        })
        .collect();
    let body = json!({ "name": name, "dist-tags": package.tags, "versions": versions });
    Response::builder()
        .header("content-type", "application/vnd.npm.install-v1+json")
        .body(Body::from(serde_json::to_vec(&body).unwrap()))
        .unwrap()
}

pub fn request(deps: &[(&str, &str)]) -> InstallRequest {
    InstallRequest {
        dependencies: deps
            .iter()
            .map(|(name, range)| ((*name).to_owned(), (*range).to_owned()))
            .collect(),
        lock: None,
    }
}

pub fn with_lock(deps: &[(&str, &str)], lock: &Lock) -> InstallRequest {
    InstallRequest {
        lock: Some(lock.clone()),
        ..request(deps)
    }
}

pub async fn install(
    store: &PackageStore,
    request: &InstallRequest,
) -> Result<quire_npm::Installation, quire_npm::NpmError> {
    store.install(request, &NoProgress).await
}

/// (path → version) of a lock, for compact assertions.
pub fn versions(lock: &Lock) -> BTreeMap<String, String> {
    lock.packages
        .iter()
        .map(|(path, package)| (path.clone(), package.version.clone()))
        .collect()
}

/// Names of the entries of a directory (empty when it does not exist).
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// What the tree's `index.js` of the package at `path` (relative to `node_modules`) says.
pub fn index_of(node_modules: &Path, path: &str) -> String {
    std::fs::read_to_string(node_modules.join(path).join("index.js"))
        .unwrap_or_else(|e| panic!("{path}/index.js: {e}"))
}

pub fn store_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    (dir, root)
}

/// Checks the materialized tree the way Node would use it: from every installed package, each
/// of its `dependencies` resolves (nearest `node_modules` upward) to a version in its range.
pub fn assert_tree_resolves(installation: &quire_npm::Installation) {
    let top = installation.node_modules.parent().unwrap();
    for path in installation.lock.packages.keys() {
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(top.join(path).join("package.json")).unwrap())
                .unwrap();
        let Some(deps) = manifest.get("dependencies").and_then(Value::as_object) else {
            continue;
        };
        for (name, range) in deps {
            let mut level = path.as_str();
            let found = loop {
                let candidate = format!("{level}/node_modules/{name}");
                if let Some(package) = installation.lock.packages.get(&candidate) {
                    break Some(package);
                }
                if level.is_empty() {
                    break installation
                        .lock
                        .packages
                        .get(&format!("node_modules/{name}"));
                }
                level = level.rfind("/node_modules/").map_or("", |at| &level[..at]);
            };
            let found =
                found.unwrap_or_else(|| panic!("{path} needs {name}, which Node cannot find"));
            let range = nodejs_semver::Range::parse(range.as_str().unwrap()).unwrap();
            let version = nodejs_semver::Version::parse(&found.version).unwrap();
            assert!(
                range.satisfies(&version),
                "{path} needs {name}@{range} but Node finds {}",
                found.version
            );
        }
    }
}
