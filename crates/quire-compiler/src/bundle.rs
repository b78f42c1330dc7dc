//! One rolldown run: options, the plugin that serves in-memory entries, resolves bare imports
//! against an installed `node_modules`, keeps `https://` imports for the browser, maps React to
//! the vendor script and collects CSS; and the translation of rolldown's diagnostics into ours.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::{borrow::Cow, fmt::Write as _};

use rolldown::plugin::{
    HookLoadArgs, HookLoadOutput, HookLoadReturn, HookResolveIdArgs, HookResolveIdOutput,
    HookResolveIdReturn, HookUsage, Plugin, PluginContext, PluginContextResolveOptions,
    SharedLoadPluginContext,
};
use rolldown::{
    Bundler, BundlerOptions, CodeSplittingMode, InputItem, ModuleType, OutputFormat, Platform,
    RawMinifyOptions,
};
use rolldown_common::Output;
use rolldown_error::{BuildDiagnostic, EventKind};
use rolldown_utils::indexmap::FxIndexMap;

use crate::diagnostic::Diagnostic;

/// The id rolldown sees for an entry served from memory (`\0` keeps other plugins off it).
const MEMORY_ENTRY_ID: &str = "\0quire:entry";
const VENDOR_ID_PREFIX: &str = "\0quire-vendor:";
const DEPS_ID_PREFIX: &str = "\0quire-deps:";
const ASSET_ID_PREFIX: &str = "\0quire-asset:";
/// The global the dependencies script defines: specifier → what the page takes from it.
pub(crate) const DEPS_GLOBAL: &str = "__quireDeps";
/// The global the vendor script defines: specifier → the module's `CommonJS` exports.
pub(crate) const VENDOR_GLOBAL: &str = "__quireVendor";
/// What the vendor script provides; pages import these from it instead of bundling React.
pub(crate) const VENDOR_SPECIFIERS: [&str; 5] = [
    "react",
    "react-dom",
    "react-dom/client",
    "react/jsx-runtime",
    "react/jsx-dev-runtime",
];

pub(crate) enum Entry {
    /// Source text and the file name used in diagnostics (its extension picks the loader).
    Memory {
        source: Arc<str>,
        file: String,
    },
    Path(PathBuf),
}

pub(crate) struct BundleRequest {
    pub entry: Entry,
    /// An installed `node_modules` that bare imports of the entry resolve against.
    pub node_modules: Option<PathBuf>,
    pub format: OutputFormat,
    /// Map React's specifiers to the vendor global instead of bundling them.
    pub vendor_react: bool,
    /// Package specifiers the entry takes from the dependencies global (see `deps`).
    pub deps_shims: BTreeSet<String>,
    /// The entry's imports of the project's assets: specifier → module code (see `assets`).
    pub assets: Arc<BTreeMap<String, String>>,
}

#[derive(Debug)]
pub(crate) struct Bundled {
    pub js: String,
    pub css: String,
    /// Whether any module imported one of [`VENDOR_SPECIFIERS`] through the vendor global.
    pub uses_vendor: bool,
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Default)]
struct State {
    /// CSS files by path relative to the working directory; sorted so output is deterministic.
    css: BTreeMap<String, String>,
    uses_vendor: bool,
    css_errors: Vec<String>,
}

#[derive(Debug)]
struct QuirePlugin {
    entry_source: Option<Arc<str>>,
    entry_type: ModuleType,
    /// A (non-existent) file beside `node_modules`: bare imports are resolved as if from it.
    resolve_from: Option<String>,
    node_modules: Option<PathBuf>,
    vendor_react: bool,
    deps_shims: BTreeSet<String>,
    assets: Arc<BTreeMap<String, String>>,
    cwd: PathBuf,
    /// The directory of an entry read from disk: its CSS is named relative to it, so output
    /// does not depend on where the app's files were written.
    entry_dir: Option<PathBuf>,
    state: Arc<Mutex<State>>,
}

fn is_bare(specifier: &str) -> bool {
    !(specifier.starts_with('.')
        || specifier.starts_with('/')
        || specifier.starts_with('\0')
        || specifier.contains(':'))
}

impl QuirePlugin {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Plugin for QuirePlugin {
    fn name(&self) -> Cow<'static, str> {
        Cow::Borrowed("quire")
    }

