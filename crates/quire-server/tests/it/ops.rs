//! Health, readiness, metrics, the `OpenAPI` document, request ids and security headers.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use quire_test_utils::TestApp;

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::new().await;
    assert_eq!(app.send(get("/healthz")).await.status, StatusCode::OK);
    assert_eq!(app.send(get("/readyz")).await.status, StatusCode::OK);
    app.store().pool().close().await;
    let not_ready = app.send(get("/readyz")).await;
    assert_eq!(
        not_ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a closed database is not ready"
    );
}

/// The value of the series whose line starts with `name` and has every label in `labels`.
fn series_value(metrics: &str, name: &str, labels: &[&str]) -> Option<f64> {
    metrics
        .lines()
        .find(|l| l.starts_with(name) && labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = TestApp::new().await;
    let me = ["route=\"/api/v1/me\"", "method=\"GET\"", "status=\"401\""];
    app.send(get("/api/v1/me")).await;
    let metrics = app.send_metrics(get("/metrics")).await.text();
    let before = series_value(&metrics, "quire_http_requests_total", &me).expect(&metrics);
    assert!(
        metrics.contains("quire_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
    for _ in 0..3 {
        app.send(get("/api/v1/me")).await;
    }
    // A made-up method is counted, under a label that cannot grow without bound.
    let brew = Request::builder()
        .method("BREW")
        .uri("/coffee")
        .body(Body::empty())
        .unwrap();
    app.send(brew).await;

    let metrics = app.send_metrics(get("/metrics")).await.text();
    let after = series_value(&metrics, "quire_http_requests_total", &me).expect(&metrics);
    assert!(after - before >= 3.0, "{before} then {after}");
    assert!(
        series_value(
            &metrics,
            "quire_http_requests_total",
            &["method=\"other\"", "route=\"unmatched\"", "status=\"404\""]
        )
        .is_some(),
        "{metrics}"
    );
    assert!(!metrics.contains("BREW"), "{metrics}");
}

#[tokio::test]
async fn metrics_are_served_only_on_their_own_listener() {
    let app = TestApp::new().await;
    let owner = app.user("owner@example.com").await;
    let signed_in = app.login(&owner.email).await;
    for response in [
        app.send(get("/metrics")).await,
        signed_in.get("/metrics").await,
        app.send_usercontent(get("/metrics")).await,
    ] {
        assert_eq!(response.status, StatusCode::NOT_FOUND);
        assert!(!response.text().contains("quire_"), "{}", response.text());
    }
    let scraped = app.send_metrics(get("/metrics")).await;
    assert_eq!(scraped.status, StatusCode::OK);
    assert!(scraped.text().contains("quire_"), "{}", scraped.text());
}

#[tokio::test]
async fn every_operation_has_its_own_id() {
    let app = TestApp::new().await;
    let document = app.send(get("/api/v1/openapi.json")).await.json();
    let mut seen = std::collections::BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            assert!(
                seen.insert(id.clone()),
                "{method} {path}: operationId {id} is taken"
            );
        }
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let app = TestApp::new().await;
    let document = app.send(get("/api/v1/openapi.json")).await.json();
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/projects",
        "/api/v1/projects/{p}",
        "/api/v1/projects/{p}/members/{user}",
        "/api/v1/projects/{p}/audit",
        "/api/v1/projects/{p}/invitations",
        "/api/v1/projects/{p}/invitations/{id}",
        "/api/v1/invitations/{token}",
        "/api/v1/invitations/{token}/accept",
        "/api/v1/me/audit",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }
    assert!(
        paths["/api/v1/projects/{p}/members/{user}"]
            .get("put")
            .is_some()
            && paths["/api/v1/projects/{p}/members/{user}"]
                .get("delete")
                .is_some()
    );
    // Every status an operation does not list is still described: as the error body.
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let default = &operation["responses"]["default"];
            assert!(
                default.is_object(),
                "{method} {path} has no default response"
            );
        }
    }
    let details = &document["components"]["schemas"]["ErrorDetail"]["properties"]["details"];
    assert!(
        details.to_string().contains("null"),
        "details may be null: {details}"
    );
}

/// The whole API as the document describes it: any change to a route, a body or a status shows
/// in review as a change to `snapshots/it__ops__openapi.snap`.
#[tokio::test]
async fn the_openapi_document_is_as_reviewed() {
    let app = TestApp::new().await;
    let document = app.send(get("/api/v1/openapi.json")).await.json();
    insta::assert_json_snapshot!("openapi", document);
}

#[tokio::test]
async fn responses_carry_request_ids_and_app_security_headers() {
    let app = TestApp::new().await;
    let response = app.send(get("/api/v1/me")).await;
    assert_eq!(
        response.header("x-request-id").map(str::len),
        Some(36),
        "a UUID request id"
    );
    let echoed = app
        .send(
            Request::get("/healthz")
                .header("x-request-id", "abc-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(echoed.header("x-request-id"), Some("abc-123"));
    // Anything else the client sends is replaced: too long, or more than plain characters.
    let too_long = "a".repeat(65);
    for sent in [
        too_long.as_str(),
        "abc 123",
        "abc\"level\":\"error",
        "a\tb",
        "",
    ] {
        let replaced = app
            .send(
                Request::get("/healthz")
                    .header("x-request-id", sent)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let id = replaced.header("x-request-id").unwrap();
        assert!(id != sent && uuid_like(id), "{sent:?} became {id:?}");
    }

    assert_eq!(
        response.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'; sandbox"),
        "an API answer is no document: it loads nothing, runs sandboxed, is framed nowhere"
    );
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));

    let not_api = app.send(get("/healthz")).await;
    let csp = not_api.header("content-security-policy").unwrap();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        csp.contains("frame-src http://127.0.0.1:8788"),
        "frames only the usercontent origin: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert!(
        csp.contains("img-src 'self' data: http://127.0.0.1:8788;"),
        "previews page assets from the usercontent origin: {csp}"
    );
    assert_eq!(not_api.header("x-content-type-options"), Some("nosniff"));
    assert!(
        response.header("strict-transport-security").is_none(),
        "no HSTS without TLS"
    );

    let unknown = app.send(get("/api/v1/nope")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.error_code(), "not_found");
}

