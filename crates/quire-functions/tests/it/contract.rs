//! The Kapso contract: both handler forms, return conversions, errors and statuses, secrets.

use std::collections::BTreeMap;
use std::sync::Arc;

use quire_functions::{InvokeError, MemoryKv};
use serde_json::json;

use crate::{function, invocation_with, run, run_json, runtime};

const ISSUE_EXAMPLE: &str = r#"
async function handler(request, env) {
  const { id } = await request.json();
  const seen = Number((await env.KV.get("seen:" + id)) ?? 0) + 1;
  await env.KV.put("seen:" + id, String(seen));
  return new Response(JSON.stringify({ id, seen, key: env.API_KEY.length }), {
    headers: { "content-type": "application/json" },
  });
}
"#;

#[tokio::test]
async fn the_issue_example_counts_per_id_and_sees_its_secret() {
    let rt = runtime();
    let f = function(ISSUE_EXAMPLE);
    let kv = Arc::new(MemoryKv::new());
    let secrets = BTreeMap::from([("API_KEY".to_owned(), "sk-12345".to_owned())]);
    for expected in 1..=3 {
        let outcome = rt
            .invoke(
                &f,
                invocation_with(&json!({"id": "a"}), kv.clone(), secrets.clone()),
            )
            .await;
        let response = outcome.result.expect("function succeeds");
        assert_eq!(response.status, 200);
        assert_eq!(response.header("content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body, json!({"id": "a", "seen": expected, "key": 8}));
    }
    let outcome = rt
        .invoke(
            &f,
            invocation_with(&json!({"id": "b"}), kv.clone(), secrets),
        )
        .await;
    let body: serde_json::Value = serde_json::from_slice(&outcome.result.unwrap().body).unwrap();
    assert_eq!(body["seen"], 1);
}

#[tokio::test]
async fn export_default_fetch_is_accepted() {
    let body = run_json(
        r"export default { async fetch(request, env) {
             const p = await request.json();
             return Response.json({ doubled: p.n * 2, method: request.method });
           } };",
        json!({"n": 21}),
    )
    .await;
    assert_eq!(body, json!({"doubled": 42, "method": "POST"}));
}

#[tokio::test]
async fn exported_handler_is_accepted() {
    let body = run_json(
        "export async function handler(request) { return { ok: true }; }",
        json!({}),
    )
    .await;
    assert_eq!(body, json!({"ok": true}));
}

#[tokio::test]
async fn a_plain_object_becomes_json_and_a_string_becomes_text() {
    let outcome = run(
        "async function handler() { return { a: [1, 2] }; }",
        json!({}),
    )
    .await;
    let response = outcome.result.unwrap();
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.text(), r#"{"a":[1,2]}"#);

    let outcome = run("function handler() { return 'hello'; }", json!({})).await;
    let response = outcome.result.unwrap();
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(response.text(), "hello");
}

#[tokio::test]
async fn a_thrown_error_carries_its_message_and_user_file_position() {
    let outcome = run(
        "async function handler(request) {\n  const x = 1;\n  throw new Error('no such order');\n}",
        json!({}),
    )
    .await;
    let Err(InvokeError::Thrown { message, stack }) = &outcome.result else {
        panic!("expected Thrown, got {:?}", outcome.result);
    };
    assert_eq!(message, "no such order");
    assert!(stack.contains("function.js:3:"), "stack: {stack}");
    let err = outcome.result.unwrap_err();
    assert_eq!(err.location().map(|(line, _)| line), Some(3));
    assert_eq!(err.to_string(), "no such order");
}

#[tokio::test]
async fn a_type_error_names_its_kind() {
    let outcome = run("function handler() { null.x; }", json!({})).await;
    let Err(InvokeError::Thrown { message, .. }) = outcome.result else {
        panic!("expected Thrown");
    };
    assert!(message.starts_with("TypeError: "), "{message}");
}

#[tokio::test]
async fn a_status_of_400_or_more_is_an_error_with_the_body_message() {
    let outcome = run(
        "function handler() { return Response.json({ error: 'id is required' }, { status: 422 }); }",
        json!({}),
    )
    .await;
    assert_eq!(outcome.status(), Some(422));
    let Err(InvokeError::BadStatus {
        status,
        message,
        response,
    }) = outcome.result
    else {
        panic!("expected BadStatus");
    };
    assert_eq!((status, message.as_str()), (422, "id is required"));
    assert_eq!(response.status, 422);

    let outcome = run(
        "function handler() { return new Response('upstream down', { status: 502 }); }",
        json!({}),
    )
    .await;
    assert_eq!(outcome.result.unwrap_err().to_string(), "upstream down");
}

#[tokio::test]
async fn returning_a_function_is_an_invalid_response() {
    let outcome = run("function handler() { return () => 1; }", json!({})).await;
    assert!(matches!(
        outcome.result,
        Err(InvokeError::InvalidResponse(_))
    ));
}

#[tokio::test]
async fn outcome_reports_sizes_duration_and_logs() {
    let outcome = run(
        "function handler() { console.log('hi', { a: 1 }); console.error('bad'); return 'abc'; }",
        json!({"x": 1}),
    )
    .await;
    assert_eq!(outcome.request_bytes, br#"{"x":1}"#.len());
    assert_eq!(outcome.response_bytes, 3);
    assert_eq!(outcome.logs, "hi { a: 1 }\n[error] bad\n");
    assert!(!outcome.logs_truncated);
    assert!(outcome.duration.as_nanos() > 0);
}

#[tokio::test]
async fn secrets_are_env_properties_and_not_logged() {
    let rt = runtime();
    let f = function(
        "function handler(req, env) { console.log('keys', Object.keys(env).sort().join(',')); return env.TOKEN; }",
    );
    let secrets = BTreeMap::from([("TOKEN".to_owned(), "t0p-s3cret".to_owned())]);
    let outcome = rt
        .invoke(
            &f,
            invocation_with(&json!({}), Arc::new(MemoryKv::new()), secrets),
        )
        .await;
    assert_eq!(outcome.result.unwrap().text(), "t0p-s3cret");
    assert_eq!(outcome.logs, "keys KV,TOKEN\n");
}

#[tokio::test]
async fn a_default_exported_function_is_accepted() {
    let body = run_json(
        "export default async function (request) { return { got: (await request.json()).x }; }",
        json!({"x": "y"}),
    )
    .await;
    assert_eq!(body, json!({"got": "y"}));
}

#[tokio::test]
async fn the_runtime_is_shareable_across_tasks() {
    fn shareable<T: Send + Sync + Clone + 'static>(_: &T) {}
    let rt = runtime();
    shareable(&rt);
    let f = function("function handler() { return 'spawned'; }");
    // `invoke` futures are Send, so a multi-threaded server can spawn them.
    let task = tokio::spawn({
        let rt = rt.clone();
        async move { rt.invoke(&f, crate::invocation(&json!({}))).await }
    });
    assert_eq!(task.await.unwrap().result.unwrap().text(), "spawned");
}