    async fn resolve_id(
        &self,
        ctx: &PluginContext,
        args: &HookResolveIdArgs<'_>,
    ) -> HookResolveIdReturn {
        let specifier = args.specifier;
        if specifier == MEMORY_ENTRY_ID {
            return Ok(Some(HookResolveIdOutput::from_id(MEMORY_ENTRY_ID)));
        }
        if args.importer == Some(MEMORY_ENTRY_ID) && self.assets.contains_key(specifier) {
            return Ok(Some(HookResolveIdOutput::from_id(format!(
                "{ASSET_ID_PREFIX}{specifier}"
            ))));
        }
        if specifier.starts_with("https://") {
            return Ok(Some(HookResolveIdOutput {
                id: specifier.into(),
                external: Some(true.into()),
                ..Default::default()
            }));
        }
        if self.vendor_react && VENDOR_SPECIFIERS.contains(&specifier) {
            self.state().uses_vendor = true;
            return Ok(Some(HookResolveIdOutput::from_id(format!(
                "{VENDOR_ID_PREFIX}{specifier}"
            ))));
        }
        let (Some(from), Some(node_modules)) = (&self.resolve_from, &self.node_modules) else {
            return Ok(None);
        };
        // Files inside node_modules find their dependencies themselves; the entry and the
        // app's own files (outside node_modules) resolve against the installation.
        let inside = args
            .importer
            .is_some_and(|i| Path::new(i).starts_with(node_modules));
        if !is_bare(specifier) || inside {
            return Ok(None);
        }
        let options = PluginContextResolveOptions {
            import_kind: args.kind,
            skip_self: true,
            ..Default::default()
        };
        match ctx.resolve(specifier, Some(from), Some(options)).await? {
            // Resolvable, so the dependencies script can provide it.
            Ok(_)
                if args.importer == Some(MEMORY_ENTRY_ID)
                    && self.deps_shims.contains(specifier) =>
            {
                Ok(Some(HookResolveIdOutput::from_id(format!(
                    "{DEPS_ID_PREFIX}{specifier}"
                ))))
            }
            Ok(resolved) => Ok(Some(HookResolveIdOutput::from_resolved_id(resolved))),
            // rolldown reports it as UNRESOLVED_IMPORT with the import's span.
            Err(_) => Ok(None),
        }
    }

    async fn load(&self, _ctx: SharedLoadPluginContext, args: &HookLoadArgs<'_>) -> HookLoadReturn {
        if args.id == MEMORY_ENTRY_ID {
            let Some(source) = &self.entry_source else {
                return Ok(None);
            };
            return Ok(Some(HookLoadOutput {
                code: source.to_string().into(),
                module_type: Some(self.entry_type.clone()),
                ..Default::default()
            }));
        }
        if let Some(code) = args
            .id
            .strip_prefix(ASSET_ID_PREFIX)
            .and_then(|specifier| self.assets.get(specifier))
        {
            return Ok(Some(HookLoadOutput {
                code: code.clone().into(),
                module_type: Some(ModuleType::Js),
                ..Default::default()
            }));
        }
        let shim = match (
            args.id.strip_prefix(VENDOR_ID_PREFIX),
            args.id.strip_prefix(DEPS_ID_PREFIX),
        ) {
            (Some(specifier), _) => Some((VENDOR_GLOBAL, specifier)),
            (None, Some(specifier)) => Some((DEPS_GLOBAL, specifier)),
            (None, None) => None,
        };
        if let Some((global, specifier)) = shim {
            // A CommonJS shim: rolldown's interop then serves default and named imports alike.
            let code = format!(
                "module.exports = globalThis.{global}[{}];",
                serde_json::to_string(specifier)?
            );
            return Ok(Some(HookLoadOutput {
                code: code.into(),
                module_type: Some(ModuleType::Js),
                ..Default::default()
            }));
        }
        let is_css = Path::new(args.id)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("css"));
        if is_css && !args.id.starts_with('\0') {
            let id = Path::new(args.id);
            let key = id
                .strip_prefix(&self.cwd)
                .ok()
                .or_else(|| {
                    self.entry_dir
                        .as_deref()
                        .and_then(|dir| id.strip_prefix(dir).ok())
                })
                .map_or_else(|| args.id.to_owned(), |p| p.to_string_lossy().into_owned());
            match tokio::fs::read_to_string(args.id).await {
                Ok(css) => {
                    self.state().css.insert(key, css);
                }
                Err(e) => self
                    .state()
                    .css_errors
                    .push(format!("cannot read {key}: {e}")),
            }
            return Ok(Some(HookLoadOutput {
                code: "".into(),
                module_type: Some(ModuleType::Js),
                ..Default::default()
            }));
        }
        Ok(None)
    }

    fn register_hook_usage(&self) -> HookUsage {
        HookUsage::ResolveId | HookUsage::Load
    }
}

