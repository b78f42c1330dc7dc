//! SECURITY.md, "Data safety": `kill -9` during a save loop, restart, and `PRAGMA
//! integrity_check` is `ok` and every save the server acknowledged is there.
//!
//! No clocks: the server is killed once enough saves were acknowledged, with more in flight.

use std::sync::{Arc, Mutex};

use crate::{start, token_for};

const WRITERS: usize = 4;
/// Acknowledged saves before the kill.
const BEFORE_KILL: usize = 40;
const ENVS: &[(&str, &str)] = &[
    ("QUIRE_ADMIN_EMAIL", "boss@example.com"),
    ("QUIRE_ADMIN_PASSWORD", "a long enough password"),
    // The saved sources import nothing: no npm registry is needed, and a closed port proves it.
    ("QUIRE_NPM_REGISTRY", "http://127.0.0.1:9/"),
];

/// One save: the version number the server answered with, and the source sent.
type Acknowledged = Arc<Mutex<Vec<(i64, String)>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_save_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let mut server = start(data.path(), ENVS).await;
    let token = token_for(data.path(), "boss@example.com");
    let client = reqwest::Client::new();
    let page: serde_json::Value = client
        .post(format!("{}/api/v1/projects/default/pages", server.app))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "name": "Log", "slug": "log" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page_id = page["id"].as_str().unwrap().to_owned();

    let acknowledged = Acknowledged::default();
    let (saved, mut progress) = tokio::sync::mpsc::unbounded_channel();
    let url = format!("{}/api/v1/projects/default/pages/log/source", server.app);
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            let (acknowledged, saved) = (acknowledged.clone(), saved.clone());
            tokio::spawn(async move {
                for n in 0.. {
                    let source =
                        format!("document.body.textContent = 'writer {writer}, save {n}';");
                    let sent = client
                        .put(&url)
                        .bearer_auth(&token)
                        .json(&serde_json::json!({ "source": source }))
                        .send()
                        .await;
                    // Once the server is gone, requests fail: the loop ends there.
                    let Ok(response) = sent else { break };
                    let status = response.status();
                    let Ok(body) = response.json::<serde_json::Value>().await else {
                        break;
                    };
                    assert_eq!(status, 200, "a save failed while the server ran: {body}");
                    let number = body["version"]["number"].as_i64().unwrap();
                    acknowledged.lock().unwrap().push((number, source));
                    let _ = saved.send(());
                }
            })
        })
        .collect();
    for _ in 0..BEFORE_KILL {
        progress.recv().await.expect("the writers stopped early");
    }
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no checkpoint
    server.child.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= BEFORE_KILL);

    let restarted = start(data.path(), ENVS).await;
    let database = data.path().join("quire.db");
    assert_eq!(
        quire_store::backup::integrity_check(&database)
            .await
            .unwrap(),
        ["ok"]
    );
    let versions: serde_json::Value = client
        .get(format!(
            "{}/api/v1/projects/default/pages/log/versions",
            restarted.app
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: Vec<i64> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    let store = quire_store::Store::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    for (number, source) in &acknowledged {
        assert!(
            listed.contains(number),
            "acknowledged version {number} is gone"
        );
        let version = store.page_version(&page_id, *number).await.unwrap();
        assert_eq!(
            version.map(|v| v.source).as_deref(),
            Some(source.as_str()),
            "version {number}"
        );
    }
    // Not `close`: that checkpoints, which is the running server's business.
    store.pool().close().await;
}
