//! The page agent's runs through the API, against a stand-in chat completions endpoint (a
//! service outside Quire) that answers from a script as OpenAI-compatible servers do:
//! server-sent `chat.completion.chunk`s, the usage chunk with empty `choices`, `[DONE]`. The
//! runs here take the compiler's word (`check: compiler`); the studio's check is the browser
//! test's (`e2e/tests/agent.test.js`).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use quire_server::{AgentConfig, ModelEndpoint, ServerConfig};
use quire_test_utils::TestApp;
use serde_json::{Value, json};

use crate::assets::{as_, world};

const KEY: &str = "sk-test-agent-key-5f2c91";
const RUNS: &str = "/api/v1/projects/p/pages/pg/agent/runs";

const BROKEN: &str = "import React from \"react\";\nimport { createRoot } from \"react-dom/client\";\n\nfunction App() {\n  return (\n    <main>\n      <h1>Orders</h1>\n    </main>\n  ;\n}\n\ncreateRoot(document.getElementById(\"root\")!).render(<App />);\n";
const CLEAN: &str = "import React from \"react\";\nimport { createRoot } from \"react-dom/client\";\n\nfunction App() {\n  return (\n    <main>\n      <h1>Orders</h1>\n    </main>\n  );\n}\n\ncreateRoot(document.getElementById(\"root\")!).render(<App />);\n";

/// One scripted answer.
#[derive(Clone)]
enum Scripted {
    /// An HTTP error, with `Retry-After: 0`.
    Status(u16),
    /// A streamed answer, after `delay`, with token counts or none.
    Answer {
        text: String,
        usage: Option<(u64, u64)>,
        delay: Duration,
    },
}

fn answer(code: &str, usage: Option<(u64, u64)>) -> Scripted {
    Scripted::Answer {
        text: format!("Here it is:\n\n```tsx\n{code}```\n"),
        usage,
        delay: Duration::ZERO,
    }
}

#[derive(Default)]
struct StandIn {
    script: Mutex<VecDeque<Scripted>>,
    /// Each request's body and `Authorization` header.
    seen: Mutex<Vec<(Value, Option<String>)>>,
}

