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

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = TestApp::new().await;
    app.send(get("/api/v1/me")).await;
    let metrics = app.send(get("/metrics")).await.text();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("quire_http_requests_total")
                && l.contains("route=\"/api/v1/me\"")
                && l.contains("status=\"401\"")),
        "{metrics}"
    );
    assert!(
        metrics.contains("quire_http_request_duration_seconds_bucket"),
        "{metrics}"
    );
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

    let csp = response.header("content-security-policy").unwrap();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(
        csp.contains("frame-src http://127.0.0.1:8788"),
        "frames only the usercontent origin: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert!(
        response.header("strict-transport-security").is_none(),
        "no HSTS without TLS"
    );

    let unknown = app.send(get("/api/v1/nope")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.error_code(), "not_found");
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
