//! Issue #20: `kill -9` during a flood of WhatsApp deliveries, restart, and every delivery the
//! server acknowledged (answered 200) is stored, and the database's integrity check is `ok`.
//!
//! No clocks: the server is killed once enough deliveries were acknowledged, with more in flight.

use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::{start, token_for};

const SENDERS: usize = 4;
/// Acknowledged deliveries before the kill.
const BEFORE_KILL: usize = 60;
const APP_SECRET: &str = "flood-app-secret";
const NUMBER_ID: &str = "106540352242922";
const ENVS: &[(&str, &str)] = &[
    ("QUIRE_ADMIN_EMAIL", "boss@example.com"),
    ("QUIRE_ADMIN_PASSWORD", "a long enough password"),
];

/// One text from contact `sender`, in Meta's format.
fn delivery(sender: usize, wamid: &str, n: usize) -> Vec<u8> {
    let number = format!("1415555{sender:04}");
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": NUMBER_ID },
            "contacts": [{ "profile": { "name": format!("Sender {sender}") }, "wa_id": number }],
            "messages": [{
                "from": number, "id": wamid, "timestamp": (1_764_844_800 + n).to_string(),
                "type": "text", "text": { "body": format!("message {n}") },
            }],
        }}]}],
    })
    .to_string()
    .into_bytes()
}

/// Connects the number to the project "default"; answers its webhook URL and the project id.
async fn connect(client: &reqwest::Client, app: &str, token: &str) -> (String, String) {
    let connected = client
        .post(format!(
            "{app}/api/v1/projects/default/whatsapp/connections"
        ))
        .bearer_auth(token)
        .json(&json!({ "name": "Support", "phone_number_id": NUMBER_ID, "app_secret": APP_SECRET }))
        .send()
        .await
        .unwrap();
    assert_eq!(connected.status(), 201);
    let webhook = connected.json::<serde_json::Value>().await.unwrap()["webhook_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let project_id = webhook
        .split('/')
        .nth_back(2)
        .expect("…/projects/<id>/webhooks/whatsapp")
        .to_owned();
    (webhook, project_id)
}

/// Delivers texts from `sender`, one after the other, until the server stops answering; each
/// acknowledged wamid goes into `acknowledged` and a tick into `stored`.
async fn send_until_refused(
    client: reqwest::Client,
    webhook: String,
    sender: usize,
    acknowledged: Arc<Mutex<Vec<String>>>,
    stored: tokio::sync::mpsc::UnboundedSender<()>,
) {
    for n in 0.. {
        let wamid = format!("wamid.flood.{sender}.{n}");
        let body = delivery(sender, &wamid, n);
        let signature = quire_server::inbox::signature::sign(APP_SECRET, &body);
        let sent = client
            .post(&webhook)
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body)
            .send()
            .await;
        // Once the server is gone, requests fail: the loop ends there.
        let Ok(response) = sent else { break };
        let status = response.status();
        let Ok(answer) = response.text().await else {
            break;
        };
        assert_eq!(
            status, 200,
            "a delivery failed while the server ran: {answer}"
        );
        acknowledged.lock().unwrap().push(wamid);
        let _ = stored.send(());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_delivery_survives_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let mut server = start(data.path(), ENVS).await;
    let token = token_for(data.path(), "boss@example.com");
    let client = reqwest::Client::new();
    let (webhook, project_id) = connect(&client, &server.app, &token).await;
    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let (stored, mut progress) = tokio::sync::mpsc::unbounded_channel();
    let senders: Vec<_> = (0..SENDERS)
        .map(|sender| {
            tokio::spawn(send_until_refused(
                client.clone(),
                webhook.clone(),
                sender,
                acknowledged.clone(),
                stored.clone(),
            ))
        })
        .collect();
    for _ in 0..BEFORE_KILL {
        progress.recv().await.expect("the senders stopped early");
    }
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no checkpoint
    server.child.wait().unwrap();
    for sender in senders {
        sender.await.unwrap();
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
    let store = quire_store::Store::connect(&format!("sqlite://{}", database.display()))
        .await
        .unwrap();
    for wamid in &acknowledged {
        assert!(
            store
                .message_by_wamid(&project_id, wamid)
                .await
                .unwrap()
                .is_some(),
            "acknowledged delivery {wamid} is gone"
        );
    }
    // The restarted server lists what was stored: a conversation for each sender it heard.
    let listed: serde_json::Value = client
        .get(format!(
            "{}/api/v1/projects/default/conversations",
            restarted.app
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let heard: std::collections::HashSet<&str> = acknowledged
        .iter()
        .filter_map(|wamid| wamid.split('.').nth(2))
        .collect();
    let conversations = listed["conversations"].as_array().unwrap().len();
    assert!((heard.len()..=SENDERS).contains(&conversations), "{listed}");
    // Not `close`: that checkpoints, which is the running server's business.
    store.pool().close().await;
}
