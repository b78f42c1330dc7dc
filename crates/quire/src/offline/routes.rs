//! The offline preview's two origins: the app's (`/p/{slug}` host pages, `/host.js`,
//! `POST /frame/{slug}`, `POST /invoke/{slug}`, `/events`) and the usercontent one
//! (`/a/{sha256}` artifacts with Quire's sandbox policy, `/assets/{name}`).

use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::Local;
use crate::project::Kind;

type Shared = Arc<Local>;

pub(super) fn routers(local: &Shared) -> (Router, Router) {
    let app = Router::new()
        .route("/", get(index))
        .route("/p/{slug}", get(host_page))
        .route("/host.js", get(host_js))
        .route("/frame/{slug}", post(frame))
        .route("/invoke/{slug}", post(invoke))
        .route("/events", get(events))
        .with_state(local.clone());
    let usercontent = Router::new()
        .route("/a/{sha}", get(artifact))
        .route("/assets/{name}", get(asset))
        .with_state(local.clone());
    (app, usercontent)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        axum::Json(json!({ "error": { "message": message.into() } })),
    )
        .into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn index(State(local): State<Shared>) -> Html<String> {
    let links = local
        .project
        .slugs(Kind::Page)
        .iter()
        .fold(String::new(), |mut links, slug| {
            let slug = escape(slug);
            let _ = write!(links, "<li><a href=\"/p/{slug}\">{slug}</a></li>");
            links
        });
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>quire dev --offline</title><h1>Pages</h1><ul>{links}</ul>"
    ))
}

async fn host_page(Path(slug): Path<String>) -> Html<String> {
    let slug = escape(&slug);
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{slug} · quire dev --offline</title>
<style>html,body{{height:100%;margin:0;font-family:system-ui}}body{{display:flex;flex-direction:column}}
header{{display:flex;gap:12px;align-items:center;padding:8px 16px;border-bottom:1px solid #ddd}}header h1{{font-size:1rem;margin:0}}
#status{{margin-left:auto;color:#666;font-size:.875rem}}#stage{{flex:1;position:relative;display:flex}}
.frame{{flex:1;display:flex}}.frame iframe{{flex:1;border:0;width:100%;height:100%;background:#fff}}
.frame.next{{position:absolute;inset:0;visibility:hidden}}</style></head>
<body data-page="{slug}"><header><h1>{slug}</h1><span id="status" role="status">Offline · waiting for the first build</span></header>
<div id="stage"></div><script src="/host.js"></script></body></html>"#
    ))
}

async fn host_js(State(local): State<Shared>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        local.host_js.clone(),
    )
        .into_response()
}

/// A grant for page `slug`'s last good build, as `POST …/frame` answers it.
async fn frame(State(local): State<Shared>, Path(slug): Path<String>) -> Response {
    let Some(sha) = local.built.lock().expect("built lock").get(&slug).cloned() else {
        return error(
            StatusCode::NOT_FOUND,
            format!("pages/{slug}.tsx has not built yet: fix it and save"),
        );
    };
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    let mut context = quire_server::page_context(
        &local.project.config.project,
        &slug,
        None,
        None,
        "preview",
        None,
    );
    if let Some(preview) = &local.project.config.preview {
        for (key, value) in &preview.context {
            if key != "system" {
                context[key] = value.clone();
            }
        }
    }
    axum::Json(json!({
        "url": format!("{}/a/{sha}#nonce={nonce}", local.usercontent),
        "nonce": nonce,
        "expires_at": "",
        "context": context,
    }))
    .into_response()
}

/// Runs the function a page's bridge names, from the folder, here.
async fn invoke(State(local): State<Shared>, body: Bytes) -> Response {
    let Ok(call) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "the call is not JSON");
    };
    let Some(slug) = call["function"]["slug"]
        .as_str()
        .or_else(|| call["function"]["id"].as_str())
        .map(str::to_owned)
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "invokeFunction needs { id } or { slug }",
        );
    };
    let shown = local.shown(Kind::Function, &slug);
    let Some(function) = local.function(&slug) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("there is no {shown} in the project folder"),
        );
    };
    let invocation = quire_functions::Invocation {
        request: quire_functions::HttpRequest::json(
            format!("{}/functions/{slug}", local.app),
            &call["payload"],
        ),
        secrets: local.secrets.clone(),
        kv: local.kv.clone(),
    };
    let outcome = local.runtime.invoke(&function, invocation).await;
    for line in outcome.logs.lines() {
        println!("{shown}: {line}");
    }
    match outcome.result {
        Ok(response) => {
            let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
            let content_type = response
                .headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                .and_then(|(_, value)| HeaderValue::from_str(value).ok())
                .unwrap_or(HeaderValue::from_static("text/plain; charset=utf-8"));
            (
                status,
                [(header::CONTENT_TYPE, content_type)],
                response.body,
            )
                .into_response()
        }
        Err(failure) => {
            eprintln!("{shown}: the call failed: {failure}");
            error(StatusCode::BAD_GATEWAY, format!("{shown}: {failure}"))
        }
    }
}

async fn events(State(local): State<Shared>) -> Response {
    let receiver = local.events.subscribe();
    let stream = futures::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok((kind, data)) => {
                    let event = Event::default().event(kind).data(data.to_string());
                    return Some((Ok::<_, Infallible>(event), receiver));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// An artifact, with the policy Quire's usercontent origin gives it: an opaque origin, framed
/// by the local app origin only.
async fn artifact(State(local): State<Shared>, Path(sha): Path<String>) -> Response {
    let Some(html) = local
        .artifacts
        .lock()
        .expect("artifacts lock")
        .get(&sha)
        .cloned()
    else {
        return error(StatusCode::NOT_FOUND, "no such build");
    };
    let policy = format!(
        "{}; frame-ancestors {}",
        quire_server::artifacts::SANDBOX,
        local.app
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CONTENT_SECURITY_POLICY, policy),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        html.as_str().to_owned(),
    )
        .into_response()
}

async fn asset(State(local): State<Shared>, Path(name): Path<String>) -> Response {
    if name.contains('/') || name.contains("..") {
        return error(StatusCode::NOT_FOUND, "no such asset");
    }
    match std::fs::read(local.project.root.join("pages/assets").join(&name)) {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&name))], bytes).into_response(),
        Err(_) => error(StatusCode::NOT_FOUND, "no such asset"),
    }
}

/// An asset's type by its extension.
pub(super) fn content_type(name: &str) -> &'static str {
    match name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
