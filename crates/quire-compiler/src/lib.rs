//! quire-compiler: a page's one TSX file (plus its pinned `dependencies` and lock) in, one
//! self-contained, deterministic HTML artifact out — or diagnostics, as data.
//!
//! The pipeline: size check → parse and list imports ([`scan`]) → install the imported npm
//! packages through `quire-npm` → bundle the page with rolldown, React mapped to a cached
//! vendor script ([`vendor`]) → assemble the document with the `kapso` bridge ([`bridge`]) and
//! name it by its SHA-256 ([`html`]). Must run inside a tokio runtime (rolldown needs one).

mod assets;
mod bridge;
mod bundle;
mod deps;
mod diagnostic;
mod html;
mod npm;
mod scan;
mod script_cache;
mod vendor;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use quire_npm::Installation;
use rolldown::OutputFormat;

use crate::bundle::{BundleRequest, Bundled, Entry, VENDOR_SPECIFIERS};
use crate::scan::{ImportKind, Target, Uses};
use crate::script_cache::{Script, ScriptCache};

pub use crate::assets::{INLINE_MAX_BYTES, PageAsset, imported_assets};
pub use crate::bridge::BRIDGE_PAGE_TS;
pub use crate::diagnostic::{Diagnostic, Severity, render_diagnostics};
pub use crate::html::{SplitArtifact, split_artifact};
/// The package store's types that the compiler's API takes, so its callers need not depend on
/// quire-npm themselves.
pub use quire_npm::{Lock, NoProgress, PackageStore, Progress, ProgressEvent, RegistryConfig};

/// The largest page source accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 1_048_576;

/// The name pages carry in diagnostics; the CLI substitutes the real path.
pub const PAGE_FILE: &str = "page.tsx";

/// Compiles pages. Cheap to clone; clones share the package store and the vendor cache.
#[derive(Clone)]
pub struct Compiler {
    inner: Arc<Inner>,
}

struct Inner {
    store: PackageStore,
    cache_dir: PathBuf,
    vendor: ScriptCache,
    deps: ScriptCache,
}

/// One page to compile.
#[derive(Debug, Clone, Default)]
pub struct CompileInput {
    pub source: String,
    /// Version ranges by package name, as in package.json (`""` or absent = newest).
    pub dependencies: BTreeMap<String, String>,
    /// The lock of an earlier compile of this page, to get the same packages again.
    pub lock: Option<Lock>,
    /// The project's assets the page imports, by name (see [`imported_assets`]); an import
    /// of a name not here is an error.
    pub assets: BTreeMap<String, PageAsset>,
}

/// The result of a compile: diagnostics always, an artifact and a lock when there was no error.
#[derive(Debug, Clone)]
pub struct CompileOutput {
    pub diagnostics: Vec<Diagnostic>,
    pub artifact: Option<Artifact>,
    pub lock: Option<Lock>,
}

impl CompileOutput {
    /// True when an artifact was produced (there may still be warnings).
    pub fn ok(&self) -> bool {
        self.artifact.is_some() && !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    fn failed(diagnostics: Vec<Diagnostic>) -> Self {
        Self {
            diagnostics,
            artifact: None,
            lock: None,
        }
    }
}

/// A compiled page: the HTML document and its identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub html: String,
    /// Lowercase hex SHA-256 of `html`'s bytes.
    pub sha256: String,
}

/// A multi-file app bundled into one script (React included).
#[derive(Debug, Clone)]
pub struct AppBundle {
    pub js: String,
    pub css: String,
    pub lock: Lock,
    /// The installed `node_modules` the bundle was made from, kept in the package store, for
    /// callers that also ship files of its packages (say, type declarations).
    pub node_modules: PathBuf,
}

impl Compiler {
    /// A compiler installing packages through `store` and caching vendor scripts under
    /// `cache_dir` (created on first use).
    pub fn new(store: PackageStore, cache_dir: impl Into<PathBuf>) -> Self {
        let cache_dir = cache_dir.into();
        Self {
            inner: Arc::new(Inner {
                store,
                vendor: ScriptCache::new(cache_dir.join("vendor")),
                deps: ScriptCache::new(cache_dir.join("deps")),
                cache_dir,
            }),
        }
    }

    /// Where this compiler keeps what it built; callers may keep their own builds beside it.
    pub fn cache_dir(&self) -> &Path {
        &self.inner.cache_dir
    }

