//! One project cannot stall another's functions: a project runs at most its share of calls at
//! once, the next ones wait a bounded time and then get 429 with `Retry-After`, and while its
//! looping calls fill its share, another project deploys a function and calls it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{StatusCode, header};
use quire_server::ServerConfig;
use quire_test_utils::{Client, TestApp, TestResponse, testing::TestDatabase};
use serde_json::json;

const SHARE: usize = 2;

/// Says it started (in its project's KV), then loops until its timeout.
const LOOPER: &str = r#"
async function handler(request, env) {
  const { n } = await request.json();
  await env.KV.put(`started-${n}`, "1");
  while (true) {}
}
"#;

async fn create_deployed(client: &Client<'_>, project: &str, slug: &str, code: &str, ms: u64) {
    let functions = format!("/api/v1/projects/{project}/functions");
    let body = json!({ "name": slug, "slug": slug, "code": code, "timeout_ms": ms });
    let created = client.post(&functions, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let deployed = client
        .post(&format!("{functions}/{slug}/deploy"), &json!({}))
        .await;
    assert_eq!(deployed.status, StatusCode::OK, "{}", deployed.text());
}

#[tokio::test]
async fn while_one_projects_loops_fill_its_share_another_project_deploys_and_calls() {
    let config = ServerConfig {
        function_concurrency_per_project: SHARE,
        function_queue_wait: Duration::from_millis(100),
        ..ServerConfig::local(8787, 8788)
    };
    let app = TestApp::with_config(TestDatabase::sqlite().await, config);
    let owner = app.user("owner@example.com").await;
    let hostile = app
        .store()
        .create_project("hostile", "Hostile", &owner.id)
        .await
        .unwrap();
    app.store()
        .create_project("neighbour", "Neighbour", &owner.id)
        .await
        .unwrap();
    let client = app.login("owner@example.com").await;
    // Long enough to outlast everything below; the test does not wait for it.
    create_deployed(&client, "hostile", "loop", LOOPER, 10_000).await;
    let token = app.token_client(&owner, None).await;
    let invoke_loop = "/api/v1/projects/hostile/functions/loop/invoke";

    let finished = AtomicUsize::new(0);
    let loops = futures::future::join_all((0..SHARE).map(|n| {
        let (token, finished) = (&token, &finished);
        async move {
            let answer = token.post(invoke_loop, &json!({ "n": n })).await;
            finished.fetch_add(1, Ordering::SeqCst);
            answer
        }
    }));
    let meanwhile = async {
        // Every looping call has started: the project's share is full.
        while app
            .store()
            .kv_list(&hostile.id, "started-", 10)
            .await
            .unwrap()
            .len()
            < SHARE
        {
            assert_eq!(
                finished.load(Ordering::SeqCst),
                0,
                "a looping call ended early"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }

        let refused = token.post(invoke_loop, &json!({ "n": SHARE })).await;
        assert_refused_for_the_share(&refused);

        create_deployed(
            &client,
            "neighbour",
            "hello",
            "async function handler() { return { hello: true }; }",
            1_000,
        )
        .await;
        let answer = token
            .post(
                "/api/v1/projects/neighbour/functions/hello/invoke",
                &json!({}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert_eq!(answer.json(), json!({ "hello": true }));
        assert_eq!(
            finished.load(Ordering::SeqCst),
            0,
            "the other project was answered while every looping call was still running"
        );
    };
    let ended_first = tokio::select! {
        () = meanwhile => false,
        _ = loops => true,
    };
    assert!(!ended_first, "the looping calls ended before the rest ran");
}

fn assert_refused_for_the_share(refused: &TestResponse) {
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text()
    );
    assert_eq!(refused.error_code(), "function_concurrency_limit");
    assert!(
        refused
            .text()
            .contains("project \\\"hostile\\\" already has 2 function calls running"),
        "names the project and its limit: {}",
        refused.text()
    );
    assert!(refused.text().contains("100 ms"), "{}", refused.text());
    assert_eq!(refused.json()["error"]["details"]["limit"], SHARE);
    assert!(refused.headers.contains_key(header::RETRY_AFTER));
}
