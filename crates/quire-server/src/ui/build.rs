//! Building the UI: the embedded sources written to a private temporary directory, bundled
//! from `ui/main.tsx` with [`Compiler::bundle_app`] on a thread of its own, retried with backoff
//! until it succeeds; then the studio's TypeScript worker from `ui/typescript/worker.ts`, with
//! the declarations it checks pages against ([`declarations`]). The result is a [`Built`]: the
//! assets named by their content, each also compressed once, and the index document that
//! loads the app and names the worker's assets.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use quire_compiler::Compiler;
use sha2::{Digest, Sha256};

use super::asset::{Asset, JAVASCRIPT, content_name, short_hex};
use super::bundle_cache;
use super::{Slot, Status, declarations};

/// The UI's source files (everything under `ui/`, `bridge/host.ts` and `package.json`), by
/// path relative to the repository root; listed by `build.rs`.
pub(super) const SOURCES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/ui_sources.rs"));

pub(super) const ENTRY: &str = "ui/main.tsx";

/// The studio's TypeScript worker: a bundle of its own, which the app loads only once an
/// editor is open.
pub(super) const WORKER_ENTRY: &str = "ui/typescript/worker.ts";

/// The packages the UI is bundled with, pinned in `package.json`'s `dependencies` so that
/// every start builds the same UI and the type check sees the same versions.
fn dependencies() -> Result<BTreeMap<String, String>, String> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        dependencies: BTreeMap<String, String>,
    }
    let manifest = SOURCES
        .iter()
        .find(|(path, _)| *path == "package.json")
        .map(|(_, text)| *text)
        .ok_or("package.json is not embedded")?;
    serde_json::from_str::<Manifest>(manifest)
        .map(|m| m.dependencies)
        .map_err(|e| format!("package.json has no readable `dependencies`: {e}"))
}

/// The first retry of a failed build; each next one waits twice as long, up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_secs(5);
const RETRY_MAX: Duration = Duration::from_mins(5);

/// What a build makes, before it is named and compressed.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Bundles {
    pub js: String,
    pub css: String,
    /// None when the worker did not build: the app works without it.
    pub typescript: Option<TypeScript>,
}

/// The studio's TypeScript worker and the JSON map of declarations it fetches.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct TypeScript {
    pub worker: String,
    pub declarations: String,
}

/// The built UI: its assets by file name, and the index document that loads them.
pub(super) struct Built {
    pub assets: HashMap<String, Asset>,
    pub index: Bytes,
}

impl Built {
    /// Compresses every asset, the smallest (the app's own) first.
    pub fn compress(&self) {
        let mut assets: Vec<&Asset> = self.assets.values().collect();
        assets.sort_by_key(|asset| asset.len());
        for asset in assets {
            asset.compress();
        }
    }

    pub fn new(bundles: Bundles) -> Self {
        let mut assets = HashMap::new();
        let mut add = |stem: &str, kind: &str, content_type, body: String| {
            let name = content_name(stem, kind, &body);
            assets.insert(name.clone(), Asset::new(content_type, body));
            name
        };
        let names = Names {
            js: add("app", "js", JAVASCRIPT, bundles.js),
            css: add("app", "css", "text/css; charset=utf-8", bundles.css),
            typescript: bundles.typescript.map(|typescript| {
                (
                    add("typescript-worker", "js", JAVASCRIPT, typescript.worker),
                    add(
                        "typescript-declarations",
                        "json",
                        "application/json",
                        typescript.declarations,
                    ),
                )
            }),
        };
        Self {
            index: Bytes::from(index_html(&names)),
            assets,
        }
    }

    /// Each asset's name and size, for the log.
    fn sizes(&self) -> BTreeMap<&str, usize> {
        self.assets
            .iter()
            .map(|(name, asset)| (name.as_str(), asset.len()))
            .collect()
    }
}

