//! `fetch` and the SSRF guard. Tests reach only loopback: a local axum server that the
//! test-only policy allows by port; every refused case is checked to send no traffic.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use quire_functions::{FetchPolicy, FunctionRef, InvokeError, Limits, Runtime, RuntimeConfig};
use serde_json::json;

use crate::{function, invocation};

struct TestServer {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl TestServer {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn count(State(hits): State<Arc<AtomicUsize>>, request: Request, next: Next) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    next.run(request).await
}

async fn serve() -> TestServer {
    let hits = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route(
            "/hello",
            get(|| async { ([("x-test", "yes")], "hello from test") }),
        )
        .route(
            "/echo",
            post(|headers: HeaderMap, body: String| async move {
                let kind = headers.get(header::CONTENT_TYPE).cloned();
                let mut response = body.into_response();
                if let Some(kind) = kind {
                    response.headers_mut().insert(header::CONTENT_TYPE, kind);
                }
                response
            }),
        )
        .route(
            "/redirect",
            get(
                |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    (StatusCode::FOUND, [(header::LOCATION, q["to"].clone())])
                },
            ),
        )
        .route(
            "/chain/{n}",
            get(|Path(n): Path<u32>| async move {
                if n == 0 {
                    "end".into_response()
                } else {
                    (
                        StatusCode::FOUND,
                        [(header::LOCATION, format!("/chain/{}", n - 1))],
                    )
                        .into_response()
                }
            }),
        )
        .route(
            "/loop",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop")]) }),
        )
        .route("/big", get(|| async { "x".repeat(4096) }))
        .layer(middleware::from_fn_with_state(hits.clone(), count));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    TestServer { addr, hits }
}

fn runtime_allowing(server: &TestServer) -> Runtime {
    Runtime::new(RuntimeConfig {
        workers: 1,
        fetch_policy: FetchPolicy {
            loopback_ports_for_tests: vec![server.addr.port()],
        },
        ..RuntimeConfig::default()
    })
}

fn default_runtime() -> Runtime {
    Runtime::new(RuntimeConfig {
        workers: 1,
        ..RuntimeConfig::default()
    })
}

/// A function that fetches each URL of the payload and reports the error or the status.
const TRY_EACH: &str = r"
async function handler(request) {
  const { urls, init } = await request.json();
  const out = [];
  for (const url of urls) {
    try { const r = await fetch(url, init); out.push({ status: r.status, text: await r.text() }); }
    catch (e) { out.push({ error: `${e.name}: ${e.message}` }); }
  }
  return out;
}";

async fn try_each(
    rt: &Runtime,
    f: &FunctionRef,
    urls: &[String],
    init: serde_json::Value,
) -> Vec<serde_json::Value> {
    let outcome = rt
        .invoke(f, invocation(&json!({"urls": urls, "init": init})))
        .await;
    serde_json::from_slice(&outcome.result.expect("the function itself succeeds").body).unwrap()
}

#[tokio::test]
async fn fetch_reaches_an_allowed_server() {
    let server = serve().await;
    let rt = runtime_allowing(&server);
    let f = function(&format!(
        r#"async function handler() {{
          const hello = await fetch("{hello}");
          const echo = await fetch("{echo}", {{ method: "POST", headers: {{ "content-type": "application/json" }}, body: JSON.stringify({{ a: 1 }}) }});
          const chained = await fetch("{chain}");
          return {{
            status: hello.status, ok: hello.ok, header: hello.headers.get("x-test"), text: await hello.text(),
            echo: await echo.json(), echoType: echo.headers.get("content-type"),
            chained: await chained.text(), redirected: chained.redirected, finalUrl: chained.url,
          }};
        }}"#,
        hello = server.url("/hello"),
        echo = server.url("/echo"),
        chain = server.url("/chain/3"),
    ));
    let outcome = rt.invoke(&f, invocation(&json!({}))).await;
    let body: serde_json::Value = serde_json::from_slice(&outcome.result.unwrap().body).unwrap();
    assert_eq!(
        body,
        json!({"status": 200, "ok": true, "header": "yes", "text": "hello from test",
               "echo": {"a": 1}, "echoType": "application/json",
               "chained": "end", "redirected": true, "finalUrl": server.url("/chain/0")})
    );
    assert_eq!(server.hits(), 1 + 1 + 4);
}

