//! Functions through the API: create, edit, deploy (and its load errors with a line), invoke
//! with a bearer token, an `X-API-Key` or nothing (public), payload and time limits, secrets that
//! never leave the server, the project-scoped KV, the invocation log, and the page bridge entry.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use quire_server::ApiError;
use quire_server::invoke::{Call, Caller, FunctionSelector, Via};
use quire_test_utils::{Auth, Client, TestApp, TestResponse};
use serde_json::{Value, json};

const ECHO: &str = r#"
async function handler(request, env) {
  const headers = {};
  for (const [name, value] of request.headers) headers[name] = value;
  const body = await request.text();
  return new Response(JSON.stringify({ method: request.method, headers, body }), {
    status: 201,
    headers: { "content-type": "application/json", "x-made-by": "echo", "set-cookie": "quire_session=evil" },
  });
}
"#;

/// An app with project `acme` owned by `owner@example.com`, signed in.
async fn setup() -> (TestApp, quire_store::User) {
    let app = TestApp::new().await;
    let owner = app.user("owner@example.com").await;
    app.store()
        .create_project("acme", "Acme", &owner.id)
        .await
        .unwrap();
    (app, owner)
}

async fn create(client: &Client<'_>, slug: &str, code: &str, extra: Value) -> TestResponse {
    let mut body = json!({ "name": format!("Function {slug}"), "slug": slug, "code": code });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    client.post("/api/v1/projects/acme/functions", &body).await
}

