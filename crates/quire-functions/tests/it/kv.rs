//! `env.KV` through the `KvStore` trait: get/put/delete/list, TTL, and per-project stores.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use quire_functions::{KvStore, MemoryKv};
use serde_json::json;

use crate::{function, invocation_with, runtime};

const KV_OPS: &str = r#"
async function handler(request, env) {
  const op = await request.json();
  switch (op.op) {
    case "put": await env.KV.put(op.key, op.value, op.ttl ? { expirationTtl: op.ttl } : undefined); return { ok: true };
    case "get": return { value: await env.KV.get(op.key) };
    case "json": return { value: await env.KV.get(op.key, { type: "json" }) };
    case "delete": await env.KV.delete(op.key); return { ok: true };
    case "list": return await env.KV.list({ prefix: op.prefix, limit: op.limit });
  }
}
"#;

async fn op(
    kv: &Arc<MemoryKv>,
    f: &quire_functions::FunctionRef,
    rt: &quire_functions::Runtime,
    body: serde_json::Value,
) -> serde_json::Value {
    let outcome = rt
        .invoke(f, invocation_with(&body, kv.clone(), BTreeMap::new()))
        .await;
    serde_json::from_slice(&outcome.result.expect("KV op succeeds").body).unwrap()
}

#[tokio::test]
async fn get_put_delete_and_list() {
    let rt = runtime();
    let f = function(KV_OPS);
    let kv = Arc::new(MemoryKv::new());
    assert_eq!(
        op(&kv, &f, &rt, json!({"op": "get", "key": "a"})).await,
        json!({"value": null})
    );
    op(
        &kv,
        &f,
        &rt,
        json!({"op": "put", "key": "user:1", "value": "{\"n\":1}"}),
    )
    .await;
    op(
        &kv,
        &f,
        &rt,
        json!({"op": "put", "key": "user:2", "value": "two"}),
    )
    .await;
    op(
        &kv,
        &f,
        &rt,
        json!({"op": "put", "key": "other", "value": "x"}),
    )
    .await;
    assert_eq!(
        op(&kv, &f, &rt, json!({"op": "json", "key": "user:1"})).await,
        json!({"value": {"n": 1}})
    );
    assert_eq!(
        kv.get("user:2").await.unwrap().as_deref(),
        Some("two"),
        "stored through the trait"
    );
    assert_eq!(
        op(&kv, &f, &rt, json!({"op": "list", "prefix": "user:"})).await,
        json!({"keys": [{"name": "user:1"}, {"name": "user:2"}], "list_complete": true})
    );
    assert_eq!(
        op(
            &kv,
            &f,
            &rt,
            json!({"op": "list", "prefix": "user:", "limit": 1})
        )
        .await,
        json!({"keys": [{"name": "user:1"}], "list_complete": false})
    );
    op(&kv, &f, &rt, json!({"op": "delete", "key": "user:1"})).await;
    assert_eq!(
        op(&kv, &f, &rt, json!({"op": "get", "key": "user:1"})).await,
        json!({"value": null})
    );
}

#[tokio::test]
async fn two_projects_never_see_each_others_keys() {
    let rt = runtime();
    let f = function(KV_OPS);
    let (a, b) = (Arc::new(MemoryKv::new()), Arc::new(MemoryKv::new()));
    op(
        &a,
        &f,
        &rt,
        json!({"op": "put", "key": "secret", "value": "from-a"}),
    )
    .await;
    assert_eq!(
        op(&b, &f, &rt, json!({"op": "get", "key": "secret"})).await,
        json!({"value": null})
    );
    assert_eq!(
        op(&b, &f, &rt, json!({"op": "list"})).await["keys"],
        json!([])
    );
    assert_eq!(
        op(&a, &f, &rt, json!({"op": "get", "key": "secret"})).await,
        json!({"value": "from-a"})
    );
}

#[tokio::test]
async fn a_ttl_expires_the_value() {
    let rt = runtime();
    let f = function(KV_OPS);
    let kv = Arc::new(MemoryKv::new());
    op(
        &kv,
        &f,
        &rt,
        json!({"op": "put", "key": "k", "value": "v", "ttl": 0.2}),
    )
    .await;
    assert_eq!(
        op(&kv, &f, &rt, json!({"op": "get", "key": "k"})).await,
        json!({"value": "v"})
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        op(&kv, &f, &rt, json!({"op": "get", "key": "k"})).await,
        json!({"value": null})
    );
    assert_eq!(
        op(&kv, &f, &rt, json!({"op": "list"})).await["keys"],
        json!([])
    );
}

#[tokio::test]
async fn an_invalid_key_or_ttl_throws() {
    let rt = runtime();
    let f = function(KV_OPS);
    let kv = Arc::new(MemoryKv::new());
    let long = "k".repeat(513);
    let outcome = rt
        .invoke(
            &f,
            invocation_with(
                &json!({"op": "put", "key": long, "value": "v"}),
                kv.clone(),
                BTreeMap::new(),
            ),
        )
        .await;
    assert!(
        outcome
            .result
            .unwrap_err()
            .to_string()
            .contains("KV key is 513 bytes")
    );
    let outcome = rt
        .invoke(
            &f,
            invocation_with(
                &json!({"op": "put", "key": "k", "value": "v", "ttl": -1}),
                kv,
                BTreeMap::new(),
            ),
        )
        .await;
    // -1 is truthy in the test function, so it reaches KV.put, which refuses it.
    assert!(
        outcome
            .result
            .unwrap_err()
            .to_string()
            .contains("expirationTtl")
    );
}