    /// Compiles one page. Never fails as a call: problems come back as diagnostics.
    pub async fn compile(&self, input: &CompileInput, progress: &dyn Progress) -> CompileOutput {
        let source = input.source.as_str();
        if source.len() > MAX_SOURCE_BYTES {
            return CompileOutput::failed(vec![too_large(source)]);
        }
        let scanned = scan::scan(source, PAGE_FILE);
        if !scanned.errors.is_empty() {
            return CompileOutput::failed(scanned.errors);
        }
        let (packages, asset_modules) = match page_imports(source, &scanned.imports, input) {
            Ok(found) => found,
            Err(errors) => return CompileOutput::failed(errors),
        };
        let mut dependencies = input.dependencies.clone();
        for name in packages
            .keys()
            .map(String::as_str)
            .chain(["react", "react-dom"])
        {
            dependencies.entry(name.to_owned()).or_default();
        }
        let installation = match npm::install(
            &self.inner.store,
            dependencies,
            input.lock.clone(),
            progress,
            source,
            &scanned.imports,
        )
        .await
        {
            Ok(installation) => installation,
            Err(diagnostics) => return CompileOutput::failed(diagnostics),
        };

        // What the page takes from its packages (React aside) comes from a cached script.
        let uses: BTreeMap<String, Uses> = scanned
            .uses
            .into_iter()
            .filter(|(specifier, _)| {
                matches!(scan::target(specifier), Target::Package(_))
                    && !VENDOR_SPECIFIERS.contains(&specifier.as_str())
            })
            .collect();
        let node_modules = &installation.node_modules;
        let shims = uses.keys().cloned().collect();
        let mut page = match bundle_page(source, node_modules, shims, &asset_modules).await {
            Ok(page) => page,
            Err(diagnostics) => return CompileOutput::failed(diagnostics),
        };
        let mut deps = None;
        if !uses.is_empty() {
            let entry = deps::entry_source(&uses);
            let key = deps::key(&installation.lock, &entry);
            let built = self
                .inner
                .deps
                .get_or_build(&key, || deps::build(entry, node_modules));
            match built.await {
                Ok(script) => deps = Some(script),
                // The whole page in one bundle is always right, only slower; and if that fails
                // too, its diagnostics point into the page rather than a generated entry.
                Err(_) => {
                    match bundle_page(source, node_modules, BTreeSet::new(), &asset_modules).await {
                        Ok(full) => page = full,
                        Err(diagnostics) => return CompileOutput::failed(diagnostics),
                    }
                }
            }
        }
        let uses_vendor = page.uses_vendor || deps.as_ref().is_some_and(|d| d.uses_vendor);
        let vendor = if uses_vendor {
            match self.vendor_script(&installation, source).await {
                Ok(script) => Some(script),
                Err(diagnostics) => return CompileOutput::failed(diagnostics),
            }
        } else {
            None
        };
        let bridge = match bridge::bridge_script().await {
            Ok(bridge) => bridge,
            Err(diagnostics) => return CompileOutput::failed(diagnostics),
        };
        let css = match &deps {
            Some(deps) => format!("{}{}", deps.css, page.css),
            None => page.css,
        };
        let html = html::document(&html::Parts {
            bridge: &bridge,
            vendor: vendor.as_ref().map(|v| v.js.as_str()),
            deps: deps.as_ref().map(|d| d.js.as_str()),
            page: &page.js,
            css: &css,
        });
        let sha256 = html::sha256_hex(html.as_bytes());
        CompileOutput {
            diagnostics: page.warnings,
            artifact: Some(Artifact { html, sha256 }),
            lock: Some(installation.lock),
        }
    }

    async fn vendor_script(
        &self,
        installation: &Installation,
        source: &str,
    ) -> Result<Arc<Script>, Vec<Diagnostic>> {
        let Some(key) = vendor::key(&installation.lock) else {
            return Err(vec![
                Diagnostic::error_at(
                    "REACT_NOT_INSTALLED",
                    "the page uses React but the package lock has no \"react\"",
                    PAGE_FILE,
                    source,
                    0,
                    0,
                )
                .with_help("compile again without the lock so React is installed"),
            ]);
        };
        let node_modules = &installation.node_modules;
        self.inner
            .vendor
            .get_or_build(&key, || vendor::build(node_modules))
            .await
    }

