//! `quire serve --demo`'s inbox: six conversations made through the webhook's own path, a
//! connection, and the contact card mounted in the inbox's Page tab; once.

use axum::http::StatusCode;
use quire_store::{ConversationFilter, MessageDirection, MessageStatus};
use quire_test_utils::TestApp;
use serde_json::json;

/// An app with the demo project and its inbox, seeded once (the second time adds nothing).
async fn seeded() -> TestApp {
    let app = TestApp::new().await;
    let store = app.store();
    quire_server::bootstrap::ensure_first_owner(store, None, Some("a long enough password"))
        .await
        .unwrap();
    assert!(
        !quire_server::bootstrap::seed_demo_inbox(&app.state)
            .await
            .unwrap(),
        "no demo project yet: nothing to do"
    );
    quire_server::bootstrap::seed_demo(store).await.unwrap();
    assert!(
        quire_server::bootstrap::seed_demo_inbox(&app.state)
            .await
            .unwrap()
    );
    assert!(
        !quire_server::bootstrap::seed_demo_inbox(&app.state)
            .await
            .unwrap(),
        "seeding twice adds nothing"
    );
    app
}

#[tokio::test]
async fn the_demo_conversations_come_through_the_webhooks_path() {
    let app = seeded().await;
    let store = app.store();
    let project = store.project("demo").await.unwrap().unwrap();
    let connections = store.whatsapp_connections(&project.id).await.unwrap();
    assert_eq!(connections.len(), 1);
    assert!(
        connections[0].last_delivery_at.is_some(),
        "its messages were delivered"
    );
    assert_eq!(connections[0].access_token_sealed, None);

    let conversations = store
        .conversations(&project.id, &ConversationFilter::default(), 30)
        .await
        .unwrap();
    let listed: Vec<(&str, i64)> = conversations
        .iter()
        .map(|c| (c.contact_name.as_deref().unwrap(), c.unread_count))
        .collect();
    assert_eq!(
        listed,
        [
            ("Priya Patel", 2),
            ("quietfox", 0),
            ("Maria Lopez", 2),
            ("Ana Souza", 0),
            ("Ken Ito", 1),
            ("Lukas Becker", 2),
        ]
    );
    let maria = &conversations[2];
    assert_eq!(maria.last_message_preview, "Reacted: 👍");
    let thread = store.messages(&maria.id, None, 50).await.unwrap();
    let kinds: Vec<&str> = thread.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(kinds, ["reaction", "text", "text", "text"]);
    let reply = &thread[2];
    assert_eq!(reply.direction, MessageDirection::Outbound);
    assert_eq!(
        reply.status,
        MessageStatus::Read,
        "its statuses were delivered too"
    );
    assert_eq!(thread[0].data["message_id"], json!(reply.wamid));
    let fox = &conversations[1];
    assert_eq!(fox.phone_number, None);
    assert_eq!(fox.last_message_direction, Some(MessageDirection::Outbound));
    let every_kind: Vec<String> = {
        let mut kinds = Vec::new();
        for conversation in &conversations {
            for message in store.messages(&conversation.id, None, 50).await.unwrap() {
                kinds.push(message.kind);
            }
        }
        kinds.sort();
        kinds.dedup();
        kinds
    };
    assert_eq!(
        every_kind,
        [
            "audio",
            "document",
            "image",
            "interactive",
            "location",
            "reaction",
            "sticker",
            "text"
        ]
    );
}

#[tokio::test]
async fn the_demo_page_is_mounted_beside_its_conversations() {
    let app = seeded().await;
    let store = app.store();
    let project = store.project("demo").await.unwrap().unwrap();
    let conversations = store
        .conversations(&project.id, &ConversationFilter::default(), 30)
        .await
        .unwrap();
    let maria = &conversations[2];
    let page = store
        .page_at_mount(&project.id, quire_store::INBOX_MOUNT_POINT)
        .await
        .unwrap()
        .expect("a page at the inbox mount point");
    assert_eq!(page.slug, "customer");
    assert_eq!(page.published_version, Some(1), "the page builds");
    let owner = store
        .find_user(quire_server::bootstrap::DEFAULT_ADMIN_EMAIL)
        .await
        .unwrap()
        .unwrap();
    let client = app.token_client(&owner, None).await;
    let frame = client
        .post(
            "/api/v1/projects/demo/pages/customer/frame",
            &json!({ "mode": "regular", "conversation_id": maria.id }),
        )
        .await;
    assert_eq!(frame.status, StatusCode::OK, "{}", frame.text());
    assert_eq!(
        frame.json()["context"]["context"]["conversation"]["contactName"],
        "Maria Lopez"
    );
    // The demo number cannot reply: it says what to do.
    let refused = client
        .post(
            &format!("/api/v1/projects/demo/conversations/{}/messages", maria.id),
            &json!({ "text": "Hello" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.text().contains("access token"),
        "{}",
        refused.text()
    );
}
