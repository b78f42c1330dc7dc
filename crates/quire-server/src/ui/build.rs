//! Building the UI: the embedded sources written to a private temporary directory, bundled
//! from `ui/main.tsx` with [`Compiler::bundle_app`] on a thread of its own, retried with backoff
//! until it succeeds. The result is a [`Built`]: the script and stylesheet named by their
//! content, each also compressed once, and the index document that loads them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use quire_compiler::Compiler;
use sha2::{Digest, Sha256};

use super::{Slot, Status};
use crate::artifacts::encoding::{self, Accepted, Encoding};

/// The UI's source files (everything under `ui/`, `bridge/host.ts` and `package.json`), by
/// path relative to the repository root; listed by `build.rs`.
pub(super) const SOURCES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/ui_sources.rs"));

pub(super) const ENTRY: &str = "ui/main.tsx";

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

/// The built UI: the two assets and the index document that loads them.
pub(super) struct Built {
    pub js_name: String,
    pub js: Asset,
    pub css_name: String,
    pub css: Asset,
    pub index: Bytes,
}

/// An asset's bytes, and the same compressed once at build time (React makes the script
/// ~230 KB). A compressed copy is kept only when it is smaller.
pub(super) struct Asset {
    plain: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

impl Asset {
    pub fn new(text: String) -> Self {
        let plain = Bytes::from(text);
        Self {
            gzip: encoding::gzip(&plain),
            brotli: encoding::brotli(&plain),
            plain,
        }
    }

    /// The best copy `accepted` allows, and its coding.
    pub fn body(&self, accepted: Accepted) -> (Bytes, Encoding) {
        match (&self.brotli, &self.gzip) {
            (Some(brotli), _) if accepted.brotli => (brotli.clone(), Encoding::Brotli),
            (_, Some(gzip)) if accepted.gzip => (gzip.clone(), Encoding::Gzip),
            _ => (self.plain.clone(), Encoding::Identity),
        }
    }
}

impl Built {
    pub fn new(js: String, css: String) -> Self {
        let js_name = content_name("js", &js);
        let css_name = content_name("css", &css);
        Self {
            index: Bytes::from(index_html(&js_name, &css_name)),
            js: Asset::new(js),
            css: Asset::new(css),
            js_name,
            css_name,
        }
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

fn short_hex(digest: &[u8]) -> String {
    digest[..8].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub(super) fn content_name(kind: &str, body: &str) -> String {
    format!("app-{}.{kind}", short_hex(&Sha256::digest(body.as_bytes())))
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
                        slot.set(Status::Ready(Arc::new(built)));
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
    let bundle = compiler
        .bundle_app(
            &dir.path().join(ENTRY),
            &dependencies,
            &quire_compiler::NoProgress,
        )
        .await
        .map_err(|diagnostics| quire_compiler::render_diagnostics(&diagnostics))?;
    let script_bytes = bundle.js.len();
    let built = Built::new(bundle.js, bundle.css);
    tracing::info!(
        sources = %source_hash(),
        script = %built.js_name,
        script_bytes,
        elapsed_ms = started.elapsed().as_millis(),
        "built the app's UI"
    );
    Ok(built)
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

pub(super) fn index_html(js: &str, css: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n<title>Quire</title>\n\
         <meta name=\"csp-nonce\" content=\"{NONCE}\">\n\
         <link rel=\"stylesheet\" href=\"/assets/{css}\">\n\
         <script src=\"/assets/{js}\" defer></script>\n</head>\n\
         <body>\n<div id=\"root\"></div>\n\
         <noscript>Quire's interface needs JavaScript. Turn it on for this site and reload.</noscript>\n\
         </body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_index_loads_assets_by_url_and_has_no_inline_script_or_style() {
        let page = index_html("app-0123.js", "app-4567.css");
        assert!(page.contains("<script src=\"/assets/app-0123.js\" defer></script>"));
        assert!(page.contains("<link rel=\"stylesheet\" href=\"/assets/app-4567.css\">"));
        assert_eq!(page.matches("<script").count(), 1);
        assert!(!page.contains("<style"));
        assert!(!page.contains("style="));
    }

    #[test]
    fn asset_names_follow_the_content() {
        assert_eq!(content_name("js", "a"), content_name("js", "a"));
        assert_ne!(content_name("js", "a"), content_name("js", "b"));
        let name = content_name("css", "a");
        assert_eq!(name, format!("app-{}.css", &name[4..20]));
    }

    #[test]
    fn an_asset_is_served_in_the_best_coding_accepted() {
        let asset = Asset::new("function f() { return 1; }\n".repeat(200));
        let accept = |header: &str| Accepted::parse(Some(&HeaderValue::from_str(header).unwrap()));
        assert_eq!(asset.body(accept("gzip, br")).1, Encoding::Brotli);
        assert_eq!(asset.body(accept("gzip")).1, Encoding::Gzip);
        assert_eq!(asset.body(accept("gzip;q=0.0")).1, Encoding::Identity);
        assert_eq!(asset.body(accept("gzip; q = 0")).1, Encoding::Identity);
        assert_eq!(asset.body(Accepted::default()).1, Encoding::Identity);
        let tiny = Asset::new("x".to_owned());
        assert_eq!(tiny.body(accept("br, gzip")).1, Encoding::Identity);
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
    fn the_entry_and_the_host_bridge_are_embedded() {
        assert!(SOURCES.iter().any(|(path, _)| *path == ENTRY));
        assert!(
            SOURCES
                .iter()
                .any(|(path, text)| *path == "bridge/host.ts" && text.contains("allow-scripts"))
        );
    }
}
