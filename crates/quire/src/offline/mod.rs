//! `quire dev --offline`: the dev loop with no server. Pages compile here (packages from the
//! local store, as `quire compile`), and a local preview serves them the way Quire does: the
//! host page (bridge/host.ts, bundled at start) on one loopback origin, the artifacts on
//! another with the same `sandbox` policy, so the page runs in an opaque origin and talks to
//! the host only over the bridge. Its function calls run the project folder's
//! `functions/<slug>.js` here in the same `QuickJS` runtime the server uses, secrets from the
//! environment (`QUIRE_SECRET_<NAME>` is `env.NAME`), `env.KV` in memory. Each build is
//! pushed to the open previews over server-sent events (`/events`).

mod routes;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context as _;
use quire_compiler::{CompileInput, Compiler, PageAsset};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::dev::{Handler, follow, open_in_browser};
use crate::project::{Kind, Project, sha256_hex};

const HOST_TS: &str = include_str!("host.ts");
const BRIDGE_HOST_TS: &str = include_str!("../../../../bridge/host.ts");

/// What the local preview holds.
pub(crate) struct Local {
    project: Project,
    compiler: Compiler,
    /// The app origin (host pages) and the usercontent origin (artifacts), as URLs.
    app: String,
    usercontent: String,
    host_js: String,
    /// Each page's last good build: its artifact's SHA-256.
    built: Mutex<HashMap<String, String>>,
    /// Artifacts by SHA-256.
    artifacts: Mutex<HashMap<String, Arc<String>>>,
    /// `(kind, data)` for `/events`: `built` / `failed` `{page}`.
    events: broadcast::Sender<(&'static str, Value)>,
    runtime: quire_functions::Runtime,
    kv: Arc<quire_functions::MemoryKv>,
    secrets: Arc<BTreeMap<String, String>>,
    /// Each function's code hash and the version number it runs as (new code, a new
    /// isolate), and the last number given.
    versions: Mutex<Versions>,
}

/// The version numbers local functions run as.
#[derive(Default)]
struct Versions {
    last: i64,
    /// Function slug → its code's hash and number.
    known: HashMap<String, (String, i64)>,
}

pub async fn run(
    project: Project,
    listen: SocketAddr,
    store: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let compiler = crate::compile::local_compiler(store)?;
    let host_js = bundle_host(&project, &compiler).await?;

    let app_listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}; pick another with --listen"))?;
    let usercontent_listener =
        tokio::net::TcpListener::bind(SocketAddr::new(listen.ip(), 0)).await?;
    let app = format!("http://{}", app_listener.local_addr()?);
    let usercontent = format!("http://{}", usercontent_listener.local_addr()?);
    let secrets: BTreeMap<String, String> = std::env::vars()
        .filter_map(|(name, value)| Some((name.strip_prefix("QUIRE_SECRET_")?.to_owned(), value)))
        .collect();
    let local = Arc::new(Local {
        project,
        compiler,
        app,
        usercontent,
        host_js,
        built: Mutex::default(),
        artifacts: Mutex::default(),
        events: broadcast::channel(64).0,
        runtime: quire_functions::Runtime::new(quire_functions::RuntimeConfig::default()),
        kv: Arc::new(quire_functions::MemoryKv::new()),
        secrets: Arc::new(secrets),
        versions: Mutex::default(),
    });
    let (app_router, usercontent_router) = routes::routers(&local);
    tokio::spawn(async move { axum::serve(app_listener, app_router).await });
    tokio::spawn(async move { axum::serve(usercontent_listener, usercontent_router).await });