#[tokio::test]
async fn non_public_destinations_are_refused_without_traffic() {
    let server = serve().await;
    let port = server.addr.port();
    let urls: Vec<String> = [
        format!("http://127.0.0.1:{port}/hello"),
        format!("http://localhost:{port}/hello"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        format!("http://[::1]:{port}/hello"),
        format!("http://[::ffff:127.0.0.1]:{port}/hello"),
        "http://10.0.0.1/".to_owned(),
        "http://192.168.1.1/".to_owned(),
        "http://100.64.0.1/".to_owned(),
        "http://[fd00::1]/".to_owned(),
        format!("http://0.0.0.0:{port}/hello"),
        format!("http://2130706433:{port}/hello"),
        "file:///etc/passwd".to_owned(),
    ]
    .into();
    let refused = |results: &[serde_json::Value], skip_test_server: bool| {
        for (url, result) in urls.iter().zip(results) {
            let names_test_server =
                url.starts_with("http://127.0.0.1:") || url.starts_with("http://2130706433:");
            if skip_test_server && names_test_server {
                assert_eq!(result["status"], 200, "{url}: {result}");
                continue;
            }
            let error = result["error"]
                .as_str()
                .unwrap_or_else(|| panic!("{url} was not refused: {result}"));
            assert!(
                error.starts_with("TypeError: fetch refused"),
                "{url}: {error}"
            );
        }
    };
    let results = try_each(&default_runtime(), &function(TRY_EACH), &urls, json!({})).await;
    refused(&results, false);
    assert_eq!(server.hits(), 0, "no refused fetch reached the server");
    // Each refusal names the reason.
    for (index, reason) in [
        (0, "127.0.0.1 is a loopback address"),
        (1, "localhost resolves to"),
        (2, "link-local"),
        (3, "::1 is a loopback address"),
        (4, "IPv4-mapped"),
        (5, "private (RFC 1918)"),
        (7, "CGNAT"),
        (8, "unique local"),
        (10, "loopback"),
        (11, "only http and https"),
    ] {
        let error = results[index]["error"].as_str().unwrap();
        assert!(error.contains(reason), "{}: {error}", urls[index]);
    }
    // The test policy allows 127.0.0.1:<port> written as an IP, and nothing else.
    let results = try_each(
        &runtime_allowing(&server),
        &function(TRY_EACH),
        &urls,
        json!({}),
    )
    .await;
    refused(&results, true);
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn an_unresolvable_host_and_a_translated_address_say_why() {
    // `.invalid` never resolves (RFC 2606), with or without a network.
    let urls = vec![
        "http://no-such-host.invalid/".to_owned(),
        "http://[::ffff:0:7f00:1]/".to_owned(),
    ];
    let results = try_each(&default_runtime(), &function(TRY_EACH), &urls, json!({})).await;
    let error = results[0]["error"].as_str().unwrap();
    assert!(
        error.starts_with("TypeError: fetch refused: could not resolve no-such-host.invalid"),
        "{error}"
    );
    let error = results[1]["error"].as_str().unwrap();
    assert!(
        error.starts_with("TypeError: fetch refused") && error.contains("IPv4-translated"),
        "{error}"
    );
}

#[tokio::test]
async fn a_redirect_to_a_non_public_address_is_refused() {
    let server = serve().await;
    let other = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_port = other.local_addr().unwrap().port();
    let rt = runtime_allowing(&server);
    let targets = [
        format!("http://127.0.0.1:{other_port}/"),
        format!("http://localhost:{}/hello", server.addr.port()),
        "http://10.0.0.1/".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ];
    let urls: Vec<String> = targets
        .iter()
        .map(|to| server.url(&format!("/redirect?to={}", url_encode(to))))
        .collect();
    let results = try_each(&rt, &function(TRY_EACH), &urls, json!({})).await;
    for (to, result) in targets.iter().zip(&results) {
        let error = result["error"]
            .as_str()
            .unwrap_or_else(|| panic!("redirect to {to} was followed: {result}"));
        assert!(
            error.starts_with("TypeError: fetch refused"),
            "{to}: {error}"
        );
    }
    assert_eq!(
        server.hits(),
        targets.len(),
        "only the redirecting requests reached the server"
    );
    // Nothing connected to the other loopback port.
    let accepted = tokio::time::timeout(std::time::Duration::from_millis(50), other.accept()).await;
    assert!(
        accepted.is_err(),
        "a connection reached 127.0.0.1:{other_port}"
    );
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn redirect_loops_and_modes() {
    let server = serve().await;
    let rt = runtime_allowing(&server);
    let results = try_each(&rt, &function(TRY_EACH), &[server.url("/loop")], json!({})).await;
    assert_eq!(
        results[0]["error"],
        "TypeError: fetch followed 10 redirects without reaching a response"
    );
    let results = try_each(
        &rt,
        &function(TRY_EACH),
        &[server.url("/chain/1")],
        json!({"redirect": "manual"}),
    )
    .await;
    assert_eq!(results[0]["status"], 302);
    let results = try_each(
        &rt,
        &function(TRY_EACH),
        &[server.url("/chain/1")],
        json!({"redirect": "error"}),
    )
    .await;
    assert!(
        results[0]["error"].as_str().unwrap().contains("redirect"),
        "{results:?}"
    );
}

#[tokio::test]
async fn too_many_fetches_is_a_typed_error() {
    let server = serve().await;
    let rt = runtime_allowing(&server);
    let f = FunctionRef {
        limits: Limits {
            max_fetches: 3,
            ..Limits::default()
        },
        ..function(TRY_EACH)
    };
    let urls = vec![server.url("/hello"); 5];
    let outcome = rt
        .invoke(&f, invocation(&json!({"urls": urls, "init": {}})))
        .await;
    let err = outcome.result.unwrap_err();
    assert!(
        matches!(err, InvokeError::TooManyRequests { limit: 3 }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("more than 3 outbound requests"),
        "{err}"
    );
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_fetched_body_over_the_response_limit_throws() {
    let server = serve().await;
    let rt = runtime_allowing(&server);
    let f = FunctionRef {
        limits: Limits {
            max_response_bytes: 1000,
            ..Limits::default()
        },
        ..function(TRY_EACH)
    };
    let outcome = rt
        .invoke(
            &f,
            invocation(&json!({"urls": [server.url("/big")], "init": {}})),
        )
        .await;
    let results: serde_json::Value = serde_json::from_slice(&outcome.result.unwrap().body).unwrap();
    assert_eq!(
        results[0]["error"],
        "TypeError: fetch response body is larger than 1000 bytes"
    );
}