/// Bundles one entry into one script (no code splitting: dynamic imports are inlined).
pub(crate) async fn bundle(request: BundleRequest) -> Result<Bundled, Vec<Diagnostic>> {
    let cwd = request
        .node_modules
        .as_deref()
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
    let (import, entry_source, entry_file, entry_type) = match &request.entry {
        Entry::Memory { source, file } => (
            MEMORY_ENTRY_ID.to_owned(),
            Some(source.clone()),
            file.clone(),
            module_type_for(file),
        ),
        Entry::Path(path) => (
            path.to_string_lossy().into_owned(),
            None,
            path.to_string_lossy().into_owned(),
            ModuleType::Tsx,
        ),
    };
    let state = Arc::new(Mutex::new(State::default()));
    let plugin = QuirePlugin {
        entry_source: entry_source.clone(),
        entry_type,
        resolve_from: request.node_modules.as_ref().map(|nm| {
            nm.with_file_name("__quire_entry__.tsx")
                .to_string_lossy()
                .into_owned()
        }),
        node_modules: request.node_modules.clone(),
        vendor_react: request.vendor_react,
        deps_shims: request.deps_shims,
        assets: request.assets,
        cwd: cwd.clone(),
        entry_dir: match &request.entry {
            Entry::Path(path) => path.parent().map(Path::to_path_buf),
            Entry::Memory { .. } => None,
        },
        state: state.clone(),
    };
    let options = BundlerOptions {
        input: Some(vec![InputItem {
            name: Some("page".to_owned()),
            import,
        }]),
        cwd: Some(cwd.clone()),
        platform: Some(Platform::Browser),
        format: Some(request.format),
        minify: Some(RawMinifyOptions::Bool(true)),
        define: Some(FxIndexMap::from_iter([(
            "process.env.NODE_ENV".to_owned(),
            "\"production\"".to_owned(),
        )])),
        code_splitting: Some(CodeSplittingMode::Bool(false)),
        ..Default::default()
    };
    let sources = Sources {
        entry_source,
        entry_file,
        cwd,
    };
    let mut bundler = Bundler::with_plugins(options, vec![Arc::new(plugin)])
        .map_err(|e| sources.convert_all(&e.into_vec()))?;
    let result = bundler.generate().await;
    let _ = bundler.close().await;
    let output = result.map_err(|e| sources.convert_all(&e.into_vec()))?;

    let state = std::mem::take(&mut *state.lock().unwrap_or_else(PoisonError::into_inner));
    let (mut errors, warnings) = sources.sort_warnings(&output.warnings);
    for message in state.css_errors {
        errors.push(Diagnostic::error_at(
            "CSS_READ_ERROR",
            message,
            &sources.entry_file,
            "",
            0,
            0,
        ));
    }
    if !errors.is_empty() {
        errors.extend(warnings);
        return Err(errors);
    }
    let mut js = String::new();
    for asset in &output.assets {
        if let Output::Chunk(chunk) = asset {
            js.push_str(&chunk.code);
        }
    }
    let mut css = String::new();
    for (path, text) in &state.css {
        let _ = writeln!(css, "/* {path} */\n{}", text.trim_end());
    }
    Ok(Bundled {
        js,
        css,
        uses_vendor: state.uses_vendor,
        warnings,
    })
}

fn module_type_for(file: &str) -> ModuleType {
    match file.rsplit('.').next() {
        Some("ts" | "mts" | "cts") => ModuleType::Ts,
        Some("js" | "mjs" | "cjs") => ModuleType::Js,
        Some("jsx") => ModuleType::Jsx,
        _ => ModuleType::Tsx,
    }
}

