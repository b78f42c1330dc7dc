//! Replies through the stand-in Cloud API: the request's shape, the answer's wamid and the
//! statuses that follow it, WhatsApp's errors on the message, business-scoped recipients, and
//! the conversations that cannot be answered.

use axum::http::StatusCode;
use quire_server::ServerConfig;
use quire_test_utils::testing::TestDatabase;
use serde_json::{Value, json};

use super::stand_in::{OUTSIDE_WINDOW, StandIn};
use super::{Inbox, NUMBER_ID, fixture, status_delivery};

const REPLY_WAMID: &str = "wamid.HBgLMTQxNTU1NTAxMjMVAgARGBI1QjM0RjY3QTg5QkMwRDEyRTMA";

async fn inbox_with(stand_in: &StandIn) -> Inbox {
    let mut config = ServerConfig::local(8787, 8788);
    config.whatsapp_api_url.clone_from(&stand_in.base_url);
    Inbox::with_config(config).await
}

async fn reply(inbox: &Inbox, conversation: &Value, text: &str) -> quire_test_utils::TestResponse {
    inbox
        .as_("member@example.com")
        .await
        .post(
            &format!(
                "/api/v1/projects/p/conversations/{}/messages",
                conversation["id"].as_str().unwrap()
            ),
            &json!({ "text": text }),
        )
        .await
}

#[tokio::test]
async fn a_reply_reaches_the_cloud_api_and_its_statuses_follow_it() {
    let stand_in = StandIn::start().await;
    let inbox = inbox_with(&stand_in).await;
    inbox.deliver(&fixture("text-message.json")).await;
    let maria = inbox.conversation_named("Maria Lopez").await;
    stand_in.answer_with(REPLY_WAMID);

    let sent = reply(&inbox, &maria, "It left our warehouse this morning.").await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text());
    let message = sent.json();
    assert_eq!(message["status"], "sent", "{message}");
    assert_eq!(message["wamid"], REPLY_WAMID);
    assert_eq!(message["direction"], "outbound");
    assert_eq!(message["type"], "text");
    assert_eq!(message["body"], "It left our warehouse this morning.");
    assert_eq!(message["error"], Value::Null);
    let member = inbox
        .app
        .store()
        .find_user("member@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message["sent_by"], member.id);

    let requests = stand_in.sent();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, format!("/v21.0/{NUMBER_ID}/messages"));
    assert_eq!(
        requests[0].body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "14155550123",
            "type": "text",
            "text": { "body": "It left our warehouse this morning.", "preview_url": false },
        })
    );

    let listed = inbox.conversation_named("Maria Lopez").await;
    assert_eq!(
        listed["last_message_preview"],
        "It left our warehouse this morning."
    );
    assert_eq!(listed["last_message_direction"], "outbound");
    // The list names who wrote it.
    assert_eq!(listed["last_message_sent_by"], member.id);
    assert_eq!(listed["last_message_sent_via"], Value::Null);

    // Meta's status deliveries for the reply's wamid move it on.
    inbox
        .deliver(&status_delivery(&[(
            REPLY_WAMID,
            "delivered",
            "1764845000",
        )]))
        .await;
    let thread = inbox.messages(maria["id"].as_str().unwrap()).await;
    assert_eq!(thread[0]["id"], message["id"]);
    assert_eq!(thread[0]["status"], "delivered");
    inbox.deliver(&fixture("statuses.json")).await;
    assert_eq!(
        inbox.messages(maria["id"].as_str().unwrap()).await[0]["status"],
        "read"
    );
}

#[tokio::test]
async fn statuses_that_come_before_the_cloud_api_answers_are_applied_to_the_reply() {
    for database in TestDatabase::all().await {
        let stand_in = StandIn::start().await;
        let mut config = ServerConfig::local(8787, 8788);
        config.whatsapp_api_url.clone_from(&stand_in.base_url);
        let inbox = Inbox::with_database(database, config).await;
        inbox.deliver(&fixture("text-message.json")).await;
        let maria = inbox.conversation_named("Maria Lopez").await;
        stand_in.answer_with(REPLY_WAMID);
        let mut answer = stand_in.hold_next_answer();

        let replying = reply(&inbox, &maria, "It left our warehouse this morning.");
        let meta = async {
            answer.arrived().await;
            // Meta took the message and delivered it; its webhooks beat its answer to Quire.
            inbox
                .deliver(&status_delivery(&[
                    (REPLY_WAMID, "sent", "1764845000"),
                    (REPLY_WAMID, "delivered", "1764845002"),
                ]))
                .await;
            answer.release();
        };
        let (sent, ()) = tokio::join!(replying, meta);

        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text());
        let message = sent.json();
        assert_eq!(message["wamid"], REPLY_WAMID);
        assert_eq!(message["status"], "delivered", "{message}");
        assert_eq!(message["status_at"], "2025-12-04T10:43:22Z");
        let thread = inbox.messages(maria["id"].as_str().unwrap()).await;
        assert_eq!(thread[0]["id"], message["id"]);
        assert_eq!(thread[0]["status"], "delivered");
        // What comes after the answer moves it on as before.
        inbox
            .deliver(&status_delivery(&[(REPLY_WAMID, "read", "1764845009")]))
            .await;
        assert_eq!(
            inbox.messages(maria["id"].as_str().unwrap()).await[0]["status"],
            "read"
        );
    }
}