    println!(
        "Offline: watching {}; previews on this machine only.",
        local.project.root.display()
    );
    let mut session = Session {
        current: local.project.slugs(Kind::Page).first().cloned(),
        local: local.clone(),
    };
    follow(
        &local.project,
        &mut session,
        "Keys: o open the preview, q quit. (s and p need the server: run quire dev without --offline.)",
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// The offline loop's handling of saved files and keys.
struct Session {
    local: Arc<Local>,
    /// The page last saved, whose preview `o` opens.
    current: Option<String>,
}

impl Handler for Session {
    fn preview_url(&self, slug: &str) -> String {
        self.local.preview_url(slug)
    }

    async fn saved(&mut self, kind: Kind, slug: &str, text: &str) {
        match kind {
            Kind::Page => {
                self.current = Some(slug.to_owned());
                self.local.compile(slug).await;
            }
            Kind::Function => self.local.check_function(slug, text).await,
        }
    }

    fn deleted(&mut self, kind: Kind, slug: &str) {
        let file = self.local.project.file(kind, slug);
        println!(
            "{}: deleted (its preview keeps the last build until quire dev stops)",
            self.local.project.shown(&file)
        );
        if self.current.as_deref() == Some(slug) && kind == Kind::Page {
            self.current = None;
        }
    }

    async fn key(&mut self, key: char) -> bool {
        match key.to_ascii_lowercase() {
            'o' => {
                if let Some(slug) = &self.current {
                    open_in_browser(&self.local.preview_url(slug));
                }
            }
            's' | 'p' => println!(
                "Offline: nothing is saved or published. Run quire dev without --offline for that."
            ),
            'q' | '\u{3}' | '\u{4}' => return false,
            _ => {}
        }
        true
    }
}

/// Bundles the host page's script: this module's host.ts with bridge/host.ts, in
/// `.quire/offline/host/`.
async fn bundle_host(project: &Project, compiler: &Compiler) -> anyhow::Result<String> {
    let dir = project.root.join(".quire/offline/host");
    std::fs::create_dir_all(&dir).with_context(|| format!("could not make {}", dir.display()))?;
    // In the repository it imports bridge/host.ts where it is (so the type check sees both).
    let entry = HOST_TS.replace("\"../../../../bridge/host\"", "\"./bridge-host\"");
    std::fs::write(dir.join("main.ts"), entry)?;
    std::fs::write(dir.join("bridge-host.ts"), BRIDGE_HOST_TS)?;
    let bundle = compiler
        .bundle_app(
            &dir.join("main.ts"),
            &BTreeMap::new(),
            &quire_compiler::NoProgress,
        )
        .await
        .map_err(|diagnostics| {
            anyhow::anyhow!(
                "could not build the offline preview's host page:\n{}",
                quire_compiler::render_diagnostics(&diagnostics)
            )
        })?;
    Ok(bundle.js)
}

impl Local {
    fn shown(&self, kind: Kind, slug: &str) -> String {
        self.project.shown(&self.project.file(kind, slug))
    }

    fn preview_url(&self, slug: &str) -> String {
        format!("{}/p/{slug}", self.app)
    }

    /// The assets `source` imports, from `pages/assets/`.
    fn assets(&self, source: &str) -> BTreeMap<String, PageAsset> {
        let dir = self.project.root.join("pages/assets");
        quire_compiler::imported_assets(source)
            .into_iter()
            .filter_map(|name| {
                let bytes = std::fs::read(dir.join(&name)).ok()?;
                let asset = PageAsset {
                    url: format!("{}/assets/{name}", self.usercontent),
                    content_type: routes::content_type(&name).to_owned(),
                    bytes,
                };
                Some((name, asset))
            })
            .collect()
    }

    /// Compiles page `slug` here, prints its diagnostics and tells the open previews.
    async fn compile(&self, slug: &str) {
        let path = self.project.file(Kind::Page, slug);
        let shown = self.shown(Kind::Page, slug);
        let Ok(source) = std::fs::read_to_string(&path) else {
            return;
        };
        let started = Instant::now();
        let lock_path = self
            .project
            .root
            .join(format!(".quire/offline/{slug}.lock.json"));
        let lock = crate::compile::read_lock(&lock_path).unwrap_or(None);
        let input = CompileInput {
            assets: self.assets(&source),
            source,
            dependencies: BTreeMap::new(),
            lock: lock.clone(),
        };
        let output = self
            .compiler
            .compile(&input, &quire_compiler::NoProgress)
            .await;
        let diagnostics = serde_json::to_value(&output.diagnostics).unwrap_or(Value::Null);
        crate::pages::print_diagnostics(&diagnostics, Path::new(&shown));
        let Some(artifact) = output.artifact.as_ref().filter(|_| output.ok()) else {
            eprintln!("{shown}: does not build; the preview keeps the last good render");
            let _ = self.events.send(("failed", json!({ "page": slug })));
            return;
        };
        if let Some(new_lock) = &output.lock
            && lock.as_ref() != Some(new_lock)
            && let Ok(text) = serde_json::to_string_pretty(new_lock)
        {
            let _ = std::fs::write(&lock_path, text + "\n");
        }
        self.artifacts
            .lock()
            .expect("artifacts lock")
            .insert(artifact.sha256.clone(), Arc::new(artifact.html.clone()));
        self.built
            .lock()
            .expect("built lock")
            .insert(slug.to_owned(), artifact.sha256.clone());
        let _ = self.events.send(("built", json!({ "page": slug })));
        println!(
            "{shown}: built here in {} ms; the open previews show it",
            started.elapsed().as_millis()
        );
    }

    /// Loads function `slug`'s code and prints its load error, if any.
    async fn check_function(&self, slug: &str, code: &str) {
        let shown = self.shown(Kind::Function, slug);
        match self.runtime.validate(code).await {
            Ok(()) => println!("{shown}: loads; the previews' calls run it"),
            Err(error) => eprintln!("{shown}{}: error: {error}", crate::dev::position(&error)),
        }
    }

    /// The function `slug` as it is in the folder now.
    fn function(&self, slug: &str) -> Option<quire_functions::FunctionRef> {
        let code = std::fs::read_to_string(self.project.file(Kind::Function, slug)).ok()?;
        let sha = sha256_hex(&code);
        let version = {
            let mut versions = self.versions.lock().expect("versions lock");
            match versions.known.get(slug) {
                Some((known, version)) if *known == sha => *version,
                _ => {
                    versions.last += 1;
                    let version = versions.last;
                    versions.known.insert(slug.to_owned(), (sha, version));
                    version
                }
            }
        };
        Some(quire_functions::FunctionRef {
            project_id: "local".to_owned(),
            function_id: slug.to_owned(),
            version,
            code: Arc::from(code),
            limits: quire_functions::Limits::default(),
        })
    }
}