    /// Bundles a multi-file TS/TSX app (relative imports between its files, npm packages from
    /// `dependencies`) into one classic script with React included, for the server's own UI.
    pub async fn bundle_app(
        &self,
        entry: &Path,
        dependencies: &BTreeMap<String, String>,
        progress: &dyn Progress,
    ) -> Result<AppBundle, Vec<Diagnostic>> {
        let (packages, errors) = scan::scan_app(entry).await;
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut wanted = dependencies.clone();
        for name in packages {
            wanted.entry(name).or_default();
        }
        let installation = npm::install(&self.inner.store, wanted, None, progress, "", &[]).await?;
        let bundled = bundle::bundle(BundleRequest {
            entry: Entry::Path(entry.to_path_buf()),
            node_modules: Some(installation.node_modules.clone()),
            format: OutputFormat::Iife,
            vendor_react: false,
            deps_shims: BTreeSet::new(),
            assets: Arc::default(),
        })
        .await?;
        Ok(AppBundle {
            js: bundled.js,
            css: bundled.css,
            lock: installation.lock,
            node_modules: installation.node_modules,
        })
    }
}

/// An asset import's specifier → its module's code.
type AssetModules = Arc<BTreeMap<String, String>>;

/// What a page imports: its npm packages and the modules of its assets, or the errors of
/// every import it cannot have, in source order.
fn page_imports(
    source: &str,
    imports: &[scan::Import],
    input: &CompileInput,
) -> Result<(BTreeMap<String, usize>, AssetModules), Vec<Diagnostic>> {
    match (
        page_packages(source, imports),
        assets::modules(source, imports, &input.assets),
    ) {
        (Ok(packages), Ok(modules)) => Ok((packages, Arc::new(modules))),
        (packages, modules) => {
            let mut errors = packages.err().unwrap_or_default();
            errors.extend(modules.err().unwrap_or_default());
            errors.sort_by_key(|d| (d.line, d.column));
            Err(errors)
        }
    }
}

/// The npm packages a page imports (name → offset of its first import), or errors for imports
/// a page cannot have.
fn page_packages(
    source: &str,
    imports: &[scan::Import],
) -> Result<BTreeMap<String, usize>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut packages = BTreeMap::new();
    for import in imports {
        match scan::target(&import.specifier) {
            Target::Package(name) => {
                packages.entry(name).or_insert(import.start);
            }
            // Left to the browser; the project's assets (see `assets::modules`).
            Target::Remote | Target::Relative => {}
            Target::Unsupported => errors.push(import_error(
                source,
                import,
                "a page can import npm packages (\"name\" or \"name/path\") and https:// URLs only",
            )),
        }
    }
    if errors.is_empty() {
        Ok(packages)
    } else {
        Err(errors)
    }
}

async fn bundle_page(
    source: &str,
    node_modules: &Path,
    deps_shims: BTreeSet<String>,
    assets: &AssetModules,
) -> Result<Bundled, Vec<Diagnostic>> {
    bundle::bundle(BundleRequest {
        entry: Entry::Memory {
            source: Arc::from(source),
            file: PAGE_FILE.to_owned(),
        },
        node_modules: Some(node_modules.to_path_buf()),
        format: OutputFormat::Esm,
        vendor_react: true,
        deps_shims,
        assets: assets.clone(),
    })
    .await
}

/// What to do about a source over the limit.
const TOO_LARGE_HELP: &str =
    "move data out of the page (fetch it from a function) or import large code from an npm package";

/// Why `source` is refused before any work, when it is over [`MAX_SOURCE_BYTES`]: the message
/// and what to do, for callers that check before they keep anything.
pub fn oversized_source(source: &str) -> Option<(String, &'static str)> {
    (source.len() > MAX_SOURCE_BYTES).then(|| {
        (
            format!(
                "page source is {} bytes; the limit is {}",
                group_thousands(source.len()),
                group_thousands(MAX_SOURCE_BYTES)
            ),
            TOO_LARGE_HELP,
        )
    })
}

fn too_large(source: &str) -> Diagnostic {
    let (message, help) = oversized_source(source).unwrap_or_default();
    Diagnostic::error_at("SOURCE_TOO_LARGE", message, PAGE_FILE, source, 0, 0).with_help(help)
}

pub(crate) fn import_error(source: &str, import: &scan::Import, help: &str) -> Diagnostic {
    let what = match import.kind {
        ImportKind::Static => "import",
        ImportKind::Dynamic => "dynamic import",
    };
    Diagnostic::error_at(
        "UNRESOLVED_IMPORT",
        format!("cannot resolve {what} \"{}\"", import.specifier),
        PAGE_FILE,
        source,
        import.start,
        import.end - import.start,
    )
    .with_help(help)
}

/// `1200331` → `1,200,331`.
fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands() {
        assert_eq!(super::group_thousands(1_200_331), "1,200,331");
        assert_eq!(super::group_thousands(999), "999");
        assert_eq!(super::group_thousands(1000), "1,000");
    }
}
