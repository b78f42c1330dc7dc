//! The app's own UI (`ui/`, React in TSX, with `runtime/host.ts`), compiled by Quire's own
//! compiler when the server starts and served from the app origin.
//!
//! The sources are embedded in the binary. At start-up a background thread writes them to a
//! private temporary directory and bundles `ui/main.tsx` with [`Compiler::bundle_app`]; the
//! script and stylesheet are then served as `/assets/app-<hash>.js|css` (named by their content,
//! so cached forever) and every UI route answers the same `index.html`, which loads them with
//! `<script src>` and `<link>` only: the app origin's CSP allows no inline script or style.
//! Until the bundle is ready the UI routes answer a small "Quire is starting" page that
//! refreshes itself. A failed build (say, React not yet in the package store and the registry
//! unreachable) is logged and retried with backoff; the API works meanwhile. The bundle is
//! built once per process and shared by every router.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use quire_compiler::Compiler;
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// Embeds files by their path relative to the repository root.
macro_rules! sources {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../../", $path)))),*]
    };
}

/// The UI's source files, by path relative to the repository root.
const SOURCES: &[(&str, &str)] = sources![
    "ui/main.tsx",
    "ui/App.tsx",
    "ui/api.ts",
    "ui/router.ts",
    "ui/Link.tsx",
    "ui/Notice.tsx",
    "ui/Shell.tsx",
    "ui/SignIn.tsx",
    "ui/ProjectList.tsx",
    "ui/PageList.tsx",
    "ui/PageFrame.tsx",
    "ui/DashboardView.tsx",
    "ui/PageConsole.tsx",
    "ui/usePageConsole.ts",
    "ui/styles.css",
    "runtime/host.ts",
];

const ENTRY: &str = "ui/main.tsx";

/// React is pinned so that every start builds the same UI.
const DEPENDENCIES: &[(&str, &str)] = &[("react", "19.3.1"), ("react-dom", "19.3.1")];

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The built UI: the two assets (plain and gzipped) and the index document that loads them.
struct Built {
    js_name: String,
    js: Asset,
    css_name: String,
    css: Asset,
    index: Bytes,
}

/// An asset's bytes, and the same gzipped once at build time (React makes the script ~230 KB).
struct Asset {
    plain: Bytes,
    gzip: Bytes,
}

impl Asset {
    fn new(text: String) -> std::io::Result<Self> {
        use std::io::Write as _;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(text.as_bytes())?;
        Ok(Self {
            gzip: Bytes::from(encoder.finish()?),
            plain: Bytes::from(text),
        })
    }
}

/// Where the build stands. `Failed` is retried; a later success replaces it. Why it failed
/// goes to the log only: the page that says so is public.
enum Status {
    Building,
    Failed,
    Ready(Arc<Built>),
}

/// The build's status, shared by the build thread and every handler.
struct Slot(RwLock<Status>);

impl Slot {
    fn new() -> Self {
        Self(RwLock::new(Status::Building))
    }

    fn set(&self, status: Status) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = status;
    }

    fn ready(&self) -> Option<Arc<Built>> {
        match &*self.0.read().unwrap_or_else(PoisonError::into_inner) {
            Status::Ready(built) => Some(Arc::clone(built)),
            Status::Building | Status::Failed => None,
        }
    }

    fn failed(&self) -> bool {
        matches!(
            &*self.0.read().unwrap_or_else(PoisonError::into_inner),
            Status::Failed
        )
    }
}

/// The first retry of a failed build; each next one waits twice as long, up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_secs(5);
const RETRY_MAX: Duration = Duration::from_mins(5);

static UI: OnceLock<Arc<Slot>> = OnceLock::new();

/// The UI's routes. The first call starts the build with `state`'s compiler.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let slot = UI
        .get_or_init(|| {
            let slot = Arc::new(Slot::new());
            start_build(state.compiler.clone(), &slot);
            slot
        })
        .clone();
    Router::new()
        .route("/", get(index))
        .route("/login", get(index))
        .route("/p/{project}", get(index))
        .route("/p/{project}/pages/{page}", get(index))
        .route("/assets/{file}", get(asset))
        .with_state(slot)
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
    for (name, version) in DEPENDENCIES {
        hasher.update(format!("{name}@{version}\n").as_bytes());
    }
    short_hex(&hasher.finalize())
}

