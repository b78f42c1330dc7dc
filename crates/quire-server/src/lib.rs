//! Quire's HTTP server, as a library: `router(state)` for the app origin,
//! `usercontent_router(state)` for the origin that serves page artifacts, `metrics_router` for
//! the operators' own listener, and `serve` to run them with graceful shutdown. The binary only
//! loads configuration and calls these.

pub mod agent;
pub mod artifacts;
pub mod assets;
pub mod auth;
pub mod bootstrap;
pub mod config;
mod credentials;
pub mod errors;
mod extract;
pub mod functions;
pub mod inbox;
pub mod invoke;
mod json;
pub mod live;
mod pages;
pub mod rate_limit;
mod read_cache;
mod routes;
pub mod seal;
pub mod state;
mod telemetry;
pub mod templates;
mod ui;
pub mod validate;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower::ServiceBuilder;

pub use config::{
    AgentConfig, DEFAULT_AGENT_MAX_ATTEMPTS, DEFAULT_AGENT_RUNS_PER_HOUR, DEFAULT_ASSET_MAX_BYTES,
    DEFAULT_EMBED_RATE_PER_MINUTE, DEFAULT_FUNCTION_QUEUE_WAIT, DEFAULT_INVOKE_RATE_PER_PROJECT,
    DEFAULT_INVOKE_RATE_PER_VIEWER, DEFAULT_LOGIN_FAILURES_PER_ADDRESS,
    DEFAULT_PROJECT_ASSETS_MAX_BYTES, DEFAULT_PUBLIC_LINK_RATE_PER_MINUTE,
    DEFAULT_RECORD_BATCH_WINDOW, DEFAULT_WHATSAPP_API_URL, ModelEndpoint, ServerConfig,
    default_function_concurrency,
};
pub use errors::ApiError;
/// What `kapso.getContext()` answers a page, for `quire dev --offline` to grant the same.
pub use routes::pages::frame::page_context;
pub use state::AppState;

/// JSON bodies above this are refused before parsing (a page source is at most 1 MiB).
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The app origin: the API, the `OpenAPI` document and the operational endpoints.
pub fn router(state: AppState) -> Router {
    telemetry::metrics_handle();
    let (api, openapi) = routes::api();
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(api)
        .merge(ui::routes(&state))
        .route(
            "/api/v1/openapi.json",
            get(move || std::future::ready(Json(openapi.as_ref().clone()))),
        )
        .route("/healthz", get(routes::ops::healthz))
        .route("/readyz", get(routes::ops::readyz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // One `layer` call, and one middleware in it: the router clones each layer of a route
        // for every request.
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(
                    AppSecurityHeaders::new(&state.config),
                    observe_app,
                ))
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .with_state(state)
}

/// The usercontent origin. It serves artifacts only (`GET /a/{sha256}` with a signed, fresh
/// query; see `artifacts`); everything else is 404.
pub fn usercontent_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(routes::ops::healthz))
        .merge(artifacts::routes(state.clone()))
        .merge(assets::serve::routes())
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
                "not found\n",
            )
        })
        .layer(middleware::from_fn(telemetry::observe))
        .with_state(state)
}

/// The metrics listener (`metrics_listen`): `GET /metrics` in Prometheus' text format, never on
/// a public origin. Counters name routes, functions' placements and queue depths, which are
/// for operators, not for whoever can reach the app.
pub fn metrics_router(state: AppState) -> Router {
    telemetry::metrics_handle();
    Router::new()
        .route("/metrics", get(routes::ops::metrics))
        .route("/healthz", get(routes::ops::healthz))
        .with_state(state)
}

/// Whether `request` is for the API (JSON answers, never a page of the app).
fn is_api(request: &Request) -> bool {
    request.uri().path().starts_with("/api/")
}

async fn not_found(request: Request) -> Response {
    if is_api(&request) {
        ApiError::not_found(format!(
            "no route {} {}; GET /api/v1/openapi.json lists them",
            request.method(),
            validate::shown(request.uri().path())
        ))
        .into_response()
    } else if request.method() == axum::http::Method::GET
        && !request.uri().path().starts_with("/a/")
        && !request.uri().path().starts_with("/u/")
    {
        // An artifact path stays a bare 404 here: the app origin has nothing of a page's.
        ui::unknown_path()
    } else {
        (StatusCode::NOT_FOUND, "not found\n").into_response()
    }
}

async fn method_not_allowed(request: Request) -> Response {
    if is_api(&request) {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!(
                "{} {} is not a route; the Allow header lists its methods, GET /api/v1/openapi.json all routes",
                request.method(),
                validate::shown(request.uri().path())
            ),
        )
        .into_response()
    } else {
        (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response()
    }
}

/// The app's own pages never run inline scripts and frame only the usercontent origin; inline
/// styles only with the nonce of the document that carries them. Built once per router: the
/// headers depend only on the configuration.
#[derive(Clone)]
struct AppSecurityHeaders {
    csp: HeaderValue,
    frame_src: String,
    hsts: bool,
}

impl AppSecurityHeaders {
    fn new(config: &ServerConfig) -> Self {
        let usercontent = &config.usercontent_url;
        let frame_src = if usercontent.contains([';', ','])
            || HeaderValue::from_str(usercontent).is_err()
        {
            tracing::error!(%usercontent, "the usercontent URL cannot go in a Content-Security-Policy; the app will frame no pages");
            "'none'".to_owned()
        } else {
            usercontent.clone()
        };
        Self {
            csp: Self::policy(&frame_src, "'self'", "'self'"),
            frame_src,
            hsts: config.tls(),
        }
    }