/// What is needed to locate rolldown's diagnostics in our terms.
struct Sources {
    entry_source: Option<Arc<str>>,
    entry_file: String,
    cwd: PathBuf,
}

impl Sources {
    fn convert_all(&self, diagnostics: &[BuildDiagnostic]) -> Vec<Diagnostic> {
        diagnostics.iter().map(|d| self.convert(d)).collect()
    }

    fn convert(&self, d: &BuildDiagnostic) -> Diagnostic {
        let kind = d.kind();
        let rendered = d.to_diagnostic();
        let mut message = d.to_string();
        if message.trim().is_empty() {
            rendered
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .clone_into(&mut message);
        }
        // rolldown names the in-memory entry by its id; the author knows it by its file name.
        message = message
            .replace("\\0quire:entry", &self.entry_file)
            .replace(MEMORY_ENTRY_ID, &self.entry_file);
        let mut help = None;
        let mut specifier = None;
        if matches!(kind, EventKind::UnresolvedImport | EventKind::ResolveError) {
            let importee = d.exporter().unwrap_or_default();
            message = format!("cannot resolve import \"{importee}\"");
            help = Some(unresolved_help(&importee));
            specifier = Some(importee);
        }
        let code = match kind {
            EventKind::ResolveError => "UNRESOLVED_IMPORT".to_owned(),
            _ => kind.to_string(),
        };
        let Some((file, line, column, _)) = rendered.get_primary_location() else {
            let file = d
                .id()
                .map_or_else(|| self.entry_file.clone(), |id| self.display(&id));
            let mut out = Diagnostic::error_at(&code, message, &file, "", 0, 0);
            out.help = help;
            return out;
        };
        let (display, source) =
            if file.contains(MEMORY_ENTRY_ID.trim_start_matches('\0')) || file == self.entry_file {
                (
                    self.entry_file.clone(),
                    self.entry_source.as_deref().map(ToOwned::to_owned),
                )
            } else {
                let path = self.cwd.join(&file);
                (self.display(&file), std::fs::read_to_string(path).ok())
            };
        let source = source.unwrap_or_default();
        let offset = crate::diagnostic::offset_of(
            &source,
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column + 1).unwrap_or(u32::MAX),
        );
        // Underline the whole quoted specifier when the location points at it.
        let len = specifier
            .filter(|s| {
                let rest = &source[offset..];
                rest.len() > s.len() + 1 && rest[1..].starts_with(s.as_str())
            })
            .map_or(1, |s| s.len() + 2);
        let mut out = Diagnostic::error_at(&code, message, &display, &source, offset, len);
        out.help = help;
        out
    }

    /// Unresolved imports become errors (rolldown would guess a global); other warnings are
    /// kept only when they are about the entry: code inside packages is not the author's to fix.
    fn sort_warnings(&self, warnings: &[BuildDiagnostic]) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
        let mut errors = Vec::new();
        let mut kept = Vec::new();
        for warning in warnings {
            let d = self.convert(warning);
            if matches!(
                warning.kind(),
                EventKind::UnresolvedImport | EventKind::ResolveError
            ) {
                errors.push(d);
            } else if d.file == self.entry_file {
                kept.push(d.warning());
            }
        }
        (errors, kept)
    }

    fn display(&self, id: &str) -> String {
        if id.contains(MEMORY_ENTRY_ID.trim_start_matches('\0')) {
            return self.entry_file.clone();
        }
        Path::new(id)
            .strip_prefix(&self.cwd)
            .map_or_else(|_| id.to_owned(), |p| p.to_string_lossy().into_owned())
    }
}

fn unresolved_help(specifier: &str) -> String {
    match crate::scan::target(specifier) {
        crate::scan::Target::Package(name) if name != specifier => format!(
            "the package \"{name}\" is installed but has no \"{specifier}\" entry; check the import \
             paths its documentation lists"
        ),
        crate::scan::Target::Package(name) => format!(
            "\"{name}\" is not installed; add it to the page's dependencies or check its spelling"
        ),
        _ => "pages are a single file: inline the code, or import it from an npm package or an \
              https:// URL"
            .to_owned(),
    }
}
