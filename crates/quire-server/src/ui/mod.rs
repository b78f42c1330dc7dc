//! The app's own UI (`ui/`, React in TSX, with `bridge/host.ts`), compiled by Quire's own
//! compiler when the server starts and served from the app origin.
//!
//! The sources are embedded in the binary and bundled in the background ([`build`]), with the
//! studio's TypeScript worker and the declarations it checks pages against ([`declarations`]);
//! until the bundle is ready the UI routes say Quire is starting ([`serve`]). A failed build (say, React
//! not yet in the package store and the registry unreachable) is logged and retried with
//! backoff; the API works meanwhile. The bundle is built once per process and shared by every
//! router.

mod asset;
mod build;
mod bundle_cache;
mod declarations;
mod embed;
mod public_link;
mod serve;

use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use axum::Router;
use axum::routing::get;

use crate::state::AppState;
use build::Built;

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

static UI: OnceLock<Arc<Slot>> = OnceLock::new();

/// The style nonce of an index document, for its `Content-Security-Policy`.
#[derive(Clone)]
pub(crate) struct StyleNonce(pub String);

/// Who may frame a document other than the app's own origin (an embedded inbox's allowed
/// origins), for its `Content-Security-Policy`.
#[derive(Clone)]
pub(crate) struct FrameAncestors(pub String);

/// What a path that is neither the API's nor a screen's gets: the app itself with status 404,
/// so a mistyped or outdated link shows the app's own "nothing here" screen. Before the UI
/// is built, a plain 404.
pub(crate) fn unknown_path() -> axum::response::Response {
    use axum::response::IntoResponse;
    match UI.get().and_then(|slot| slot.ready()) {
        Some(built) => serve::document(axum::http::StatusCode::NOT_FOUND, &built),
        None => (axum::http::StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// The UI's routes. The first call starts the build with `state`'s compiler.
pub(crate) fn routes(state: &AppState) -> Router<AppState> {
    let slot = UI
        .get_or_init(|| {
            let slot = Arc::new(Slot::new());
            build::start(state.compiler.clone(), &slot);
            slot
        })
        .clone();
    Router::new()
        .route("/", get(serve::index))
        .route("/login", get(serve::index))
        .route("/p/{project}", get(serve::index))
        .route("/p/{project}/pages/{page}", get(serve::index))
        .route("/p/{project}/pages/{page}/edit", get(serve::index))
        .route("/p/{project}/pages/{page}/dev", get(serve::index))
        .route("/p/{project}/members", get(serve::index))
        .route("/p/{project}/audit", get(serve::index))
        .route("/account", get(serve::index))
        .route("/invite/{token}", get(serve::index))
        .route("/p/{project}/functions", get(serve::index))
        .route("/p/{project}/functions/{function}", get(serve::index))
        .route("/p/{project}/inbox", get(serve::index))
        .route("/p/{project}/inbox/{conversation}", get(serve::index))
        .route("/p/{project}/settings/whatsapp", get(serve::index))
        .route("/assets/{file}", get(serve::asset))
        .route(
            "/embed/inbox",
            get(embed::inbox).with_state((slot.clone(), state.clone())),
        )
        .route(
            "/s/{token}",
            get(public_link::page).with_state((slot.clone(), state.clone())),
        )
        .with_state(slot)
}
