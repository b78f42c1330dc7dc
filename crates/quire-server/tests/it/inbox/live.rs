//! The inbox on the live stream: a delivery, a status, a reply, a read and a metadata edit
//! each reach a member's open stream, with the views the API answers with; a redelivery says
//! nothing new.

use axum::http::StatusCode;
use quire_server::ServerConfig;
use serde_json::json;

use super::stand_in::StandIn;
use super::{Inbox, fixture, status_delivery};
use crate::events::EventStream;

const REPLY_WAMID: &str = "wamid.HBgLMTQxNTU1NTAxMjMVAgARGBI1QjM0RjY3QTg5QkMwRDEyRTMA";
const EVENTS: &str = "/api/v1/projects/p/events";

#[tokio::test]
async fn each_change_of_the_inbox_reaches_an_open_stream() {
    let stand_in = StandIn::start().await;
    let mut config = ServerConfig::local(8787, 8788);
    config.whatsapp_api_url.clone_from(&stand_in.base_url);
    let inbox = Inbox::with_config(config).await;
    let member = inbox.as_("member@example.com").await;
    let mut stream = EventStream::open(&member, EVENTS, None)
        .await
        .caught_up()
        .await;

    // A new message: the message, then its conversation as the list shows it.
    inbox.deliver(&fixture("text-message.json")).await;
    let created = stream.next().await;
    assert_eq!(created.kind, "message.created");
    let message = &created.data["message"];
    assert_eq!(message["direction"], "inbound");
    assert_eq!(message["status"], "received");
    let updated = stream.next().await;
    assert_eq!(updated.kind, "conversation.updated");
    let conversation = updated.data["conversation"].clone();
    assert_eq!(conversation["contact_name"], "Maria Lopez");
    assert_eq!(conversation["unread_count"], 1);
    assert_eq!(message["conversation_id"], conversation["id"]);
    assert!(created.id < updated.id, "ids follow the order of writing");
    let listed = inbox.conversation_named("Maria Lopez").await;
    assert_eq!(listed, conversation, "the event is the list's own view");
    let thread = inbox.messages(conversation["id"].as_str().unwrap()).await;
    assert_eq!(thread[0], *message, "the event is the thread's own view");

    // The same delivery again stores nothing and says nothing.
    inbox.deliver(&fixture("text-message.json")).await;
    stream.quiet().await;

    // A reply: stored pending, then sent with its wamid; then WhatsApp's statuses move it.
    stand_in.answer_with(REPLY_WAMID);
    let sent = member
        .post(
            &format!(
                "/api/v1/projects/p/conversations/{}/messages",
                conversation["id"].as_str().unwrap()
            ),
            &json!({ "text": "On its way" }),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text());
    let pending = stream.next().await;
    assert_eq!(pending.kind, "message.created");
    assert_eq!(pending.data["message"]["status"], "pending");
    let preview = stream.next().await;
    assert_eq!(preview.kind, "conversation.updated");
    assert_eq!(
        preview.data["conversation"]["last_message_preview"],
        "On its way"
    );
    let sent_event = stream.next().await;
    assert_eq!(sent_event.kind, "message.updated");
    assert_eq!(sent_event.data["message"]["status"], "sent");
    assert_eq!(sent_event.data["message"]["wamid"], REPLY_WAMID);
    inbox
        .deliver(&status_delivery(&[(
            REPLY_WAMID,
            "delivered",
            "1764845300",
        )]))
        .await;
    let delivered = stream.next().await;
    assert_eq!(delivered.kind, "message.updated");
    assert_eq!(delivered.data["message"]["status"], "delivered");
    assert_eq!(delivered.data["message"]["id"], sent.json()["id"]);

    // Reading it and editing its metadata update the conversation everywhere.
    let read = member
        .post(
            &format!(
                "/api/v1/projects/p/conversations/{}/read",
                conversation["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    let read_event = stream.next().await;
    assert_eq!(read_event.kind, "conversation.updated");
    assert_eq!(read_event.data["conversation"]["unread_count"], 0);
    let owner = inbox.as_("owner@example.com").await;
    let edited = owner
        .patch(
            &format!(
                "/api/v1/projects/p/conversations/{}",
                conversation["id"].as_str().unwrap()
            ),
            &json!({ "metadata": { "tier": "gold" } }),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text());
    let edit_event = stream.next().await;
    assert_eq!(edit_event.kind, "conversation.updated");
    assert_eq!(
        edit_event.data["conversation"]["metadata"],
        json!({ "tier": "gold" })
    );
}
