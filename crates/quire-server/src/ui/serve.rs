//! Serving the UI: every UI route answers the same index document, which loads the script
//! and stylesheet by URL (`/assets/app-<hash>.js|css`, cached forever, as is every asset under
//! `/assets/`); until the build is ready they answer a small page that says Quire is starting,
//! or that the build failed, and refreshes itself.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::build::{Built, NONCE};
use super::{FrameAncestors, Slot, StyleNonce};
use crate::artifacts::encoding::Accepted;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

const STARTING: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
    <meta http-equiv=\"refresh\" content=\"1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n\
    <title>Quire is starting</title>\n</head>\n<body>\n<h1>Quire is starting</h1>\n\
    <p>The interface is being prepared; this page reloads by itself in a moment.</p>\n</body>\n</html>\n";

const FAILED: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
    <meta http-equiv=\"refresh\" content=\"30\">\n<meta name=\"color-scheme\" content=\"light dark\">\n\
    <title>Quire's interface did not build</title>\n</head>\n<body>\n<h1>Quire's interface did not build</h1>\n\
    <p>The API still works. The server log says why the interface failed to build (often: the npm \
    registry cannot be reached to fetch React); Quire keeps retrying, and this page reloads by itself.</p>\n\
    </body>\n</html>\n";

/// An HTML document of the app, never cached (it names the current assets).
pub(super) fn page(status: StatusCode, body: impl Into<Bytes>) -> Response {
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

/// The app's index with a fresh style nonce: the editor (`CodeMirror`) adds its styles as
/// `<style>` elements, which the app's policy allows only with this response's nonce.
pub(super) fn document(status: StatusCode, built: &Built) -> Response {
    let nonce = crate::auth::tokens::random_token(18);
    let index = String::from_utf8_lossy(&built.index).replace(NONCE, &nonce);
    let mut response = page(status, index);
    response.extensions_mut().insert(StyleNonce(nonce));
    response
}

pub(super) async fn index(State(slot): State<Arc<Slot>>) -> Response {
    if let Some(built) = slot.ready() {
        return document(StatusCode::OK, &built);
    }
    let (body, retry) = if slot.failed() {
        (FAILED, "30")
    } else {
        (STARTING, "1")
    };
    let mut response = page(StatusCode::SERVICE_UNAVAILABLE, body);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static(retry));
    response
}

pub(super) async fn asset(
    State(slot): State<Arc<Slot>>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let Some(built) = slot.ready() else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let Some(asset) = built.assets.get(&file) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let (body, encoding) = asset.body(Accepted::parse(headers.get(header::ACCEPT_ENCODING)));
    let mut response = (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, IMMUTABLE),
            (header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response();
    if let Some(coding) = encoding.header() {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, coding);
    }
    response
}

/// The app's document for a shared view (an embedded inbox, a public link), which `ancestors`
/// may frame. Its URL carries a token: never cached, never sent on as a referrer.
pub(super) async fn shared_document(slot: Arc<Slot>, ancestors: String) -> Response {
    let mut response = match slot.ready() {
        Some(built) => document(StatusCode::OK, &built),
        None => index(State(slot)).await,
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response.extensions_mut().insert(FrameAncestors(ancestors));
    response
}

/// A page that says why a shared document (an embedded inbox, a public link) cannot be shown,
/// and who can fix it. It may be framed anywhere (it shows nothing of a project), so a site
/// that frames it shows the reason instead of a browser error.
pub(super) fn notice(status: StatusCode, title: &str, text: &str) -> Response {
    let nonce = crate::auth::tokens::random_token(18);
    let body = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n<title>{title}</title>\n\
         <style nonce=\"{nonce}\">body{{font:15px/1.5 system-ui,sans-serif;display:grid;place-items:center;\
         min-height:90vh;margin:0;padding:1rem;color:#1f2328}}@media (prefers-color-scheme:dark){{body{{color:#e6edf3;\
         background:#0d1117}}}}main{{max-width:28rem;text-align:center}}h1{{font-size:1.15rem}}p{{opacity:.8}}</style>\n\
         </head>\n<body>\n<main>\n<h1>{title}</h1>\n<p>{text}</p>\n</main>\n</body>\n</html>\n"
    );
    let mut response = page(status, body);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response.extensions_mut().insert(StyleNonce(nonce));
    response
        .extensions_mut()
        .insert(FrameAncestors("*".to_owned()));
    response
}