#[tokio::test]
async fn a_refused_reply_is_kept_failed_with_whatsapps_error() {
    let stand_in = StandIn::start().await;
    let inbox = inbox_with(&stand_in).await;
    inbox.deliver(&fixture("batched.json")).await;
    let ken = inbox.conversation_named("Ken Ito").await;
    assert_eq!(ken["phone_number"], OUTSIDE_WINDOW);

    let sent = reply(&inbox, &ken, "Sorry for the wait!").await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text());
    let message = sent.json();
    assert_eq!(message["status"], "failed");
    assert_eq!(message["wamid"], Value::Null);
    assert_eq!(
        message["error"],
        json!({
            "code": 131_047,
            "title": "OAuthException",
            "message": "(#131047) Re-engagement message",
            "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        })
    );
    let thread = inbox.messages(ken["id"].as_str().unwrap()).await;
    assert_eq!(thread[0]["status"], "failed");
    assert_eq!(thread[0]["error"]["code"], 131_047);
}

#[tokio::test]
async fn a_contact_without_a_number_is_answered_by_business_scoped_id() {
    let stand_in = StandIn::start().await;
    let inbox = inbox_with(&stand_in).await;
    inbox.deliver(&fixture("bsuid-message.json")).await;
    let fox = inbox.conversation_named("quietfox").await;
    let sent = reply(&inbox, &fox, "Yes, we ship to Canada.").await;
    assert_eq!(sent.json()["status"], "sent", "{}", sent.text());
    let body = &stand_in.sent()[0].body;
    assert_eq!(body["recipient"], "US.8Hk2mQ7rT1xZ");
    assert!(body.get("to").is_none(), "{body}");
}

#[tokio::test]
async fn an_unreachable_cloud_api_fails_the_message_not_the_request() {
    let mut config = ServerConfig::local(8787, 8788);
    // Nothing listens on the discard port.
    config.whatsapp_api_url = "http://127.0.0.1:9/v21.0".to_owned();
    let inbox = Inbox::with_config(config).await;
    inbox.deliver(&fixture("text-message.json")).await;
    let maria = inbox.conversation_named("Maria Lopez").await;
    let sent = reply(&inbox, &maria, "Hello?").await;
    assert_eq!(sent.status, StatusCode::CREATED);
    let message = sent.json();
    assert_eq!(message["status"], "failed");
    assert_eq!(message["error"]["title"], "WhatsApp Cloud API unreachable");
    assert!(
        message["error"]["message"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1:9"),
        "{message}"
    );
}

#[tokio::test]
async fn replies_are_refused_without_a_connection_or_a_token_and_store_nothing() {
    let stand_in = StandIn::start().await;
    let inbox = inbox_with(&stand_in).await;
    inbox.deliver(&fixture("text-message.json")).await;
    let maria = inbox.conversation_named("Maria Lopez").await;

    for text in [String::new(), "   ".to_owned(), "x".repeat(4097)] {
        let refused = reply(&inbox, &maria, &text).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{}",
            refused.text()
        );
        assert!(refused.text().contains("4096"), "{}", refused.text());
    }
    assert_eq!(
        reply(&inbox, &maria, &"é".repeat(4096)).await.status,
        StatusCode::CREATED
    );

    let owner = inbox.as_("owner@example.com").await;
    let connection = inbox.connection["id"].as_str().unwrap();
    owner
        .delete(&format!(
            "/api/v1/projects/p/whatsapp/connections/{connection}"
        ))
        .await;
    let kept = inbox.conversation_named("Maria Lopez").await;
    assert_eq!(
        kept["whatsapp_config_id"],
        Value::Null,
        "the conversation stays"
    );
    let refused = reply(&inbox, &maria, "Anyone there?").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.error_code(), "whatsapp_not_connected");
    assert!(
        refused.text().contains("Settings → WhatsApp"),
        "{}",
        refused.text()
    );

    // Connected again without an access token: refused too, with what to do.
    let created = owner
        .post(
            "/api/v1/projects/p/whatsapp/connections",
            &json!({ "name": "Support", "phone_number_id": NUMBER_ID, "app_secret": super::APP_SECRET }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let refused = reply(&inbox, &maria, "Anyone there?").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.error_code(), "whatsapp_no_access_token");

    let thread = inbox.messages(maria["id"].as_str().unwrap()).await;
    assert_eq!(
        thread.len(),
        2,
        "the inbound message and the one reply sent"
    );
    assert_eq!(stand_in.sent().len(), 1);
}
