//! `GET /u/{sha256}` on the usercontent origin: an asset's content by its SHA-256, the only
//! thing besides artifacts that origin serves. The URL names the bytes, so any cache may keep
//! them for good. Every answer has a policy that runs nothing and a sandbox: an SVG opened
//! directly keeps its scripts to itself, and inside an `<img>` a browser runs none anyway.
//! Fonts are fetched in CORS mode, and a page's frame has an opaque origin, so every origin
//! may read them (never with credentials; the bytes are no secret to whoever has the URL).

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

/// The policy of every asset: nothing loads, no script runs; SVG's inline styles apply.
pub const ASSET_CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// The route, for the usercontent router.
pub fn routes() -> Router<AppState> {
    Router::new().route("/u/{sha256}", get(serve))
}

async fn serve(State(state): State<AppState>, Path(sha256): Path<String>) -> Response {
    let well_formed = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !well_formed {
        return not_found();
    }
    let content = match state.store.asset_content(&sha256).await {
        Ok(Some(content)) => content,
        Ok(None) => return not_found(),
        Err(error) => {
            tracing::error!(%error, "could not read an asset");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
                "could not read the asset; try again\n",
            )
                .into_response();
        }
    };
    let mut response = Response::new(Body::from(content.bytes));
    let headers = response.headers_mut();
    if let Ok(content_type) = HeaderValue::from_str(&content.content_type) {
        headers.insert(header::CONTENT_TYPE, content_type);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(ASSET_CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
        "no such asset\n",
    )
        .into_response()
}