/// A usercontent URL that would add to the policy (or break the header) does not get in, and
/// the app still sends a policy: one that frames nothing.
#[tokio::test]
async fn a_usercontent_url_cannot_widen_the_policy() {
    for url in [
        "https://pages.example.com; script-src *",
        "https://pages\nexample",
    ] {
        let config = quire_server::ServerConfig {
            usercontent_url: url.to_owned(),
            ..quire_server::ServerConfig::local(8787, 8788)
        };
        let app = TestApp::with_config(
            quire_test_utils::testing::TestDatabase::sqlite().await,
            config,
        );
        let response = app.send(get("/healthz")).await;
        let csp = response.header("content-security-policy").unwrap();
        assert!(csp.contains("frame-src 'none';"), "{url:?}: {csp}");
        assert!(!csp.contains("script-src *"), "{csp}");
    }
}

#[tokio::test]
async fn the_usercontent_origin_serves_nothing_else() {
    let app = TestApp::new().await;
    assert_eq!(
        app.send_usercontent(get("/healthz")).await.status,
        StatusCode::OK
    );
    for path in ["/api/v1/me", "/metrics", "/"] {
        let response = app.send_usercontent(get(path)).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    }
}

#[tokio::test]
async fn no_origin_ever_receives_cors_permission() {
    let app = TestApp::new().await;
    for origin in ["null", "https://evil.example"] {
        for (method, path) in [
            ("GET", "/api/v1/me"),
            ("OPTIONS", "/api/v1/projects"),
            ("POST", "/api/v1/auth/login"),
        ] {
            let request = Request::builder()
                .method(method)
                .uri(path)
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .body(Body::empty())
                .unwrap();
            let response = app.send(request).await;
            assert!(
                response.header("access-control-allow-origin").is_none(),
                "{method} {path} from {origin}"
            );
            assert!(
                response
                    .header("access-control-allow-credentials")
                    .is_none(),
                "{method} {path} from {origin}"
            );
        }
    }
}

/// The value of the series `name{label}` in a Prometheus text body (0 when absent).
fn series(metrics: &str, name: &str, label: &str) -> f64 {
    metrics
        .lines()
        .find(|l| l.starts_with(&format!("{name}{{")) && l.contains(label))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_compiles_and_invocations() {
    let app = TestApp::new().await;
    let owner = app.user("owner@example.com").await;
    app.store()
        .create_project("acme", "Acme", &owner.id)
        .await
        .unwrap();
    let client = app.token_client(&owner, None).await;
    let before = app.send_metrics(get("/metrics")).await.text();

    let page = client
        .post(
            "/api/v1/projects/acme/pages",
            &serde_json::json!({ "name": "Broken", "slug": "broken" }),
        )
        .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.text());
    let saved = client
        .put(
            "/api/v1/projects/acme/pages/broken/source",
            &serde_json::json!({ "source": "export const = ;" }),
        )
        .await;
    assert_eq!(saved.json()["build"]["ok"], false);

    let code = "export default { async fetch() { return new Response('hi'); } }";
    let created = client
        .post(
            "/api/v1/projects/acme/functions",
            &serde_json::json!({ "name": "Hi", "slug": "hi", "code": code }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(
        client
            .post(
                "/api/v1/projects/acme/functions/hi/deploy",
                &serde_json::json!({})
            )
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        client
            .post(
                "/api/v1/projects/acme/functions/hi/invoke",
                &serde_json::json!({})
            )
            .await
            .text(),
        "hi"
    );

    let after = app.send_metrics(get("/metrics")).await.text();
    let grew =
        |name: &str, label: &str| series(&after, name, label) >= series(&before, name, label) + 1.0;
    assert!(grew("quire_page_compiles_total", "ok=\"false\""), "{after}");
    assert!(
        grew("quire_function_invocations_total", "ok=\"true\""),
        "{after}"
    );
    assert!(
        after.contains("quire_page_compile_duration_seconds_bucket"),
        "{after}"
    );
    // Where calls ran: set from each app's runtime at scrape time, so only their presence is
    // checked (tests running in parallel scrape their own runtimes).
    for series in [
        "quire_function_calls_total{ran=\"caller\"}",
        "quire_function_calls_total{ran=\"worker\"}",
        "quire_function_calls_handed_off_total",
        "quire_function_calls_running_long",
        "quire_function_calls_running_long_off_workers",
        "quire_function_fresh_isolates_total{from=\"spare\"}",
        "quire_function_fresh_isolates_total{from=\"scratch\"}",
    ] {
        assert!(after.contains(series), "{series} in {after}");
    }
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}