/// The page for a shared document while the database does not answer.
pub(super) fn unavailable() -> Response {
    let mut response = page(
        StatusCode::SERVICE_UNAVAILABLE,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"refresh\" content=\"5\">\n<title>The inbox is unavailable</title>\n</head>\n\
         <body>\n<p>The inbox cannot be reached right now; this page tries again in a moment.</p>\n</body>\n</html>\n",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

#[cfg(test)]
mod tests {
    use super::super::Status;
    use super::super::asset::content_name;
    use super::super::build::{Built, Bundles, TypeScript};
    use super::*;

    async fn text_of(response: Response) -> String {
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn until_built_the_ui_routes_say_quire_is_starting_and_refresh() {
        let response = index(State(Arc::new(Slot::new()))).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let text = text_of(response).await;
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
        let text = text_of(response).await;
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
    async fn a_build_that_succeeds_after_failing_serves_the_ui_compressed() {
        let slot = Arc::new(Slot::new());
        slot.set(Status::Failed);
        let js = "console.log('a line of the app');\n".repeat(100);
        let js_name = content_name("app", "js", &js);
        let built = Arc::new(Built::new(Bundles {
            js,
            css: "body{}".to_owned(),
            typescript: None,
        }));
        built.compress();
        slot.set(Status::Ready(built));
        assert_eq!(
            index(State(Arc::clone(&slot))).await.status(),
            StatusCode::OK
        );
        let plain = asset(
            State(Arc::clone(&slot)),
            UrlPath(js_name.clone()),
            HeaderMap::new(),
        )
        .await;
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br"),
        );
        let squeezed = asset(State(slot), UrlPath(js_name), headers).await;
        assert_eq!(squeezed.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(squeezed.headers()[header::VARY], "accept-encoding");
    }

    #[tokio::test]
    async fn the_typescript_worker_and_its_declarations_are_served_as_hashed_assets() {
        let worker = "self.onmessage = () => {};\n".repeat(100);
        let declarations = r#"{"typescript/lib/lib.es5.d.ts":"interface Array<T> {}"}"#;
        let slot = Arc::new(Slot::new());
        slot.set(Status::Ready(Arc::new(Built::new(Bundles {
            js: "console.log('app');".to_owned(),
            css: String::new(),
            typescript: Some(TypeScript {
                worker: worker.clone(),
                declarations: declarations.to_owned(),
            }),
        }))));
        let fetch = |file: String| asset(State(Arc::clone(&slot)), UrlPath(file), HeaderMap::new());
        let script = fetch(content_name("typescript-worker", "js", &worker)).await;
        assert_eq!(script.status(), StatusCode::OK);
        assert_eq!(
            script.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(script.headers()[header::CACHE_CONTROL], IMMUTABLE);
        assert_eq!(text_of(script).await, worker);
        let json = fetch(content_name(
            "typescript-declarations",
            "json",
            declarations,
        ))
        .await;
        assert_eq!(json.status(), StatusCode::OK);
        assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(json.headers()[header::CACHE_CONTROL], IMMUTABLE);
        assert_eq!(text_of(json).await, declarations);
        let index = text_of(index(State(Arc::clone(&slot))).await).await;
        assert!(index.contains(&content_name("typescript-worker", "js", &worker)));
        let stale = fetch(content_name("typescript-worker", "js", "older")).await;
        assert_eq!(stale.status(), StatusCode::NOT_FOUND);
    }
}