async fn deploy(client: &Client<'_>, slug: &str) -> Value {
    let response = client
        .post(
            &format!("/api/v1/projects/acme/functions/{slug}/deploy"),
            &json!({}),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

async fn create_deployed(client: &Client<'_>, slug: &str, code: &str, extra: Value) {
    let created = create(client, slug, code, extra).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(deploy(client, slug).await["status"], "deployed");
}

async fn put_code(client: &Client<'_>, slug: &str, code: &str) -> Value {
    let response = client
        .put(
            &format!("/api/v1/projects/acme/functions/{slug}/code"),
            &json!({ "code": code }),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

/// The actions in project acme's audit log, newest first.
async fn audit_actions(client: &Client<'_>) -> Vec<String> {
    let audit = client.get("/api/v1/projects/acme/audit").await.json();
    audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

fn token_of(client: &Client<'_>) -> String {
    match &client.auth {
        Auth::Bearer(token) => token.clone(),
        other => panic!("not a token client: {other:?}"),
    }
}

/// A raw invoke request with the given headers and body.
fn invoke_request(path: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::builder().method(Method::POST).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body.into()).unwrap()
}

#[tokio::test]
async fn create_edit_deploy_and_a_load_error_with_its_line() {
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    let created = create(
        &client,
        "hello",
        "async function handler(request) { return { hello: 'world' }; }",
        json!({}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let body = created.json();
    for (field, value) in [
        ("status", json!("draft")),
        ("head_version", json!(1)),
        ("deployed_version", Value::Null),
        ("load_error", Value::Null),
        ("timeout_ms", json!(30_000)),
        ("memory_mb", json!(128)),
        ("public_endpoint", json!(false)),
    ] {
        assert_eq!(body[field], value, "{field}");
    }

    let deployed = deploy(&client, "hello").await;
    assert_eq!(deployed["status"], "deployed");
    assert_eq!(deployed["error"], Value::Null);
    assert_eq!(deployed["function"]["deployed_version"], 1);

    // A syntax error on line 3: the code is kept, the answer says where.
    let broken = "async function handler(request) {\n  const a = 1;\n  return {{ a;\n}\n";
    let saved = put_code(&client, "hello", broken).await;
    assert_eq!(saved["head_version"], 2);
    assert_eq!(saved["status"], "draft");
    assert_eq!(saved["code"], broken);
    assert_eq!(saved["load_error"]["line"], 3, "{saved}");
    assert!(
        saved["load_error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 3"),
        "{saved}"
    );

    let failed = deploy(&client, "hello").await;
    assert_eq!(failed["status"], "error");
    assert_eq!(failed["error"]["line"], 3, "{failed}");
    assert_eq!(failed["function"]["status"], "error");
    assert_eq!(
        failed["function"]["deployed_version"], 1,
        "the working version keeps serving"
    );
    let token = app.token_client(&owner, None).await;
    let still = token
        .post("/api/v1/projects/acme/functions/hello/invoke", &json!({}))
        .await;
    assert_eq!(still.status, StatusCode::OK, "{}", still.text());
    assert_eq!(still.json(), json!({ "hello": "world" }));

    // Fixed code deploys; code equal to the deployed code keeps the function deployed.
    let fixed = "async function handler() { return { hello: 'again' }; }";
    put_code(&client, "hello", fixed).await;
    assert_eq!(deploy(&client, "hello").await["status"], "deployed");
    let same = put_code(&client, "hello", fixed).await;
    assert_eq!(same["status"], "deployed");
    assert_eq!(same["head_version"], 4);

    let versions = client
        .get("/api/v1/projects/acme/functions/hello/versions")
        .await
        .json();
    let numbers: Vec<i64> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [4, 3, 2, 1]);
    assert_eq!(versions[2]["load_error"]["line"], 3);

    let listed = client.get("/api/v1/projects/acme/functions").await.json();
    assert_eq!(listed[0]["slug"], "hello");
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let by_id = client
        .get(&format!("/api/v1/projects/acme/functions/{id}"))
        .await;
    assert_eq!(by_id.json()["slug"], "hello", "id or slug");

    let actions = audit_actions(&client).await;
    let deploys = actions.iter().filter(|a| *a == "function.deploy").count();
    assert_eq!(deploys, 3, "{actions:?}");
    assert!(
        actions.contains(&"function.create".to_owned()),
        "{actions:?}"
    );

    let deleted = client.delete("/api/v1/projects/acme/functions/hello").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = client.get("/api/v1/projects/acme/functions/hello").await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.text().contains("hello"), "{}", gone.text());
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_and_changes_nothing() {
    let (app, _) = setup().await;
    let client = app.login("owner@example.com").await;
    let code = "async function handler() { return 1; }";
    let cases = [
        (json!({ "slug": "Bad Slug" }), "slug"),
        (json!({ "timeout_ms": 30_001 }), "timeout_ms"),
        (json!({ "timeout_ms": 0 }), "timeout_ms"),
        (json!({ "memory_mb": 513 }), "memory_mb"),
        (json!({ "name": "  " }), "name"),
    ];
    for (extra, field) in cases {
        let mut body = json!({ "name": "F", "slug": "f", "code": code });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let response = client.post("/api/v1/projects/acme/functions", &body).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{field}: {}",
            response.text()
        );
        assert_eq!(response.json()["error"]["details"]["field"], field);
    }
    let unknown = client
        .post(
            "/api/v1/projects/acme/functions",
            &json!({ "name": "F", "slug": "f", "code": code, "runtime": "node" }),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let huge = create(&client, "huge", &"x".repeat(1024 * 1024 + 1), json!({})).await;
    assert!(
        huge.status == StatusCode::PAYLOAD_TOO_LARGE,
        "{}: {}",
        huge.status,
        huge.text()
    );
    assert_eq!(
        client.get("/api/v1/projects/acme/functions").await.json(),
        json!([]),
        "nothing was created"
    );

    assert_eq!(
        create(&client, "f", code, json!({})).await.status,
        StatusCode::CREATED
    );
    let clash = create(&client, "f", code, json!({})).await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    assert!(clash.text().contains("\\\"f\\\""), "{}", clash.text());
    let limits = client
        .patch(
            "/api/v1/projects/acme/functions/f",
            &json!({ "timeout_ms": 99_999 }),
        )
        .await;
    assert_eq!(limits.status, StatusCode::BAD_REQUEST);
    let patched = client
        .patch(
            "/api/v1/projects/acme/functions/f",
            &json!({ "timeout_ms": 500, "memory_mb": 64, "name": "Renamed" }),
        )
        .await
        .json();
    assert_eq!(patched["timeout_ms"], 500);
    assert_eq!(patched["memory_mb"], 64);
    assert_eq!(patched["name"], "Renamed");
    let bad_secret = client
        .put(
            "/api/v1/projects/acme/functions/f/secrets/1BAD",
            &json!({ "value": "x" }),
        )
        .await;
    assert_eq!(bad_secret.status, StatusCode::BAD_REQUEST);
    let kv_name = client
        .put(
            "/api/v1/projects/acme/functions/f/secrets/KV",
            &json!({ "value": "x" }),
        )
        .await;
    assert_eq!(kv_name.status, StatusCode::BAD_REQUEST);
    let missing = client
        .delete("/api/v1/projects/acme/functions/f/secrets/NOPE")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invoke_with_a_bearer_token_or_an_api_key_passes_the_response_through() {
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    create_deployed(&client, "echo", ECHO, json!({})).await;
    let token = app.token_client(&owner, None).await;

    let path = "/api/v1/projects/acme/functions/echo/invoke";
    let bearer = format!("Bearer {}", token_of(&token));
    let key = token_of(&token);
    for credential in [
        ("authorization", bearer.as_str()),
        ("x-api-key", key.as_str()),
    ] {
        let response = app
            .send(invoke_request(
                path,
                &[
                    credential,
                    ("content-type", "application/json"),
                    ("x-quire-viewer", "spoofed"),
                    ("x-trace", "t-1"),
                ],
                r#"{"order":42}"#,
            ))
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        assert_eq!(response.header("x-made-by"), Some("echo"));
        assert_eq!(
            response.header("set-cookie"),
            None,
            "no cookies from functions"
        );
        assert_eq!(response.header("content-disposition"), Some("attachment"));
        assert_eq!(
            response.header_values("content-type"),
            ["application/json"],
            "the function's content type, once"
        );
        let seen = response.json();
        assert_eq!(seen["method"], "POST");
        assert_eq!(seen["body"], r#"{"order":42}"#);
        assert_eq!(seen["headers"]["content-type"], "application/json");
        assert_eq!(seen["headers"]["x-trace"], "t-1");
        assert_eq!(seen["headers"]["x-quire-viewer"], owner.id.as_str());
        for hidden in ["authorization", "x-api-key", "cookie"] {
            assert_eq!(seen["headers"][hidden], Value::Null, "{hidden}: {seen}");
        }
    }

    let wrong = app
        .send(invoke_request(
            path,
            &[("x-api-key", "quire_pat_nope")],
            "{}",
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_public_function_needs_no_token_and_never_sees_credentials() {
    let (app, _) = setup().await;
    let client = app.login("owner@example.com").await;
    create_deployed(&client, "echo", ECHO, json!({})).await;
    let path = "/api/v1/projects/acme/functions/echo/invoke";

    // Private: without credentials it is as if it did not exist, like an unknown one.
    for path in [
        path,
        "/api/v1/projects/acme/functions/nope/invoke",
        "/api/v1/projects/nope/functions/echo/invoke",
    ] {
        let response = app.send(invoke_request(path, &[], "{}")).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(response.error_code(), "not_found");
    }

    let made_public = client
        .patch(
            "/api/v1/projects/acme/functions/echo",
            &json!({ "public_endpoint": true }),
        )
        .await;
    assert_eq!(made_public.json()["public_endpoint"], true);
    let response = app
        .send(invoke_request(
            path,
            &[
                ("authorization", "Bearer quire_pat_secret-token"),
                ("cookie", "quire_session=abc; other=1"),
                ("x-api-key", "quire_pat_other"),
                ("x-quire-page", "spoofed"),
                ("x-custom", "kept"),
            ],
            "[1,2]",
        ))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let seen = response.json();
    let headers = seen["headers"].as_object().unwrap();
    for hidden in [
        "authorization",
        "cookie",
        "x-api-key",
        "x-quire-page",
        "x-quire-viewer",
    ] {
        assert!(
            !headers.contains_key(hidden),
            "{hidden} reached the function: {seen}"
        );
    }
    assert_eq!(seen["headers"]["x-custom"], "kept");
    assert_eq!(seen["headers"]["content-type"], "application/json");
    assert_eq!(seen["body"], "[1,2]");
    assert!(!response.text().contains("secret-token"));
}

/// A CORS preflight as a browser on another origin sends it.
fn preflight(path: &str, asked_headers: &str) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri(path)
        .header("origin", "https://elsewhere.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", asked_headers)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn other_web_pages_may_call_a_public_function_but_not_a_private_one() {
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    create_deployed(&client, "echo", ECHO, json!({})).await;
    let path = "/api/v1/projects/acme/functions/echo/invoke";
    let from_elsewhere = [("origin", "https://elsewhere.example"), ("x-custom", "1")];

    // Private: no preflight, and a member's answer carries no CORS header.
    let refused = app.send(preflight(path, "content-type")).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(refused.header("access-control-allow-origin"), None);
    let token = app.token_client(&owner, None).await;
    let bearer = format!("Bearer {}", token_of(&token));
    let private = app
        .send(invoke_request(
            path,
            &[from_elsewhere[0], ("authorization", &bearer)],
            "{}",
        ))
        .await;
    assert_eq!(private.status, StatusCode::CREATED, "{}", private.text());
    assert_eq!(private.header("access-control-allow-origin"), None);

    client
        .patch(
            "/api/v1/projects/acme/functions/echo",
            &json!({ "public_endpoint": true }),
        )
        .await;
    let allowed = app
        .send(preflight(
            path,
            "Content-Type, X-Custom, Authorization, Cookie",
        ))
        .await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT, "{}", allowed.text());
    assert_eq!(allowed.header("access-control-allow-origin"), Some("*"));
    assert_eq!(allowed.header("access-control-allow-methods"), Some("POST"));
    assert_eq!(
        allowed.header("access-control-allow-headers"),
        Some("content-type, x-custom"),
        "credentials are never allowed: the function would not get them"
    );
    assert_eq!(allowed.header("access-control-allow-credentials"), None);

    let called = app.send(invoke_request(path, &from_elsewhere, "{}")).await;
    assert_eq!(called.status, StatusCode::CREATED, "{}", called.text());
    assert_eq!(called.header("access-control-allow-origin"), Some("*"));

    // A sandboxed document, such as a page's frame, goes through the bridge instead.
    let mut sandboxed = preflight(path, "content-type");
    sandboxed
        .headers_mut()
        .insert("origin", "null".parse().unwrap());
    let refused = app.send(sandboxed).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.header("access-control-allow-origin"), None);
    let unreadable = app
        .send(invoke_request(path, &[("origin", "null")], "{}"))
        .await;
    assert_eq!(unreadable.header("access-control-allow-origin"), None);
    assert_eq!(called.json()["headers"]["x-custom"], "1");
    // Errors are readable too, so a page can show why.
    put_code(
        &client,
        "echo",
        "async function handler() { throw new Error('nope'); }",
    )
    .await;
    deploy(&client, "echo").await;
    let failed = app.send(invoke_request(path, &from_elsewhere, "{}")).await;
    assert_eq!(failed.status, StatusCode::BAD_GATEWAY, "{}", failed.text());
    assert_eq!(failed.header("access-control-allow-origin"), Some("*"));
    assert!(failed.text().contains("nope"), "{}", failed.text());
}

#[tokio::test]
async fn undeployed_is_422_and_a_payload_over_1_mib_is_413() {
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    let created = create(&client, "draft", ECHO, json!({})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let token = app.token_client(&owner, None).await;
    let undeployed = token
        .post("/api/v1/projects/acme/functions/draft/invoke", &json!({}))
        .await;
    assert_eq!(undeployed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        undeployed.text().contains("deploy"),
        "{}",
        undeployed.text()
    );

    deploy(&client, "draft").await;
    let bearer = format!("Bearer {}", token_of(&token));
    let big = format!("\"{}\"", "a".repeat(1024 * 1024));
    let response = app
        .send(invoke_request(
            "/api/v1/projects/acme/functions/draft/invoke",
            &[("authorization", bearer.as_str())],
            big,
        ))
        .await;
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        response.text()
    );
    assert!(response.text().contains("1048576"), "{}", response.text());
    let exactly = format!("\"{}\"", "a".repeat(1024 * 1024 - 2));
    let fits = app
        .send(invoke_request(
            "/api/v1/projects/acme/functions/draft/invoke",
            &[("authorization", bearer.as_str())],
            exactly,
        ))
        .await;
    assert_eq!(fits.status, StatusCode::CREATED, "exactly 1 MiB is allowed");
}

const HEADERS_CODE: &str = r#"
async function handler(request) {
  const { status, location } = await request.json();
  const headers = {
    "content-type": "text/plain", "cache-control": "max-age=60", "etag": "\"v1\"", "vary": "Accept",
    "x-custom": "kept", "x-powered-by": "a function",
    "clear-site-data": "\"*\"", "x-frame-options": "ALLOWALL", "refresh": "0; url=https://evil.example/",
    "x-accel-redirect": "/internal/secret", "x-request-id": "forged", "x-quire-viewer": "forged",
    "x-content-type-options": "sniff", "link": "<https://evil.example/x.js>; rel=preload",
    "strict-transport-security": "max-age=0", "set-cookie": "a=b",
    "access-control-allow-origin": "*", "access-control-allow-credentials": "true",
    "access-control-expose-headers": "*",
  };
  if (location) headers.location = location;
  return new Response("body", { status: status ?? 200, headers });
}
"#;

/// A public function answers with the headers of the allow-list and custom `X-` ones, nothing
/// else, and never redirects a caller off the app origin.
#[tokio::test]
async fn a_function_answers_only_allowed_headers_and_never_redirects_elsewhere() {
    let (app, _) = setup().await;
    let client = app.login("owner@example.com").await;
    let extra = json!({ "public_endpoint": true });
    create_deployed(&client, "headers", HEADERS_CODE, extra).await;
    let path = "/api/v1/projects/acme/functions/headers/invoke";
    let call = |body: Value| app.send(invoke_request(path, &[], body.to_string()));

    let answer = call(json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    for (name, value) in [
        ("content-type", "text/plain"),
        ("cache-control", "max-age=60"),
        ("etag", "\"v1\""),
        ("vary", "Accept"),
        ("x-custom", "kept"),
        ("x-powered-by", "a function"),
    ] {
        assert_eq!(answer.header(name), Some(value), "{name}");
    }
    for name in [
        "clear-site-data",
        "refresh",
        "x-accel-redirect",
        "x-quire-viewer",
        "link",
        "strict-transport-security",
        "set-cookie",
        "access-control-allow-credentials",
    ] {
        assert_eq!(answer.header(name), None, "{name}");
    }
    assert_ne!(answer.header("x-frame-options"), Some("ALLOWALL"));
    assert_ne!(answer.header("x-content-type-options"), Some("sniff"));
    assert_ne!(answer.header("x-request-id"), Some("forged"));
    assert_ne!(answer.header("access-control-expose-headers"), Some("*"));

    let app_url = app.state.config.public_url.clone();
    for location in ["/api/v1/elsewhere", "next?page=2", &format!("{app_url}/x")] {
        let moved = call(json!({ "status": 302, "location": location })).await;
        assert_eq!(
            moved.status,
            StatusCode::FOUND,
            "{location}: {}",
            moved.text()
        );
        assert_eq!(moved.header("location"), Some(location));
    }
    for location in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
    ] {
        let moved = call(json!({ "status": 302, "location": location })).await;
        assert_eq!(moved.status, StatusCode::BAD_GATEWAY, "{location}");
        assert_eq!(moved.error_code(), "function_redirect_refused");
        assert_eq!(moved.header("location"), None, "{location}");
        let created = call(json!({ "status": 201, "location": location })).await;
        assert_eq!(created.status, StatusCode::CREATED, "{location}");
        assert_eq!(created.header("location"), None, "{location}");
    }
}

/// The server alone decides CORS for a function's answer: a public one allows any origin but
/// `null`, never with credentials, whatever the function says; a private one allows none.
#[tokio::test]
async fn a_function_cannot_set_its_own_cors() {
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    let extra = json!({ "public_endpoint": true });
    create_deployed(&client, "headers", HEADERS_CODE, extra).await;
    create_deployed(&client, "private-headers", HEADERS_CODE, json!({})).await;
    let token = app.token_client(&owner, None).await;
    let bearer = format!("Bearer {}", token_of(&token));
    let public = "/api/v1/projects/acme/functions/headers/invoke";
    let private = "/api/v1/projects/acme/functions/private-headers/invoke";
    for (path, origin, allowed) in [
        (public, "null", None),
        (public, "https://x.example", Some("*")),
        (private, "https://x.example", None),
        (private, "null", None),
    ] {
        let headers = [("origin", origin), ("authorization", bearer.as_str())];
        let answer = app.send(invoke_request(path, &headers, "{}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{path} {origin}");
        assert_eq!(
            answer.header("access-control-allow-origin"),
            allowed,
            "{path} {origin}"
        );
        assert_eq!(answer.header("access-control-allow-credentials"), None);
    }
}

const SECRET: &str = "sk_live_5up3r-s3cr3t-value";
const SECRET_CODE: &str = r#"
async function handler(request, env) {
  const { mode } = await request.json();
  console.log("the key is", env.API_KEY);
  if (mode === "throw") throw new Error("bad key " + env.API_KEY);
  if (mode === "status") return new Response("refused " + env.API_KEY, { status: 403 });
  return { length: env.API_KEY.length, matches: env.API_KEY.startsWith("sk_live_"), names: Object.keys(env).sort() };
}
"#;

/// Every log line of this test binary, down to debug level. A global subscriber, because a
/// thread-local one misses events whose callsites other test threads registered first.
fn captured_logs() -> Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::DEBUG)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .init();
            captured
        })
        .clone()
}

fn page_caller(viewer: &str) -> Caller {
    Caller {
        viewer_user_id: Some(viewer.to_owned()),
        page_id: Some("page-1".to_owned()),
        mount_point: Some("inbox_conversation_sidebar".to_owned()),
        mode: Some("preview".to_owned()),
        public_link_id: None,
    }
}

/// A call of `function` of `project_id` through the bridge, as the page route makes it.
async fn invoke_for_page(
    app: &TestApp,
    project_id: &str,
    function: &FunctionSelector,
    payload: Value,
    caller: &Caller,
) -> Result<axum::response::Response, ApiError> {
    let invoker = &app.state.invoker;
    let target = invoker.select(project_id, function).await?;
    let call = Call {
        via: Via::Page,
        caller: caller.clone(),
        headers: axum::http::HeaderMap::new(),
        body: payload.to_string().into_bytes(),
    };
    invoker.call(&target, call).await
}

/// Status, content type and JSON body of a response made in process.
async fn read_response(response: axum::response::Response) -> (StatusCode, Option<String>, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    (status, content_type, json)
}

/// Collects every log line written while it is the default subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_reach_the_function_and_nothing_else() {
    let captured = captured_logs();
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    create_deployed(&client, "uses-secret", SECRET_CODE, json!({})).await;
    let set = client
        .put(
            "/api/v1/projects/acme/functions/uses-secret/secrets/API_KEY",
            &json!({ "value": SECRET }),
        )
        .await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text());
    assert!(set.body.is_empty());

    let mut seen = Vec::new();
    let invoke = "/api/v1/projects/acme/functions/uses-secret/invoke";
    let token = app.token_client(&owner, None).await;
    let ok = token.post(invoke, &json!({ "mode": "ok" })).await;
    assert_eq!(
        ok.json(),
        json!({ "length": SECRET.len(), "matches": true, "names": ["API_KEY", "KV"] })
    );
    let thrown = token.post(invoke, &json!({ "mode": "throw" })).await;
    assert_eq!(thrown.status, StatusCode::BAD_GATEWAY);
    assert_eq!(thrown.error_code(), "function_error");
    assert!(
        thrown.text().contains("bad key [secret]"),
        "{}",
        thrown.text()
    );
    seen.push(thrown.text());
    let project = app.store().project("acme").await.unwrap().unwrap();
    let page = invoke_for_page(
        &app,
        &project.id,
        &FunctionSelector::Slug("uses-secret".to_owned()),
        json!({ "mode": "status" }),
        &page_caller(&owner.id),
    )
    .await
    .unwrap();
    let (status, _, page_body) = read_response(page).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    seen.push(page_body.to_string());

    for path in [
        "/api/v1/projects/acme/functions/uses-secret",
        "/api/v1/projects/acme/functions/uses-secret/secrets",
        "/api/v1/projects/acme/functions/uses-secret/versions",
        "/api/v1/projects/acme/functions/uses-secret/invocations",
        "/api/v1/projects/acme/functions",
        "/api/v1/projects/acme/audit",
    ] {
        let response = client.get(path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        seen.push(response.text());
    }
    assert!(seen[3].contains("API_KEY"), "names are listed: {}", seen[3]);
    assert!(seen[5].contains("the key is [secret]"), "{}", seen[5]);
    let function = app
        .store()
        .function(&project.id, "uses-secret")
        .await
        .unwrap()
        .unwrap();
    let sealed = app.store().function_secrets_sealed(&function.id).await;
    let records = app
        .store()
        .function_invocations(&function.id, None, 10)
        .await;
    assert_eq!(records.as_ref().unwrap().len(), 3);
    seen.push(format!("{records:?} {sealed:?}"));
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        logs.contains("/functions/uses-secret/invoke"),
        "the log capture works"
    );
    seen.push(logs);
    for text in &seen {
        assert!(!text.contains(SECRET), "the secret leaked: {text}");
    }
}

const LEAKY_CODE: &str = r#"
async function handler(request, env) {
  const values = Object.keys(env).filter((k) => k !== "KV").map((k) => env[k]);
  console.log("env", JSON.stringify(env));
  console.log("inspected", { values });
  for (const v of values) {
    console.log("uri", encodeURIComponent(v), "form", new URLSearchParams({ v }).toString());
    console.log("b64", btoa(v), btoa("!" + v), btoa("!?" + v + "!"));
  }
  throw new Error("failed with " + JSON.stringify(env) + " " + values.map((v) => encodeURIComponent(v) + " " + btoa(v)).join(" "));
}
"#;

/// The forms of `value` a function gets without effort, as `LEAKY_CODE` writes them.
fn leaked_forms(value: &str) -> Vec<String> {
    use base64::Engine;
    let base64 = base64::engine::general_purpose::STANDARD;
    let json = serde_json::to_string(value).unwrap();
    let percent = |keep: &dyn Fn(char) -> bool, space: &str| {
        value
            .chars()
            .map(|c| match c {
                ' ' => space.to_owned(),
                c if c.is_ascii_alphanumeric() || keep(c) => c.to_string(),
                c => format!("%{:02X}", u32::from(c)),
            })
            .collect::<String>()
    };
    vec![
        value.to_owned(),
        json[1..json.len() - 1].to_owned(),
        percent(&|c| "-_.!~*'()".contains(c), "%20"),
        percent(&|c| "-_.*".contains(c), "+"),
        base64.encode(value),
        base64.encode(format!("!{value}")),
        base64.encode(format!("!?{value}!")),
    ]
}

/// A function logs and throws its secrets JSON-escaped, URL-encoded and in base64: neither its
/// error nor its invocation record (read by a member) holds any of them. A long value is cut
/// out; a text holding a one-byte value is withheld whole.
#[tokio::test]
async fn secrets_are_cut_out_in_every_encoding() {
    const QUOTED: &str = "a\"b\\c";
    const LONG: &str = "sk_live_0123456789 /+=&?%_abcdefghijklmnopqrstuvwxyz";
    let captured = captured_logs();
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    let member = app.user("member@example.com").await;
    let project = app.store().project("acme").await.unwrap().unwrap();
    app.store()
        .set_member_role(
            &project.id,
            &member.id,
            quire_store::Role::Member,
            &owner.id,
        )
        .await
        .unwrap();
    let secrets = [
        ("leaky", "QUOTED", QUOTED),
        ("leaky", "LONG", LONG),
        ("leaky-short", "X", "x"),
    ];
    create_deployed(&client, "leaky", LEAKY_CODE, json!({})).await;
    create_deployed(&client, "leaky-short", LEAKY_CODE, json!({})).await;
    for (function, name, value) in secrets {
        let path = format!("/api/v1/projects/acme/functions/{function}/secrets/{name}");
        let set = client.put(&path, &json!({ "value": value })).await;
        assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text());
    }
    let token = app.token_client(&owner, None).await;
    let reader = app.login("member@example.com").await;
    let mut texts = Vec::new();
    for function in ["leaky", "leaky-short"] {
        let path = format!("/api/v1/projects/acme/functions/{function}/invoke");
        let failed = token.post(&path, &json!({})).await;
        assert_eq!(failed.status, StatusCode::BAD_GATEWAY, "{}", failed.text());
        let message = failed.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = format!("/api/v1/projects/acme/functions/{function}/invocations");
        let listed = reader.get(&path).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
        let record = &listed.json()[0];
        assert_eq!(record["error"]["code"], "function_error", "{record}");
        let logs = record["logs"].as_str().unwrap().to_owned();
        let stack = record["error"]["stack"].as_str().unwrap_or("").to_owned();
        let recorded = record["error"]["message"].as_str().unwrap().to_owned();
        texts.push((function, [message, recorded, stack, logs]));
    }
    let [message, recorded, _, logs] = &texts[0].1;
    assert!(message.starts_with("failed with {"), "{message}");
    assert!(message.contains(r#""QUOTED":"[secret]""#), "{message}");
    assert!(
        message.ends_with("[secret] [secret] [secret] [secret]"),
        "{message}"
    );
    assert_eq!(message, recorded);
    assert!(logs.contains("uri [secret] form v=[secret]"), "{logs}");
    assert!(logs.contains("b64 [secret]"), "{logs}");
    let [message, recorded, _, logs] = &texts[1].1;
    for text in [message, recorded, logs] {
        assert_eq!(text, "[withheld]", "the long notice holds an x");
    }
    let server_logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    for (function, name, value) in secrets {
        for form in leaked_forms(value) {
            for (text_of, text) in &texts {
                if *text_of == function {
                    for text in text {
                        assert!(!text.contains(&form), "{name} as {form:?} in {text}");
                    }
                }
            }
            if value.len() > 1 {
                assert!(
                    !server_logs.contains(&form),
                    "{name} as {form:?} in the log"
                );
            }
        }
    }
}

#[tokio::test]
async fn kv_is_scoped_to_the_project() {
    let (app, owner) = setup().await;
    app.store()
        .create_project("other", "Other", &owner.id)
        .await
        .unwrap();
    let client = app.login("owner@example.com").await;
    let code = r#"
async function handler(request, env) {
  const op = await request.json();
  if (op.put) await env.KV.put(op.put, op.value, op.ttl ? { expirationTtl: op.ttl } : undefined);
  const listed = await env.KV.list({ prefix: op.prefix || "" });
  return { value: await env.KV.get(op.get), keys: listed.keys.map((k) => k.name) };
}
"#;
    for project in ["acme", "other"] {
        let created = client
            .post(
                &format!("/api/v1/projects/{project}/functions"),
                &json!({ "name": "kv", "slug": "kv", "code": code }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
        let deployed = client
            .post(
                &format!("/api/v1/projects/{project}/functions/kv/deploy"),
                &json!({}),
            )
            .await;
        assert_eq!(deployed.json()["status"], "deployed");
    }
    let token = app.token_client(&owner, None).await;
    let call = |project: &'static str, op: Value| {
        let token = &token;
        async move {
            let response = token
                .post(
                    &format!("/api/v1/projects/{project}/functions/kv/invoke"),
                    &op,
                )
                .await;
            assert_eq!(response.status, StatusCode::OK, "{}", response.text());
            response.json()
        }
    };
    call(
        "acme",
        json!({ "put": "user:1", "value": "ada", "get": "user:1" }),
    )
    .await;
    call(
        "acme",
        json!({ "put": "user:2", "value": "bob", "get": "user:2" }),
    )
    .await;
    call(
        "acme",
        json!({ "put": "order:1", "value": "x", "get": "order:1" }),
    )
    .await;
    assert_eq!(
        call("acme", json!({ "get": "user:1", "prefix": "user:" })).await,
        json!({ "value": "ada", "keys": ["user:1", "user:2"] })
    );
    assert_eq!(
        call("other", json!({ "get": "user:1" })).await,
        json!({ "value": null, "keys": [] }),
        "another project sees none of acme's keys"
    );
    call(
        "other",
        json!({ "put": "user:1", "value": "other's", "get": "user:1" }),
    )
    .await;
    assert_eq!(
        call("acme", json!({ "get": "user:1", "prefix": "user:1" })).await,
        json!({ "value": "ada", "keys": ["user:1"] })
    );

    // Expired entries are invisible at once and swept from the table.
    call("acme", json!({ "put": "temp", "value": "t", "ttl": 0.05 })).await;
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    assert_eq!(
        call("acme", json!({ "get": "temp", "prefix": "temp" })).await,
        json!({ "value": null, "keys": [] })
    );
    assert_eq!(
        app.store().kv_sweep_expired().await.unwrap(),
        0,
        "the read swept it"
    );
}

#[tokio::test]
async fn invocations_are_listed_newest_first_with_logs_truncated() {
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    let code = r#"
async function handler(request) {
  const { n, noisy } = await request.json();
  console.log("call", n);
  if (noisy) console.log("x".repeat(40000));
  if (n === 3) throw new Error("three is bad");
  return { n };
}
"#;
    create_deployed(&client, "logged", code, json!({})).await;
    let token = app.token_client(&owner, None).await;
    for n in 1..=4 {
        token
            .post(
                "/api/v1/projects/acme/functions/logged/invoke",
                &json!({ "n": n, "noisy": n == 2 }),
            )
            .await;
    }
    let page = client
        .get("/api/v1/projects/acme/functions/logged/invocations?limit=2")
        .await
        .json();
    let page = page.as_array().unwrap();
    assert_eq!(page.len(), 2);
    assert!(
        page[0]["logs"].as_str().unwrap().contains("call 4"),
        "{page:?}"
    );
    assert_eq!(page[0]["ok"], true);
    assert_eq!(page[0]["status"], 200);
    assert_eq!(page[0]["via"], "api");
    assert_eq!(page[1]["ok"], false);
    assert_eq!(page[1]["error"]["code"], "function_error");
    assert_eq!(page[1]["error"]["message"], "three is bad");
    assert!(
        page[1]["error"]["stack"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{page:?}"
    );
    let before = page[1]["id"].as_str().unwrap();
    let rest = client
        .get(&format!(
            "/api/v1/projects/acme/functions/logged/invocations?limit=2&before={before}"
        ))
        .await
        .json();
    let rest = rest.as_array().unwrap();
    assert_eq!(rest.len(), 2);
    assert!(rest[0]["logs"].as_str().unwrap().starts_with("call 2"));
    assert_eq!(rest[0]["logs_truncated"], true);
    assert!(rest[0]["logs"].as_str().unwrap().len() <= 16 * 1024);
    assert!(rest[0]["request_bytes"].as_i64().unwrap() > 0);
    assert!(rest[1]["logs"].as_str().unwrap().contains("call 1"));
    assert_eq!(rest[1]["logs_truncated"], false);

    let bad = client
        .get("/api/v1/projects/acme/functions/logged/invocations?limit=0")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let unknown = client
        .get("/api/v1/projects/acme/functions/logged/invocations?before=nope")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_endless_loop_times_out_a_memory_bomb_runs_out_and_the_server_keeps_serving() {
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    create_deployed(
        &client,
        "spin",
        "async function handler() { while (true) {} }",
        json!({ "timeout_ms": 200 }),
    )
    .await;
    create_deployed(
        &client,
        "quick",
        "async function handler() { return { fine: true }; }",
        json!({}),
    )
    .await;
    let token = app.token_client(&owner, None).await;
    let started = std::time::Instant::now();
    let spun = token
        .post("/api/v1/projects/acme/functions/spin/invoke", &json!({}))
        .await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(spun.status, StatusCode::BAD_GATEWAY, "{}", spun.text());
    assert_eq!(spun.error_code(), "function_timeout");
    assert!(
        spun.text().contains("200 ms"),
        "names the limit: {}",
        spun.text()
    );

    create_deployed(
        &client,
        "hog",
        "async function handler() { const a = []; while (true) a.push(new Array(100000).fill(a.length)); }",
        json!({ "memory_mb": 16 }),
    )
    .await;
    let hog = token
        .post("/api/v1/projects/acme/functions/hog/invoke", &json!({}))
        .await;
    assert_eq!(hog.status, StatusCode::BAD_GATEWAY, "{}", hog.text());
    assert_eq!(hog.error_code(), "function_out_of_memory");
    assert!(
        hog.text().contains("16 MiB"),
        "names the limit: {}",
        hog.text()
    );

    let next = token
        .post("/api/v1/projects/acme/functions/quick/invoke", &json!({}))
        .await;
    assert_eq!(next.status, StatusCode::OK);
    assert_eq!(next.json(), json!({ "fine": true }));
    let log = client
        .get("/api/v1/projects/acme/functions/spin/invocations")
        .await
        .json();
    assert_eq!(log[0]["error"]["code"], "function_timeout");
}

#[tokio::test]
async fn the_page_bridge_entry_sets_the_caller_and_maps_errors() {
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    create_deployed(&client, "echo", ECHO, json!({})).await;
    create_deployed(
        &client,
        "fails",
        "async function handler() { throw new Error('order not found'); }",
        json!({}),
    )
    .await;
    create(&client, "draft", ECHO, json!({})).await;
    let project = app.store().project("acme").await.unwrap().unwrap();
    let caller = page_caller(&owner.id);
    let echo = invoke_for_page(
        &app,
        &project.id,
        &FunctionSelector::Slug("echo".to_owned()),
        json!({ "id": 7 }),
        &caller,
    )
    .await
    .unwrap();
    let (status, content_type, body) = read_response(echo).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "success is 200 whatever the function's 2xx"
    );
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert_eq!(body["body"], r#"{"id":7}"#);
    assert_eq!(body["headers"]["x-quire-viewer"], owner.id.as_str());
    assert_eq!(body["headers"]["x-quire-page"], "page-1");
    assert_eq!(
        body["headers"]["x-quire-mount-point"],
        "inbox_conversation_sidebar"
    );
    assert_eq!(body["headers"]["x-quire-mode"], "preview");

    let id = app
        .store()
        .function(&project.id, "fails")
        .await
        .unwrap()
        .unwrap()
        .id;
    let call = async |project: &str, function: FunctionSelector| {
        invoke_for_page(&app, project, &function, json!({}), &caller).await
    };
    let failed = call(&project.id, FunctionSelector::Id(id)).await.unwrap();
    let (status, _, body) = read_response(failed).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        body["error"],
        json!({ "code": "function_error", "message": "order not found", "details": null })
    );
    let slug = |slug: &str| FunctionSelector::Slug(slug.to_owned());
    let unknown = call(&project.id, FunctionSelector::Id("echo".to_owned())).await;
    assert_eq!(
        unknown.unwrap_err().status,
        StatusCode::NOT_FOUND,
        "an id is not a slug"
    );
    let undeployed = call(&project.id, slug("draft")).await;
    assert_eq!(
        undeployed.unwrap_err().status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let other = app
        .store()
        .create_project("other", "Other", &owner.id)
        .await
        .unwrap();
    let elsewhere = call(&other.id, slug("echo")).await;
    assert_eq!(
        elsewhere.unwrap_err().status,
        StatusCode::NOT_FOUND,
        "another project's function"
    );
    let log = client
        .get("/api/v1/projects/acme/functions/echo/invocations")
        .await
        .json();
    assert_eq!(log[0]["via"], "page");
}

/// The demo's functions answer what its pages ask: the lookup the dashboard template calls,
/// and `orders`, whose week of orders the demo's Orders page shows and whose refunds last.
#[tokio::test]
async fn the_demo_functions_answer_their_pages() {
    let app = TestApp::new().await;
    let owner = app.user("owner@example.com").await;
    quire_server::bootstrap::seed_demo(app.store())
        .await
        .unwrap();
    let token = app.token_client(&owner, None).await;
    let response = token
        .post(
            "/api/v1/projects/demo/functions/your-function-slug/invoke",
            &json!({ "id": "123" }),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(
        response.json(),
        json!({ "id": "123", "name": "Demo order", "status": "paid", "viewer": owner.id })
    );
    quire_server::bootstrap::seed_demo(app.store())
        .await
        .expect("seeding twice changes nothing");

    let path = "/api/v1/projects/demo/functions/orders/invoke";
    let status_of = |answer: &Value, id: &str| {
        answer["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|order| order["id"] == id)
            .map(|order| order["status"].clone())
    };

    let week = token.post(path, &json!({})).await;
    assert_eq!(week.status, StatusCode::OK, "{}", week.text());
    let week = week.json();
    assert_eq!(week["currency"], "USD");
    assert_eq!(week["orders"].as_array().unwrap().len(), 11);
    assert_eq!(status_of(&week, "1042"), Some(json!("paid")));
    assert!(
        week["orders"][0]["placedAt"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    // One customer's, by WhatsApp number (the inbox's Page tab asks so), and a refund there.
    let maria = json!({ "customer": "14155550123", "refund": "1042" });
    let refunded = token.post(path, &maria).await;
    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.text());
    let refunded = refunded.json();
    assert_eq!(
        refunded["orders"].as_array().unwrap().len(),
        2,
        "{refunded}"
    );
    assert_eq!(status_of(&refunded, "1042"), Some(json!("refunded")));
    let again = token.post(path, &json!({})).await.json();
    assert_eq!(
        status_of(&again, "1042"),
        Some(json!("refunded")),
        "kept in KV"
    );

    for (id, why) in [
        ("1042", "is not paid"),
        ("1062", "is not paid"),
        ("9", "no order #9"),
    ] {
        let refused = token.post(path, &json!({ "refund": id })).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_GATEWAY,
            "{}",
            refused.text()
        );
        assert_eq!(refused.json()["error"]["code"], "function_error");
        assert!(refused.text().contains(why), "{}", refused.text());
    }
}

const CACHED: &str = "/api/v1/projects/acme/functions/cached/invoke";

async fn call_cached(client: &Client<'_>) -> TestResponse {
    client.post(CACHED, &json!({})).await
}

/// Credentials and functions are cached on the invoke path; every change must still reach the
/// very next call, whoever made it through this server.
#[tokio::test]
async fn no_cached_read_outlives_a_change() {
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    let member = app.user("member@example.com").await;
    let members = format!("/api/v1/projects/acme/members/{}", member.id);
    let project = app.store().project("acme").await.unwrap().unwrap();
    app.store()
        .set_member_role(&project.id, &member.id, quire_store::Role::Member, "cli")
        .await
        .unwrap();
    let version = |n: u32| {
        format!(
            "async function handler(r, env) {{ return {{ v: {n}, k: (env.K ?? \"\").length }}; }}"
        )
    };
    create_deployed(&client, "cached", &version(1), json!({})).await;
    let owner_token = app.token_client(&owner, None).await;
    let member_token = app.token_client(&member, None).await;
    // Twice each, so the second call is served from the caches.
    for _ in 0..2 {
        assert_eq!(
            call_cached(&member_token).await.json(),
            json!({ "v": 1, "k": 0 })
        );
        assert_eq!(
            call_cached(&owner_token).await.json(),
            json!({ "v": 1, "k": 0 })
        );
    }

    let secret = json!({ "value": "four" });
    let set = client
        .put("/api/v1/projects/acme/functions/cached/secrets/K", &secret)
        .await;
    assert_eq!(set.status, StatusCode::NO_CONTENT, "{}", set.text());
    assert_eq!(
        call_cached(&member_token).await.json(),
        json!({ "v": 1, "k": 4 })
    );
    put_code(&client, "cached", &version(2)).await;
    let head = call_cached(&member_token).await.json();
    assert_eq!(
        head,
        json!({ "v": 1, "k": 4 }),
        "the head is not deployed yet"
    );
    deploy(&client, "cached").await;
    assert_eq!(
        call_cached(&member_token).await.json(),
        json!({ "v": 2, "k": 4 })
    );

    let anonymous = || app.send(invoke_request(CACHED, &[], "{}"));
    let function = "/api/v1/projects/acme/functions/cached";
    assert_eq!(anonymous().await.status, StatusCode::NOT_FOUND);
    client
        .patch(function, &json!({ "public_endpoint": true }))
        .await;
    assert_eq!(anonymous().await.status, StatusCode::OK);
    client
        .patch(function, &json!({ "public_endpoint": false }))
        .await;
    assert_eq!(
        anonymous().await.status,
        StatusCode::NOT_FOUND,
        "private again at once"
    );

    let removed = client.delete(&members).await;
    assert!(removed.status.is_success(), "{}", removed.text());
    let gone = call_cached(&member_token).await.status;
    assert_eq!(gone, StatusCode::NOT_FOUND, "a removed member's token");

    let tokens = client.get("/api/v1/tokens").await.json();
    for token in tokens.as_array().unwrap() {
        let id = token["id"].as_str().unwrap();
        client.delete(&format!("/api/v1/tokens/{id}")).await;
    }
    let revoked = call_cached(&owner_token).await;
    assert_eq!(
        revoked.status,
        StatusCode::UNAUTHORIZED,
        "a revoked token: {}",
        revoked.text()
    );

    let deleted = client.delete(function).await;
    assert!(deleted.status.is_success(), "{}", deleted.text());
    let fresh_token = app.token_client(&owner, None).await;
    let status = call_cached(&fresh_token).await.status;
    assert_eq!(status, StatusCode::NOT_FOUND, "a deleted function");
}

#[tokio::test]
async fn calls_over_the_viewers_or_the_projects_rate_limit_get_429_with_retry_after() {
    let config = quire_server::ServerConfig {
        invoke_rate_per_viewer: 2,
        invoke_rate_per_project: 3,
        ..quire_server::ServerConfig::local(8787, 8788)
    };
    let app = TestApp::with_config(
        quire_test_utils::testing::TestDatabase::sqlite().await,
        config,
    );
    let owner = app.user("owner@example.com").await;
    app.store()
        .create_project("acme", "Acme", &owner.id)
        .await
        .unwrap();
    let client = app.login("owner@example.com").await;
    create_deployed(
        &client,
        "limited",
        "async function handler() { return { ok: true }; }",
        json!({}),
    )
    .await;
    let invoke = "/api/v1/projects/acme/functions/limited/invoke";
    let owner_token = app.token_client(&owner, None).await;
    for _ in 0..2 {
        assert_eq!(
            owner_token.post(invoke, &json!({})).await.status,
            StatusCode::OK
        );
    }
    let refused = owner_token.post(invoke, &json!({})).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text()
    );
    assert_eq!(refused.error_code(), "rate_limited");
    assert!(
        refused.text().contains("more than 2 function calls"),
        "{}",
        refused.text()
    );
    let wait: u64 = refused.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "Retry-After: {wait}");

    // Another caller has a bucket of their own, but the project's is shared: one call is left.
    client
        .patch(
            "/api/v1/projects/acme/functions/limited",
            &json!({ "public_endpoint": true }),
        )
        .await;
    let anonymous = || app.send(invoke_request(invoke, &[], "{}"));
    assert_eq!(anonymous().await.status, StatusCode::OK);
    let refused = anonymous().await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused.text().contains("this project's functions"),
        "{}",
        refused.text()
    );
    assert!(refused.headers.contains_key(header::RETRY_AFTER));

    let listed = client
        .get("/api/v1/projects/acme/functions/limited/invocations")
        .await
        .json();
    assert_eq!(
        listed.as_array().unwrap().len(),
        3,
        "refused calls never ran: {listed}"
    );
}

/// A function's answer is its author's content on the app's origin: whatever it claims, it
/// is a download, and if a browser shows it all the same, it loads nothing, runs sandboxed in
/// an opaque origin and cannot be framed.
#[tokio::test]
async fn a_function_cannot_make_its_answer_a_page_of_the_app() {
    let (app, _) = setup().await;
    let client = app.login("owner@example.com").await;
    let page = r#"async function handler() {
  return new Response("<script>fetch('/api/v1/me')</script>", {
    headers: {
      "content-type": "text/html",
      "content-disposition": "inline",
      "content-security-policy": "script-src * 'unsafe-inline'",
    },
  });
}"#;
    create_deployed(&client, "page", page, json!({ "public_endpoint": true })).await;
    let response = app
        .send(invoke_request(
            "/api/v1/projects/acme/functions/page/invoke",
            &[],
            "",
        ))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(
        response.header_values("content-security-policy"),
        ["default-src 'none'; frame-ancestors 'none'; sandbox"]
    );
    assert_eq!(response.header("content-disposition"), Some("attachment"));
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn members_see_the_deployed_code_only_never_a_draft() {
    let (app, owner) = setup().await;
    let member = app.user("member@example.com").await;
    let project = app.store().project("acme").await.unwrap().unwrap();
    app.store()
        .set_member_role(&project.id, &member.id, quire_store::Role::Member, "cli")
        .await
        .unwrap();
    let owner = app.token_client(&owner, None).await;
    let member = app.token_client(&member, None).await;
    let path = "/api/v1/projects/acme/functions/f";
    let first = "async function handler() { return 'first'; }";
    let draft = "async function handler() { return 'draft, with a plan in it'; }";
    create(&owner, "f", first, json!({})).await;

    let undeployed = member.get(path).await;
    assert_eq!(undeployed.status, StatusCode::OK, "{}", undeployed.text());
    assert!(undeployed.json()["code"].is_null(), "{}", undeployed.text());
    deploy(&owner, "f").await;
    let saved = owner
        .put(&format!("{path}/code"), &json!({ "code": draft }))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());

    assert_eq!(owner.get(path).await.json()["code"], draft);
    let seen = member.get(path).await;
    assert_eq!(seen.json()["code"], first);
    assert!(!seen.text().contains("plan"), "{}", seen.text());
    let versions = member.get(&format!("{path}/versions")).await;
    assert_eq!(
        versions.status,
        StatusCode::FORBIDDEN,
        "{}",
        versions.text()
    );
    assert!(!versions.text().contains("plan"));
}

#[tokio::test]
async fn the_list_counts_every_call_of_the_last_day_and_names_the_last_one() {
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    let code = r#"
async function handler(request) {
  const { n } = await request.json();
  if (n % 5 === 0) throw new Error("every fifth fails");
  return { n };
}
"#;
    create_deployed(&client, "counted", code, json!({})).await;
    create_deployed(&client, "quiet", code, json!({})).await;
    let token = app.token_client(&owner, None).await;
    for n in 1..=30 {
        token
            .post(
                "/api/v1/projects/acme/functions/counted/invoke",
                &json!({ "n": n }),
            )
            .await;
    }
    let list = client.get("/api/v1/projects/acme/functions").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let list = list.json();
    let counted = list
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["slug"] == "counted")
        .unwrap();
    assert_eq!(counted["calls_24h"], 30, "{counted}");
    assert_eq!(counted["errors_24h"], 6);
    assert_eq!(
        counted["status"], "deployed",
        "the function's own fields stay"
    );
    assert_eq!(counted["last_call"]["ok"], false, "n = 30 failed");
    assert_eq!(counted["last_call"]["via"], "api");
    assert_eq!(counted["last_call"]["error_code"], "function_error");
    let quiet = list
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["slug"] == "quiet")
        .unwrap();
    assert_eq!(
        (
            &quiet["calls_24h"],
            &quiet["errors_24h"],
            &quiet["last_call"]
        ),
        (&json!(0), &json!(0), &Value::Null)
    );
}

#[tokio::test]
async fn a_test_run_tries_the_undeployed_head_and_answers_logs_timing_and_the_stack() {
    let (app, owner) = setup().await;
    let client = app.login("owner@example.com").await;
    let created = create(
        &client,
        "draft",
        r#"
async function handler(request, env) {
  console.log("method", request.method, request.headers.get("x-try"));
  const body = await request.json();
  if (body.fail) throw new Error("failed with " + env.TOKEN);
  return new Response(JSON.stringify({ got: body, secret: env.TOKEN.length }), {
    status: 202, headers: { "content-type": "application/json", "x-seen": "yes" },
  });
}
"#,
        json!({}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    client
        .put(
            "/api/v1/projects/acme/functions/draft/secrets/TOKEN",
            &json!({ "value": "s3cret-value" }),
        )
        .await;
    let path = "/api/v1/projects/acme/functions/draft/test";
    let ran = client
        .post(
            path,
            &json!({ "method": "PUT", "headers": { "x-try": "1", "authorization": "Bearer x" }, "body": "{\"a\":1}" }),
        )
        .await;
    assert_eq!(ran.status, StatusCode::OK, "{}", ran.text());
    let ran = ran.json();
    assert_eq!(ran["version"], 1, "the head, never deployed");
    assert_eq!(ran["status"], 202);
    assert_eq!(
        serde_json::from_str::<Value>(ran["body"].as_str().unwrap()).unwrap(),
        json!({ "got": { "a": 1 }, "secret": 12 })
    );
    assert!(
        ran["headers"]
            .as_array()
            .unwrap()
            .contains(&json!({ "name": "x-seen", "value": "yes" })),
        "{ran}"
    );
    assert_eq!(ran["logs"].as_str().unwrap().trim(), "method PUT 1");
    assert!(ran["duration_ms"].as_i64().unwrap() >= 0);
    assert_eq!(ran["error"], Value::Null);

    let failed = client
        .post(path, &json!({ "body": "{\"fail\":true}" }))
        .await
        .json();
    assert_eq!(failed["error"]["code"], "function_error");
    assert_eq!(failed["error"]["message"], "failed with [secret]");
    assert!(
        failed["error"]["stack"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(!failed.to_string().contains("s3cret-value"));

    let deployed = client.post(path, &json!({ "version": "deployed" })).await;
    assert_eq!(deployed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let method = client.post(path, &json!({ "method": "BREW" })).await;
    assert_eq!(method.status, StatusCode::BAD_REQUEST);

    let history = client
        .get("/api/v1/projects/acme/functions/draft/invocations")
        .await
        .json();
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert!(history.iter().all(|r| r["via"] == "test"), "{history:?}");

    let member = app.user("member@example.com").await;
    let project = app.store().project("acme").await.unwrap().unwrap();
    app.store()
        .set_member_role(&project.id, &member.id, quire_store::Role::Member, "cli")
        .await
        .unwrap();
    let _ = owner;
    let as_member = app.token_client(&member, None).await;
    let refused = as_member.post(path, &json!({})).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "members see no drafts"
    );
}
