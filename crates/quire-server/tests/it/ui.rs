//! The app's UI: built by Quire's own compiler at start, served as an index that loads
//! content-named assets by URL only (the app's CSP allows no inline script), and names the
//! studio's TypeScript worker.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use quire_test_utils::{TestApp, TestResponse};

async fn get(app: &TestApp, path: &str) -> TestResponse {
    app.send(Request::get(path).body(Body::empty()).unwrap())
        .await
}

/// The index once the background build is done (the first build may fetch React).
async fn ready_index(app: &TestApp) -> TestResponse {
    let deadline = Instant::now() + Duration::from_mins(3);
    loop {
        let response = get(app, "/").await;
        if response.status != StatusCode::SERVICE_UNAVAILABLE {
            return response;
        }
        let text = response.text();
        assert!(text.contains("Quire is starting") && text.contains("http-equiv=\"refresh\""));
        assert!(
            !text.contains("<script"),
            "the starting page runs no script"
        );
        assert!(
            Instant::now() < deadline,
            "the UI was not built within 3 minutes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn header_of<'a>(response: &'a TestResponse, name: &header::HeaderName) -> &'a str {
    response
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The value of `attribute="…"` in the first tag of `html` that starts with `tag`.
fn attribute(html: &str, tag: &str, attribute: &str) -> String {
    let start = html
        .find(tag)
        .unwrap_or_else(|| panic!("no {tag} in {html}"));
    let rest = &html[start..];
    let rest = &rest[..rest.find('>').unwrap()];
    let key = format!("{attribute}=\"");
    let from = rest.find(&key).unwrap() + key.len();
    rest[from..from + rest[from..].find('"').unwrap()].to_owned()
}

/// Screens of the app: each answers the index.
const APP_ROUTES: [&str; 5] = [
    "/login",
    "/p/default",
    "/p/default/pages/orders",
    "/p/default/pages/orders/edit",
    "/p/default/pages/orders/dev",
];

#[tokio::test]
async fn the_index_and_assets_are_served_with_their_types_and_no_inline_script() {
    let app = TestApp::new().await;
    let index = ready_index(&app).await;
    assert_eq!(index.status, StatusCode::OK, "{}", index.text());
    assert_eq!(
        header_of(&index, &header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(header_of(&index, &header::CACHE_CONTROL), "no-cache");
    let csp = header_of(&index, &header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.contains("script-src 'self';") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = index.text();
    assert_eq!(html.matches("<script").count(), 1, "{html}");
    assert!(
        !html.contains("<style") && !html.contains(" style="),
        "{html}"
    );
    assert!(html.contains("<div id=\"root\"></div>"));

    let script = attribute(&html, "<script", "src");
    let hash = script
        .strip_prefix("/assets/app-")
        .and_then(|rest| rest.strip_suffix(".js"));
    assert!(
        hash.is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit())),
        "{script}"
    );
    let js = get(&app, &script).await;
    assert_eq!(js.status, StatusCode::OK);
    assert_eq!(
        header_of(&js, &header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        header_of(&js, &header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(header_of(&js, &header::CONTENT_ENCODING).is_empty());
    let body = js.text();
    assert!(body.len() > 100_000, "React is bundled in");
    assert!(
        body.contains("allow-scripts allow-forms allow-popups allow-modals"),
        "the host bridge is bundled in"
    );
    assert!(!body.contains("allow-same-origin"));

    let accepting = |codings: &'static str| {
        Request::get(&script)
            .header(header::ACCEPT_ENCODING, codings)
            .body(Body::empty())
            .unwrap()
    };
    until_compressed(&app, &script).await;
    let gzipped = app.send(accepting("gzip, deflate")).await;
    assert_eq!(header_of(&gzipped, &header::CONTENT_ENCODING), "gzip");
    assert_eq!(header_of(&gzipped, &header::VARY), "accept-encoding");
    let mut unzipped = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(gzipped.body.as_slice()),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, body);
    assert!(
        gzipped.body.len() * 2 < body.len(),
        "{} bytes",
        gzipped.body.len()
    );
    let squeezed = app.send(accepting("br, gzip;q=0.8")).await;
    assert_eq!(header_of(&squeezed, &header::CONTENT_ENCODING), "br");
    let mut unsqueezed = String::new();
    std::io::Read::read_to_string(
        &mut brotli::Decompressor::new(squeezed.body.as_slice(), 4096),
        &mut unsqueezed,
    )
    .unwrap();
    assert_eq!(unsqueezed, body);
    assert!(squeezed.body.len() < gzipped.body.len());

    let stylesheet = attribute(&html, "<link rel=\"stylesheet\"", "href");
    let css = get(&app, &stylesheet).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        header_of(&css, &header::CONTENT_TYPE),
        "text/css; charset=utf-8"
    );
    assert!(css.text().contains(":root[data-theme=\"dark\"]"));

    for route in APP_ROUTES {
        let response = get(&app, route).await;
        assert_eq!(response.status, StatusCode::OK, "{route}");
        assert_eq!(
            without_nonce(&response.text()),
            without_nonce(&html),
            "{route} answers the same index"
        );
    }
}

/// Assets are served plain until the build thread has compressed them (seconds, at most).
async fn until_compressed(app: &TestApp, asset: &str) {
    for _ in 0..600 {
        let probe = app
            .send(
                Request::get(asset)
                    .header(header::ACCEPT_ENCODING, "gzip")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        if !header_of(&probe, &header::CONTENT_ENCODING).is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{asset} was never served compressed");
}

#[tokio::test]
async fn the_people_and_inbox_screens_and_an_invitation_link_answer_the_index() {
    let app = TestApp::new().await;
    let html = ready_index(&app).await.text();
    for route in [
        "/p/default/members",
        "/p/default/audit",
        "/p/default/inbox",
        "/p/default/inbox/c_123",
        "/p/default/settings/whatsapp",
        "/account",
        "/invite/quire_inv_abc",
    ] {
        let response = get(&app, route).await;
        assert_eq!(response.status, StatusCode::OK, "{route}");
        assert_eq!(
            without_nonce(&response.text()),
            without_nonce(&html),
            "{route} answers the same index"
        );
    }
}

/// The index with its style nonce blanked, to compare two answers.
fn without_nonce(index: &str) -> String {
    let (before, after) = index
        .split_once("<meta name=\"csp-nonce\" content=\"")
        .expect("the index carries a style nonce");
    let rest = after.split_once('"').expect("a quoted nonce").1;
    format!("{before}{rest}")
}

fn nonce_of(index: &str) -> String {
    let after = index
        .split_once("<meta name=\"csp-nonce\" content=\"")
        .expect("the index carries a style nonce")
        .1;
    after.split_once('"').expect("a quoted nonce").0.to_owned()
}

#[tokio::test]
async fn each_index_allows_inline_styles_only_with_its_own_nonce() {
    let app = TestApp::new().await;
    let first = ready_index(&app).await;
    let second = get(&app, "/").await;
    let (a, b) = (nonce_of(&first.text()), nonce_of(&second.text()));
    assert!(a.len() >= 22, "{a}");
    assert_ne!(a, b, "a fresh nonce per answer");
    let csp = header_of(&second, &header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.contains(&format!("style-src 'self' 'nonce-{b}';")),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // Other answers of the app origin allow no inline style at all.
    let asset = get(&app, "/api/v1/templates").await;
    let csp = header_of(&asset, &header::CONTENT_SECURITY_POLICY);
    assert!(!csp.contains("nonce-"), "{csp}");
}

/// The asset the index names in `tag`'s `content`, checked to be `/assets/<stem>-<hash>.<kind>`,
/// served with `content_type` and cached forever.
async fn named_asset(
    app: &TestApp,
    html: &str,
    tag: &str,
    stem: &str,
    kind: &str,
    content_type: &str,
) -> TestResponse {
    let path = attribute(html, tag, "content");
    let hash = path
        .strip_prefix(&format!("/assets/{stem}-"))
        .and_then(|rest| rest.strip_suffix(&format!(".{kind}")));
    assert!(hash.is_some_and(|h| h.len() == 16), "{path}");
    let response = get(app, &path).await;
    assert_eq!(response.status, StatusCode::OK, "{path}");
    assert_eq!(header_of(&response, &header::CONTENT_TYPE), content_type);
    assert_eq!(
        header_of(&response, &header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    response
}

#[tokio::test]
async fn the_index_names_the_typescript_worker_and_its_declarations_which_are_served() {
    let app = TestApp::new().await;
    let html = ready_index(&app).await.text();
    let worker = named_asset(
        &app,
        &html,
        "<meta name=\"quire-typescript-worker\"",
        "typescript-worker",
        "js",
        "text/javascript; charset=utf-8",
    )
    .await;
    assert!(
        worker.text().contains("createLanguageService"),
        "TypeScript is bundled in"
    );
    let declarations = named_asset(
        &app,
        &html,
        "<meta name=\"quire-typescript-declarations\"",
        "typescript-declarations",
        "json",
        "application/json",
    )
    .await;
    let files = declarations.json();
    for path in [
        "typescript/lib/lib.es2022.d.ts",
        "typescript/lib/lib.es5.d.ts",
        "typescript/lib/lib.dom.d.ts",
        "typescript/lib/lib.dom.iterable.d.ts",
        "@types/react/index.d.ts",
        "@types/react/jsx-runtime.d.ts",
        "@types/react/package.json",
        "@types/react-dom/client.d.ts",
        "csstype/index.d.ts",
    ] {
        assert!(files[path].is_string(), "{path} is not shipped");
    }
    let app_script = get(&app, &attribute(&html, "<script", "src")).await;
    assert!(
        !app_script.text().contains("createLanguageService"),
        "the app's own script leaves TypeScript to the worker"
    );
}

#[tokio::test]
async fn unknown_assets_and_api_paths_keep_their_404s() {
    let app = TestApp::new().await;
    ready_index(&app).await;
    assert_eq!(
        get(&app, "/assets/app-0000000000000000.js").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&app, "/p/a/b/c/d").await.status, StatusCode::NOT_FOUND);
    let api = get(&app, "/api/v1/nothing-here").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn an_unknown_path_gets_the_app_with_404_so_it_can_say_nothing_is_here() {
    let app = TestApp::new().await;
    let index = ready_index(&app).await;
    let unknown = get(&app, "/no/such/screen").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        header_of(&unknown, &header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    assert_eq!(
        without_nonce(&unknown.text()),
        without_nonce(&index.text()),
        "the app's own index"
    );
    assert!(
        header_of(&unknown, &header::CONTENT_SECURITY_POLICY).contains("script-src 'self'"),
        "with the app's policy"
    );
    let artifact = get(&app, &format!("/a/{}?p=x&m=regular", "0".repeat(64))).await;
    assert_eq!(artifact.status, StatusCode::NOT_FOUND);
    assert_eq!(
        artifact.text(),
        "not found\n",
        "artifact paths get nothing of the app"
    );
    let api = get(&app, "/api/v1/no-such-route").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.error_code(), "not_found", "the API answers JSON");
}