async fn completions(
    State(stand_in): State<Arc<StandIn>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    stand_in
        .seen
        .lock()
        .unwrap()
        .push((body.clone(), authorization));
    let next = stand_in.script.lock().unwrap().pop_front();
    let Some(Scripted::Answer { text, usage, delay }) = next else {
        let status = match next {
            Some(Scripted::Status(status)) => status,
            _ => 500,
        };
        return (
            StatusCode::from_u16(status).unwrap(),
            [(header::RETRY_AFTER, "0")],
            Json(json!({ "error": { "message": "scripted" } })),
        )
            .into_response();
    };
    tokio::time::sleep(delay).await;
    let mut events = String::new();
    let half = text.len() / 2;
    let half = (half..text.len())
        .find(|at| text.is_char_boundary(*at))
        .unwrap();
    for piece in [&text[..half], &text[half..]] {
        let chunk = json!({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": piece}}]});
        let _ = write!(events, "data: {chunk}\n\n");
    }
    if let Some((prompt, completion)) = usage {
        let chunk = json!({"object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": completion}});
        let _ = write!(events, "data: {chunk}\n\n");
    }
    events.push_str("data: [DONE]\n\n");
    ([(header::CONTENT_TYPE, "text/event-stream")], events).into_response()
}

/// The stand-in on a port-0 listener, and an app whose agent asks it.
async fn agent_world(script: Vec<Scripted>, runs_per_hour: u32) -> (TestApp, Arc<StandIn>) {
    let stand_in = Arc::new(StandIn {
        script: Mutex::new(script.into()),
        seen: Mutex::default(),
    });
    let router = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(completions))
        .with_state(stand_in.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let mut config = ServerConfig::local(0, 1);
    config.agent = AgentConfig {
        model: Some(ModelEndpoint {
            url: format!("http://{address}/v1"),
            model: "stand-in".to_owned(),
            api_key: Some(KEY.to_owned()),
        }),
        max_attempts: 3,
        runs_per_hour,
        ..AgentConfig::off()
    };
    let app = world(config).await;
    let owner = as_(&app, "owner@example.com").await;
    let created = owner
        .post(
            "/api/v1/projects/p/pages",
            &json!({ "name": "Pg", "slug": "pg", "template": "blank" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    (app, stand_in)
}

/// A run's events, read to the end of its stream (which ends after the run's last event).
async fn events(client: &quire_test_utils::Client<'_>, run: &str) -> Vec<Value> {
    let request = client.request(
        Method::GET,
        &format!("/api/v1/projects/p/agent/runs/{run}/events"),
        None,
    );
    let response = client.app.open(request).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = tokio::time::timeout(Duration::from_mins(1), response.into_body().collect())
        .await
        .expect("the stream ends after the run's last event")
        .unwrap()
        .to_bytes();
    String::from_utf8_lossy(&body)
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|data| serde_json::from_str(data.trim()).unwrap())
        .collect()
}

/// Starts a run on page "pg" that takes the compiler's word; answers its id.
async fn start(client: &quire_test_utils::Client<'_>) -> String {
    let started = client
        .post(RUNS, &json!({ "prompt": "Orders", "check": "compiler" }))
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text());
    started.json()["id"].as_str().unwrap().to_owned()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .filter(|kind| *kind != "delta")
        .collect()
}

#[tokio::test]
async fn a_run_retries_a_failing_endpoint_fixes_a_build_error_and_keeps_the_version_that_builds() {
    let (app, stand_in) = agent_world(
        vec![
            Scripted::Status(503),
            answer(BROKEN, Some((1000, 200))),
            answer(CLEAN, Some((1500, 250))),
        ],
        10,
    )
    .await;
    let owner = as_(&app, "owner@example.com").await;
    let run = start(&owner).await;
    let events = events(&owner, &run).await;
    assert_eq!(
        kinds(&events),
        [
            "started", "attempt", "retrying", "compiled", "attempt", "compiled", "saved", "done"
        ]
    );
    let compiled: Vec<&Value> = events.iter().filter(|e| e["type"] == "compiled").collect();
    assert_eq!(compiled[0]["ok"], false);
    assert_eq!(compiled[0]["diagnostics"][0]["line"], 9);
    assert_eq!(compiled[1]["ok"], true);
    assert_eq!(events.last().unwrap()["usage"]["prompt_tokens"], 2500);
    assert_eq!(events.last().unwrap()["usage"]["completion_tokens"], 450);
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains(KEY), "the key is never in a run's events");

    let seen = stand_in.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "the 503 was asked again");
    assert_eq!(seen[1].1.as_deref(), Some(&*format!("Bearer {KEY}")));
    assert_eq!(seen[1].0["stream"], true);
    assert_eq!(seen[1].0["stream_options"]["include_usage"], true);
    let feedback = seen[2].0["messages"].as_array().unwrap().last().unwrap()["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(feedback.contains("did not build"), "{feedback}");
    assert!(
        feedback.contains(">  9 |   ;"),
        "the code frame: {feedback}"
    );

    let versions = owner
        .get("/api/v1/projects/p/pages/pg/versions")
        .await
        .json();
    assert_eq!(versions[0]["generated"]["prompt"], "Orders");
    assert_eq!(versions[0]["generated"]["attempt"], 2);
    assert_eq!(versions[0]["published"], false);
    assert!(
        versions[1].get("generated").is_none(),
        "the template's version"
    );

    let audit = owner
        .get("/api/v1/projects/p/audit?action=page.generate")
        .await
        .json();
    let entry = &audit[0];
    assert_eq!(entry["details"]["outcome"], "done");
    assert_eq!(entry["details"]["prompt_tokens"], 2500);
}

#[tokio::test]
async fn an_error_that_will_not_pass_ends_the_run_at_once_with_unknown_tokens() {
    let (app, stand_in) = agent_world(vec![Scripted::Status(401)], 10).await;
    let owner = as_(&app, "owner@example.com").await;
    let run = start(&owner).await;
    let events = events(&owner, &run).await;
    let last = events.last().unwrap();
    assert_eq!(last["type"], "failed");
    assert_eq!(last["code"], "model_failed");
    assert!(last["message"].as_str().unwrap().contains("HTTP 401"));
    assert_eq!(last["usage"]["prompt_tokens"], Value::Null);
    assert_eq!(
        stand_in.seen.lock().unwrap().len(),
        1,
        "a 401 is not asked again"
    );
}

#[tokio::test]
async fn one_run_per_page_stop_ends_it_and_runs_are_limited_per_person() {
    let slow = Scripted::Answer {
        text: format!("```tsx\n{CLEAN}```\n"),
        usage: None,
        delay: Duration::from_secs(5),
    };
    let (app, _) = agent_world(vec![slow, answer(CLEAN, None)], 2).await;
    let owner = as_(&app, "owner@example.com").await;
    let first = start(&owner).await;
    let busy = owner.post(RUNS, &json!({ "prompt": "Again" })).await;
    assert_eq!(busy.status, StatusCode::CONFLICT);
    assert_eq!(busy.error_code(), "agent_run_active");
    assert_eq!(busy.json()["error"]["details"]["run"], first);

    let stopped = owner
        .post(
            &format!("/api/v1/projects/p/agent/runs/{first}/stop"),
            &json!({}),
        )
        .await;
    assert_eq!(stopped.status, StatusCode::NO_CONTENT);
    let first_events = events(&owner, &first).await;
    assert_eq!(first_events.last().unwrap()["type"], "stopped");

    let second = start(&owner).await;
    let second_events = events(&owner, &second).await;
    assert_eq!(second_events.last().unwrap()["type"], "done");

    let limited = owner.post(RUNS, &json!({ "prompt": "Orders" })).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.header("retry-after").is_some());

    let member = as_(&app, "member@example.com").await;
    let refused = member.post(RUNS, &json!({ "prompt": "Orders" })).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