/// A hash of everything the bundle is made from, to name the build in logs.
fn source_hash() -> String {
    let mut hasher = Sha256::new();
    for (path, text) in SOURCES {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    short_hex(&hasher.finalize())
}

/// Bundles on a thread of its own with its own runtime, so the build outlives whichever
/// runtime created the router (tests make one per test), and retries until it succeeds.
pub(super) fn start(compiler: Compiler, slot: &Arc<Slot>) {
    let shared = Arc::clone(slot);
    let spawned = std::thread::Builder::new()
        .name("quire-ui-build".to_owned())
        .spawn(move || {
            let slot = shared;
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    tracing::error!("cannot start the UI build; the API still works: {e}");
                    slot.set(Status::Failed);
                    return;
                }
            };
            let mut wait = RETRY_FIRST;
            loop {
                match runtime.block_on(build(&compiler)) {
                    Ok(built) => {
                        let built = Arc::new(built);
                        slot.set(Status::Ready(Arc::clone(&built)));
                        // Served plain meanwhile, so the UI answers as soon as it is bundled.
                        built.compress();
                        return;
                    }
                    Err(message) => {
                        tracing::error!(
                            retry_in_s = wait.as_secs(),
                            "the app's UI did not build; the API still works: {message}"
                        );
                        slot.set(Status::Failed);
                        std::thread::sleep(wait);
                        wait = (wait * 2).min(RETRY_MAX);
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the UI build thread; the API still works: {e}");
        slot.set(Status::Failed);
    }
}

async fn build(compiler: &Compiler) -> Result<Built, String> {
    let started = Instant::now();
    let kept = bundle_cache::path(compiler.cache_dir(), &source_hash());
    if let Some(bundles) = bundle_cache::load(&kept) {
        let built = Built::new(bundles);
        tracing::info!(
            sources = %source_hash(),
            elapsed_ms = started.elapsed().as_millis(),
            "the app's UI was built before; serving it"
        );
        return Ok(built);
    }
    let dir = tempfile::Builder::new()
        .prefix("quire-ui-")
        .tempdir()
        .map_err(|e| format!("cannot create a directory for the UI sources: {e}"))?;
    write_sources(dir.path()).map_err(|e| {
        format!(
            "cannot write the UI sources to {}: {e}",
            dir.path().display()
        )
    })?;
    let dependencies = dependencies()?;
    let app = compiler
        .bundle_app(
            &dir.path().join(ENTRY),
            &dependencies,
            &quire_compiler::NoProgress,
        )
        .await
        .map_err(|diagnostics| quire_compiler::render_diagnostics(&diagnostics))?;
    let app_ms = started.elapsed().as_millis();
    let typescript = match build_typescript(compiler, dir.path(), &dependencies).await {
        Ok(typescript) => Some(typescript),
        Err(message) => {
            tracing::error!(
                "the studio's TypeScript worker did not build; the editor works without type checking as you type: {message}"
            );
            None
        }
    };
    let bundles = Bundles {
        js: app.js,
        css: app.css,
        typescript,
    };
    // Kept only whole: a build whose worker failed is tried again at the next start.
    if bundles.typescript.is_some() {
        bundle_cache::store(&kept, &bundles);
    }
    let built = Built::new(bundles);
    tracing::info!(
        sources = %source_hash(),
        assets = ?built.sizes(),
        app_ms,
        elapsed_ms = started.elapsed().as_millis(),
        "built the app's UI"
    );
    Ok(built)
}

/// The worker, from the same packages as the app, and the declarations from its installation.
async fn build_typescript(
    compiler: &Compiler,
    root: &Path,
    dependencies: &BTreeMap<String, String>,
) -> Result<TypeScript, String> {
    let worker = compiler
        .bundle_app(
            &root.join(WORKER_ENTRY),
            dependencies,
            &quire_compiler::NoProgress,
        )
        .await
        .map_err(|diagnostics| quire_compiler::render_diagnostics(&diagnostics))?;
    Ok(TypeScript {
        declarations: declarations::collect(&worker.node_modules)?,
        worker: worker.js,
    })
}

fn write_sources(root: &Path) -> std::io::Result<()> {
    for (path, text) in SOURCES {
        let file = root.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(file, text)?;
    }
    Ok(())
}

/// Where each served copy of the index carries its own style nonce (see `serve::document`).
pub(super) const NONCE: &str = "__QUIRE_STYLE_NONCE__";

/// The file names of a build's assets, for the index.
struct Names {
    js: String,
    css: String,
    /// The worker and its declarations.
    typescript: Option<(String, String)>,
}

fn index_html(names: &Names) -> String {
    let Names { js, css, .. } = names;
    // Named, not loaded: the studio starts the worker once an editor is open.
    let typescript = names
        .typescript
        .as_ref()
        .map(|(worker, declarations)| {
            format!(
                "<meta name=\"quire-typescript-worker\" content=\"/assets/{worker}\">\n\
                 <meta name=\"quire-typescript-declarations\" content=\"/assets/{declarations}\">\n"
            )
        })
        .unwrap_or_default();
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n<title>Quire</title>\n\
         <meta name=\"csp-nonce\" content=\"{NONCE}\">\n{typescript}\
         <link rel=\"stylesheet\" href=\"/assets/{css}\">\n\
         <script src=\"/assets/{js}\" defer></script>\n</head>\n\
         <body>\n<div id=\"root\"></div>\n\
         <noscript>Quire's interface needs JavaScript. Turn it on for this site and reload.</noscript>\n\
         </body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(typescript: bool) -> Names {
        Names {
            js: "app-0123.js".to_owned(),
            css: "app-4567.css".to_owned(),
            typescript: typescript.then(|| {
                (
                    "typescript-worker-89ab.js".to_owned(),
                    "typescript-declarations-cdef.json".to_owned(),
                )
            }),
        }
    }

    #[test]
    fn the_index_loads_assets_by_url_and_has_no_inline_script_or_style() {
        let page = index_html(&names(true));
        assert!(page.contains("<script src=\"/assets/app-0123.js\" defer></script>"));
        assert!(page.contains("<link rel=\"stylesheet\" href=\"/assets/app-4567.css\">"));
        assert_eq!(page.matches("<script").count(), 1);
        assert!(!page.contains("<style"));
        assert!(!page.contains("style="));
    }

    #[test]
    fn the_index_names_the_typescript_worker_without_loading_it() {
        let page = index_html(&names(true));
        assert!(page.contains(
            "<meta name=\"quire-typescript-worker\" content=\"/assets/typescript-worker-89ab.js\">"
        ));
        assert!(page.contains(
            "<meta name=\"quire-typescript-declarations\" content=\"/assets/typescript-declarations-cdef.json\">"
        ));
        let without = index_html(&names(false));
        assert!(!without.contains("quire-typescript"), "{without}");
        assert!(without.contains("<script src=\"/assets/app-0123.js\" defer></script>"));
    }

    #[test]
    fn every_file_under_ui_is_embedded() {
        fn walk(dir: &Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, found);
                } else {
                    found.push(path.to_string_lossy().into_owned());
                }
            }
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut found = Vec::new();
        walk(&root.join("ui"), &mut found);
        for file in found {
            let path = Path::new(&file)
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            assert!(
                SOURCES.iter().any(|(p, _)| *p == path),
                "{path} is not embedded"
            );
        }
    }

    #[test]
    fn the_dependencies_are_pinned_in_package_json() {
        let dependencies = dependencies().unwrap();
        assert!(dependencies.contains_key("react"));
        for (name, version) in &dependencies {
            assert!(
                version.chars().all(|c| c.is_ascii_digit() || c == '.'),
                "{name}@{version}: the UI's dependencies are exact versions, so every start builds the same UI"
            );
        }
    }

    #[test]
    fn the_entries_and_the_host_bridge_are_embedded() {
        assert!(SOURCES.iter().any(|(path, _)| *path == ENTRY));
        assert!(SOURCES.iter().any(|(path, _)| *path == WORKER_ENTRY));
        assert!(
            SOURCES
                .iter()
                .any(|(path, text)| *path == "bridge/host.ts" && text.contains("allow-scripts"))
        );
    }
}