    /// The studio previews page assets, which only the usercontent origin serves: images
    /// load from there as from the app.
    fn policy(frame_src: &str, style_src: &str, frame_ancestors: &str) -> HeaderValue {
        let img_src = if frame_src == "'none'" {
            "'self' data:".to_owned()
        } else {
            format!("'self' data: {frame_src}")
        };
        HeaderValue::from_str(&format!(
            "default-src 'self'; script-src 'self'; style-src {style_src}; img-src {img_src}; connect-src 'self'; \
             frame-src {frame_src}; frame-ancestors {frame_ancestors}; base-uri 'none'; object-src 'none'; form-action 'self'"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"))
    }
}

/// The policy of the API's answers. None is a document of the app, and a function's answer is
/// the function author's content on the app's origin: opened in a tab, it loads nothing and
/// runs in an opaque origin, and no page may frame it.
const API_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Every request of the app origin: [`telemetry::observe`], and the security headers on the
/// answer.
async fn observe_app(
    axum::extract::State(security): axum::extract::State<AppSecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let api = is_api(&request);
    let mut response = telemetry::observe(request, next).await;
    let nonce = response.extensions().get::<ui::StyleNonce>().cloned();
    let ancestors = response.extensions().get::<ui::FrameAncestors>().cloned();
    let headers = response.headers_mut();
    let csp = match (nonce, ancestors) {
        _ if api => HeaderValue::from_static(API_CONTENT_SECURITY_POLICY),
        (None, None) => security.csp,
        (nonce, ancestors) => AppSecurityHeaders::policy(
            &security.frame_src,
            &nonce.map_or_else(
                || "'self'".to_owned(),
                |ui::StyleNonce(n)| format!("'self' 'nonce-{n}'"),
            ),
            &ancestors.map_or_else(|| "'self'".to_owned(), |ui::FrameAncestors(a)| a),
        ),
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // An embedded inbox's document sets its own (its URL carries a token).
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    if security.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// The listeners Quire serves on.
pub struct Listeners {
    pub app: TcpListener,
    pub usercontent: TcpListener,
    /// Where `/metrics` is served, when the operator asked for it.
    pub metrics: Option<TcpListener>,
}

/// Serves both origins (and checkpoints `SQLite`'s log beside the writers) until `shutdown`
/// completes, then stops accepting, ends the event streams, lets in-flight requests finish (at
/// most `shutdown_grace`), writes the invocation records still queued, and checkpoints and
/// closes the store.
pub async fn serve(
    state: AppState,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    if let Err(error) = state.store.follow_changes().await {
        tracing::warn!(%error, "cannot follow other instances' changes; caches catch up with them within a second");
    }
    let (stop, stopped) = tokio::sync::watch::channel(());
    let when_stopped = |mut stopped: tokio::sync::watch::Receiver<()>| async move {
        let _ = stopped.changed().await;
    };
    // The peer address goes with every request: sign-in failures are limited per address.
    let app = axum::serve(
        listeners.app,
        router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(when_stopped(stopped.clone()));
    let usercontent = axum::serve(listeners.usercontent, usercontent_router(state.clone()))
        .with_graceful_shutdown(when_stopped(stopped.clone()));
    let metrics = listeners.metrics.map(|listener| {
        axum::serve(listener, metrics_router(state.clone()))
            .with_graceful_shutdown(when_stopped(stopped))
    });
    let mut servers = tokio::spawn(async move {
        let metrics = async move {
            match metrics {
                Some(server) => server.await,
                None => Ok(()),
            }
        };
        tokio::try_join!(app.into_future(), usercontent.into_future(), metrics).map(|_| ())
    });
    let upkeep = tokio::spawn(telemetry::run_metrics_upkeep());
    let pruning = tokio::spawn(artifacts::run_pruning(state.store.clone()));
    let event_pruning = tokio::spawn(live::run_pruning(state.store.clone()));
    let status_pruning = tokio::spawn(inbox::prune::run_pruning(state.store.clone()));
    let checkpoints = tokio::spawn({
        let store = state.store.clone();
        async move { store.run_checkpoints().await }
    });

    let result = tokio::select! {
        finished = &mut servers => finished.unwrap_or_else(|e| Err(std::io::Error::other(e))),
        () = shutdown => {
            tracing::info!("shutting down: no new connections; waiting for requests in flight");
            let _ = stop.send(());
            // Event streams never end on their own.
            state.live.stop();
            drain(&mut servers, state.config.shutdown_grace).await
        }
    };
    state.invoker.flush_records().await;
    upkeep.abort();
    pruning.abort();
    event_pruning.abort();
    status_pruning.abort();
    checkpoints.abort();
    state.store.close().await;
    result
}

async fn drain(
    servers: &mut tokio::task::JoinHandle<std::io::Result<()>>,
    grace: Duration,
) -> std::io::Result<()> {
    if let Ok(finished) = tokio::time::timeout(grace, servers).await {
        finished.unwrap_or_else(|e| Err(std::io::Error::other(e)))
    } else {
        tracing::warn!(
            ?grace,
            "requests still in flight after the shutdown grace period; closing them"
        );
        Ok(())
    }
}