fn short_hex(digest: &[u8]) -> String {
    digest[..8].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn content_name(kind: &str, body: &str) -> String {
    format!("app-{}.{kind}", short_hex(&Sha256::digest(body.as_bytes())))
}

/// Bundles on a thread of its own with its own runtime, so the build outlives whichever
/// runtime created the router (tests make one per test), and retries until it succeeds.
fn start_build(compiler: Compiler, slot: &Arc<Slot>) {
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
    let dependencies: BTreeMap<String, String> = DEPENDENCIES
        .iter()
        .map(|(name, version)| ((*name).to_owned(), (*version).to_owned()))
        .collect();
    let bundle = compiler
        .bundle_app(
            &dir.path().join(ENTRY),
            &dependencies,
            &quire_npm::NoProgress,
        )
        .await
        .map_err(|diagnostics| quire_compiler::render_diagnostics(&diagnostics))?;
    let js_name = content_name("js", &bundle.js);
    let css_name = content_name("css", &bundle.css);
    let index = index_html(&js_name, &css_name);
    tracing::info!(
        sources = %source_hash(),
        script = %js_name,
        script_bytes = bundle.js.len(),
        elapsed_ms = started.elapsed().as_millis(),
        "built the app's UI"
    );
    Ok(Built {
        js_name,
        js: Asset::new(bundle.js).map_err(|e| format!("cannot compress the UI script: {e}"))?,
        css_name,
        css: Asset::new(bundle.css).map_err(|e| format!("cannot compress the UI styles: {e}"))?,
        index: Bytes::from(index),
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

fn index_html(js: &str, css: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n<title>Quire</title>\n\
         <link rel=\"stylesheet\" href=\"/assets/{css}\">\n\
         <script src=\"/assets/{js}\" defer></script>\n</head>\n\
         <body>\n<div id=\"root\"></div>\n\
         <noscript>Quire's interface needs JavaScript. Turn it on for this site and reload.</noscript>\n\
         </body>\n</html>\n"
    )
}

const STARTING: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
    <meta http-equiv=\"refresh\" content=\"1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n\
    <title>Quire is starting</title>\n</head>\n<body>\n<h1>Quire is starting</h1>\n\
    <p>The interface is being prepared; this page reloads by itself in a moment.</p>\n</body>\n</html>\n";

fn html(status: StatusCode, body: impl Into<Bytes>) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body.into(),
    )
        .into_response()
}

const FAILED: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
    <meta http-equiv=\"refresh\" content=\"30\">\n<meta name=\"color-scheme\" content=\"light dark\">\n\
    <title>Quire's interface did not build</title>\n</head>\n<body>\n<h1>Quire's interface did not build</h1>\n\
    <p>The API still works. The server log says why the interface failed to build (often: the npm \
    registry cannot be reached to fetch React); Quire keeps retrying, and this page reloads by itself.</p>\n\
    </body>\n</html>\n";

async fn index(State(slot): State<Arc<Slot>>) -> Response {
    if let Some(built) = slot.ready() {
        return html(StatusCode::OK, built.index.clone());
    }
    let (body, retry) = if slot.failed() {
        (FAILED, "30")
    } else {
        (STARTING, "1")
    };
    let mut response = html(StatusCode::SERVICE_UNAVAILABLE, body);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static(retry));
    response
}

async fn asset(
    State(slot): State<Arc<Slot>>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let Some(built) = slot.ready() else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let (body, content_type) = if file == built.js_name {
        (&built.js, "text/javascript; charset=utf-8")
    } else if file == built.css_name {
        (&built.css, "text/css; charset=utf-8")
    } else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let gzip = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            parts.next().is_some_and(|name| name.trim() == "gzip")
                && parts.all(|param| param.trim() != "q=0")
        });
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, IMMUTABLE),
            (header::VARY, "accept-encoding"),
        ],
        if gzip {
            body.gzip.clone()
        } else {
            body.plain.clone()
        },
    )
        .into_response();
    if gzip {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

#[cfg(test)]
mod tests {
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

    #[tokio::test]
    async fn until_built_the_ui_routes_say_quire_is_starting_and_refresh() {
        let response = index(State(Arc::new(Slot::new()))).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("Quire is starting"));
        assert!(text.contains("<meta http-equiv=\"refresh\" content=\"1\">"));
        assert!(!text.contains("<script") && !text.contains("<style"));
    }

    #[tokio::test]
    async fn a_failed_build_says_so_refreshes_slowly_and_serves_no_asset() {
        let slot = Arc::new(Slot::new());
        slot.set(Status::Failed);
        let response = index(State(Arc::clone(&slot))).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "30");
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("did not build") && text.contains("content=\"30\""));
        let asset = asset(
            State(slot),
            UrlPath("app-0123456789abcdef.js".to_owned()),
            HeaderMap::new(),
        )
        .await;
        assert_eq!(asset.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_build_that_succeeds_after_failing_serves_the_ui() {
        let slot = Arc::new(Slot::new());
        slot.set(Status::Failed);
        let (js, css) = ("console.log(1)".to_owned(), "body{}".to_owned());
        let (js_name, css_name) = (content_name("js", &js), content_name("css", &css));
        slot.set(Status::Ready(Arc::new(Built {
            index: Bytes::from(index_html(&js_name, &css_name)),
            js: Asset::new(js).unwrap(),
            css: Asset::new(css).unwrap(),
            js_name: js_name.clone(),
            css_name,
        })));
        assert_eq!(
            index(State(Arc::clone(&slot))).await.status(),
            StatusCode::OK
        );
        let script = asset(State(slot), UrlPath(js_name), HeaderMap::new()).await;
        assert_eq!(script.status(), StatusCode::OK);
    }

    #[test]
    fn asset_names_follow_the_content() {
        assert_eq!(content_name("js", "a"), content_name("js", "a"));
        assert_ne!(content_name("js", "a"), content_name("js", "b"));
        let name = content_name("css", "a");
        assert_eq!(name, format!("app-{}.css", &name[4..20]));
    }

    #[test]
    fn every_file_under_ui_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let path = format!("ui/{name}");
            assert!(
                SOURCES.iter().any(|(p, _)| *p == path),
                "{path} is not in ui.rs's SOURCES; add it so the binary carries it"
            );
        }
    }

    #[test]
    fn the_entry_and_the_host_bridge_are_embedded() {
        assert!(SOURCES.iter().any(|(path, _)| *path == ENTRY));
        assert!(
            SOURCES
                .iter()
                .any(|(path, text)| *path == "runtime/host.ts" && text.contains("allow-scripts"))
        );
    }
}
