//! Integration tests of quire-functions: the function contract, the Web APIs, limits, KV,
//! isolate pooling and the SSRF guard, all through the public `Runtime` API.

mod contract;
mod fairness;
mod fetch;
mod inline;
mod kv;
mod limits;
mod load;
mod pool;
mod web_apis;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quire_functions::{
    FunctionRef, HttpRequest, Invocation, KvStore, Limits, MemoryKv, Outcome, Runtime,
    RuntimeConfig,
};

pub fn runtime() -> Runtime {
    Runtime::new(RuntimeConfig {
        workers: 2,
        ..RuntimeConfig::default()
    })
}

/// A function with a unique id, so tests never share isolates by accident.
pub fn function(code: &str) -> FunctionRef {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    FunctionRef {
        project_id: "project".to_owned(),
        function_id: format!("f{}", NEXT.fetch_add(1, Ordering::Relaxed)),
        version: 1,
        code: Arc::from(code),
        limits: Limits::default(),
    }
}

pub fn invocation(payload: &serde_json::Value) -> Invocation {
    invocation_with(payload, Arc::new(MemoryKv::new()), BTreeMap::new())
}

pub fn invocation_with(
    payload: &serde_json::Value,
    kv: Arc<dyn KvStore>,
    secrets: BTreeMap<String, String>,
) -> Invocation {
    Invocation {
        request: HttpRequest::json("https://functions.quire.test/f", payload),
        secrets: Arc::new(secrets),
        kv,
    }
}

/// Runs `code` once with `payload` on a fresh runtime.
pub async fn run(code: &str, payload: serde_json::Value) -> Outcome {
    runtime()
        .invoke(&function(code), invocation(&payload))
        .await
}

/// Runs `code`, expects success, and returns the body parsed as JSON.
pub async fn run_json(code: &str, payload: serde_json::Value) -> serde_json::Value {
    let outcome = run(code, payload).await;
    let response = match outcome.result {
        Ok(response) => response,
        Err(err) => panic!("function failed: {err:?}\nlogs:\n{}", outcome.logs),
    };
    serde_json::from_slice(&response.body)
        .unwrap_or_else(|err| panic!("body is not JSON ({err}): {}", response.text()))
}
