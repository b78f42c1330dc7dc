//! The webhook: Meta's example deliveries, signatures, redeliveries, statuses in any order,
//! unknown messages, malformed deliveries, and the handshake.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use quire_server::ServerConfig;
use quire_server::inbox::signature::sign;
use quire_store::SendOutcome;
use quire_test_utils::testing::TestDatabase;
use serde_json::{Value, json};

use quire_test_utils::TestResponse;

use super::{APP_SECRET, Inbox, SECOND_NUMBER_ID, fixture, status_delivery, text_delivery};

const FIXTURE_WAMID: &str = "wamid.HBgLMTQxNTU1NTAxMjMVAgARGBI1QjM0RjY3QTg5QkMwRDEyRTMA";
const FAILED_WAMID: &str = "wamid.HBgLMTQxNTU1NTAxMjMVAgARGBI2QzQ1RDc4OUFCQ0RFRjAxMjMA";

/// An outbound message with `wamid` in `conversation`, stored as a reply the Cloud API took
/// (the reply service's own two steps, without the HTTP call).
async fn sent_reply(inbox: &Inbox, conversation_id: &str, wamid: &str) -> String {
    let store = inbox.app.store();
    let conversation = store
        .conversation(&inbox.project_id, conversation_id)
        .await
        .unwrap()
        .unwrap();
    let pending = quire_server::inbox::reply::record_outgoing(
        store,
        &conversation,
        "On its way",
        quire_server::inbox::reply::Author::Quire,
        1,
    )
    .await
    .unwrap();
    quire_server::inbox::reply::record_send_result(
        store,
        &conversation,
        &pending.id,
        &SendOutcome::Sent { wamid },
    )
    .await
    .unwrap();
    pending.id
}

async fn message_by_wamid(inbox: &Inbox, wamid: &str) -> quire_store::Message {
    inbox
        .app
        .store()
        .message_by_wamid(&inbox.project_id, wamid)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn every_fixture_is_stored_on_both_backends() {
    for database in TestDatabase::all().await {
        let inbox = Inbox::with_database(database, ServerConfig::local(8787, 8788)).await;

        inbox.deliver(&fixture("text-message.json")).await;
        let maria = inbox.conversation_named("Maria Lopez").await;
        assert_eq!(maria["phone_number"], "14155550123");
        assert_eq!(maria["whatsapp_contact_id"], "14155550123");
        assert_eq!(maria["whatsapp_phone_number_id"], super::NUMBER_ID);
        assert_eq!(maria["whatsapp_config_id"], inbox.connection["id"]);
        assert_eq!(maria["display_phone_number"], "15550783881");
        assert_eq!(maria["unread_count"], 1);
        assert_eq!(
            maria["last_message_preview"],
            "Hi! Where is my order #1042?"
        );
        assert_eq!(maria["last_message_direction"], "inbound");
        assert_eq!(maria["last_message_at"], "2025-12-04T10:40:00Z");
        let messages = inbox.messages(maria["id"].as_str().unwrap()).await;
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0]["type"], "text");
        assert_eq!(messages[0]["body"], "Hi! Where is my order #1042?");
        assert_eq!(messages[0]["status"], "received");
        assert_eq!(messages[0]["direction"], "inbound");
        assert_eq!(messages[0]["created_at"], "2025-12-04T10:40:00Z");

        // A contact known by the business-scoped id and a username only; no `from`.
        inbox.deliver(&fixture("bsuid-message.json")).await;
        let fox = inbox.conversation_named("quietfox").await;
        assert_eq!(fox["phone_number"], Value::Null);
        assert_eq!(fox["business_user_id"], "US.8Hk2mQ7rT1xZ");
        assert_eq!(fox["whatsapp_contact_id"], "US.8Hk2mQ7rT1xZ");
        assert_eq!(fox["username"], "@quietfox");
        assert_eq!(
            inbox.messages(fox["id"].as_str().unwrap()).await[0]["body"],
            "Do you ship to Canada?"
        );

        // Two entries, three changes; the second number is not connected yet: skipped.
        inbox.deliver(&fixture("batched.json")).await;
        let ken = inbox.conversation_named("Ken Ito").await;
        assert_eq!(ken["unread_count"], 2);
        assert_eq!(ken["last_message_preview"], "Replied: Track my order");
        let thread = inbox.messages(ken["id"].as_str().unwrap()).await;
        assert_eq!(thread[0]["type"], "interactive");
        assert_eq!(thread[0]["body"], "Track my order");
        assert_eq!(thread[0]["data"]["button_reply"]["id"], "track-order");
        assert_eq!(
            thread[0]["data"]["context"]["id"],
            "wamid.HBgMODE5MDEyMzQ1Njc4FQIAERgSOUJCQ0RERUVGRjAwMTEyMjMA"
        );
        assert_eq!(thread[1]["type"], "reaction");
        assert_eq!(thread[1]["body"], "👍");
        assert_eq!(
            thread[1]["data"]["message_id"],
            "wamid.HBgLMTQxNTU1NTAxMjMVAgARGBI1QjM0RjY3QTg5QkMwRDEyRTMA"
        );
        assert!(
            inbox.conversations("?q=souza").await.is_empty(),
            "a number the project has not connected is skipped"
        );

        // Connected, the same delivery again: Ana's photo is stored, Ken's messages once.
        inbox.connect(SECOND_NUMBER_ID).await;
        inbox.deliver(&fixture("batched.json")).await;
        let ana = inbox.conversation_named("Ana Souza").await;
        assert_eq!(ana["whatsapp_phone_number_id"], SECOND_NUMBER_ID);
        assert_eq!(
            ana["last_message_preview"],
            "Photo: the box arrived like this"
        );
        let photo = &inbox.messages(ana["id"].as_str().unwrap()).await[0];
        assert_eq!(photo["type"], "image");
        assert_eq!(photo["body"], "the box arrived like this");
        assert_eq!(
            photo["data"],
            json!({ "caption": "the box arrived like this", "mime_type": "image/jpeg", "sha256": "5f1a2b3c4d", "id": "1479537139650973" })
        );
        assert_eq!(inbox.conversation_named("Ken Ito").await["unread_count"], 2);

        // Statuses of messages never sent from here: acknowledged, and dropped.
        let before = inbox.stored_message_count().await;
        inbox.deliver(&fixture("statuses.json")).await;
        assert_eq!(inbox.stored_message_count().await, before);
        assert_eq!(inbox.conversations("").await.len(), 4);
    }
}

#[tokio::test]
async fn statuses_in_any_order_end_at_the_furthest_and_failed_keeps_its_error() {
    let inbox = Inbox::new().await;
    inbox.deliver(&fixture("text-message.json")).await;
    let maria = inbox.conversation_named("Maria Lopez").await;
    let conversation = maria["id"].as_str().unwrap();
    sent_reply(&inbox, conversation, FIXTURE_WAMID).await;
    sent_reply(&inbox, conversation, FAILED_WAMID).await;

    // read, sent, delivered in one delivery; and a failure of the other message.
    inbox.deliver(&fixture("statuses.json")).await;
    let read = message_by_wamid(&inbox, FIXTURE_WAMID).await;
    assert_eq!(read.status.as_str(), "read");
    assert_eq!(
        read.status_at, 1_764_844_990_000,
        "the read status's own time"
    );
    let failed = message_by_wamid(&inbox, FAILED_WAMID).await;
    assert_eq!(failed.status.as_str(), "failed");
    assert_eq!(
        failed.error,
        Some(json!({
            "code": 131_047,
            "title": "Re-engagement message",
            "message": "Re-engagement message",
            "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        }))
    );

    // Later deliveries of older statuses change nothing.
    inbox
        .deliver(&status_delivery(&[
            (FIXTURE_WAMID, "delivered", "1764845990"),
            (FAILED_WAMID, "delivered", "1764845990"),
            (FAILED_WAMID, "read", "1764845999"),
        ]))
        .await;
    assert_eq!(
        message_by_wamid(&inbox, FIXTURE_WAMID)
            .await
            .status
            .as_str(),
        "read"
    );
    let still = message_by_wamid(&inbox, FAILED_WAMID).await;
    assert_eq!(still.status.as_str(), "failed");
    assert_eq!(still.error, failed.error);

    let thread = inbox.messages(conversation).await;
    let shown = thread.iter().find(|m| m["wamid"] == FAILED_WAMID).unwrap();
    assert_eq!(shown["error"]["code"], 131_047);
    assert_eq!(shown["direction"], "outbound");
    // Replies are not unread, and statuses do not touch the conversation's list entry.
    assert_eq!(
        inbox.conversation_named("Maria Lopez").await["unread_count"],
        1
    );
}

#[tokio::test]
async fn a_redelivery_is_stored_once() {
    let inbox = Inbox::new().await;
    for _ in 0..3 {
        inbox.deliver(&fixture("text-message.json")).await;
    }
    inbox.deliver(&fixture("batched.json")).await;
    inbox.deliver(&fixture("batched.json")).await;
    let maria = inbox.conversation_named("Maria Lopez").await;
    assert_eq!(maria["unread_count"], 1);
    assert_eq!(inbox.messages(maria["id"].as_str().unwrap()).await.len(), 1);
    assert_eq!(inbox.conversation_named("Ken Ito").await["unread_count"], 2);
    assert_eq!(inbox.stored_message_count().await, 3);
}

/// Holds what the delivery writer needs before it can commit (`SQLite`'s write lock, the
/// project's event lock on `PostgreSQL`) until the transaction answered is ended, so that
/// deliveries posted meanwhile queue up and are written together.
async fn hold_the_writer(inbox: &Inbox) -> quire_store::Tx<'static> {
    let store = inbox.app.store();
    let mut tx = store.begin().await.unwrap();
    if store.backend() == quire_store::Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(20805, hashtext($1))")
            .bind(&inbox.project_id)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx
}

/// Makes the database refuse to store a message whose text is `text`, as it may refuse what
/// one delivery holds.
async fn refuse_messages_reading(inbox: &Inbox, text: &str) {
    let store = inbox.app.store();
    let statements = match store.backend() {
        quire_store::Backend::Sqlite => vec![format!(
            "CREATE TRIGGER refuse_for_the_test BEFORE INSERT ON messages WHEN new.body = '{text}' \
             BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
        )],
        quire_store::Backend::Postgres => vec![
            format!(
                "CREATE FUNCTION refuse_for_the_test() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN IF NEW.body = '{text}' THEN RAISE EXCEPTION 'refused for the test'; END IF; \
                 RETURN NEW; END $$"
            ),
            "CREATE TRIGGER refuse_for_the_test BEFORE INSERT ON messages FOR EACH ROW \
             EXECUTE FUNCTION refuse_for_the_test()"
                .to_owned(),
        ],
    };
    for statement in statements {
        sqlx::raw_sql(&statement)
            .execute(store.pool())
            .await
            .unwrap();
    }
}

/// Posts `bodies` at once while the writer is held, so that they are written together.
async fn post_together(inbox: &Inbox, bodies: &[Vec<u8>]) -> Vec<TestResponse> {
    let held = hold_the_writer(inbox).await;
    let signatures: Vec<String> = bodies.iter().map(|b| sign(APP_SECRET, b)).collect();
    let posted = futures::future::join_all(
        bodies
            .iter()
            .zip(&signatures)
            .map(|(body, signature)| inbox.deliver_signed(body, Some(signature))),
    );
    let release = async {
        // Long enough for every delivery to queue behind the held lock.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        held.commit().await.unwrap();
    };
    let (answers, ()) = tokio::join!(posted, release);
    answers
}

#[tokio::test]
async fn deliveries_written_together_are_each_answered_and_one_refused_fails_alone() {
    for database in TestDatabase::all().await {
        let inbox = Inbox::with_database(database, ServerConfig::local(8787, 8788)).await;
        refuse_messages_reading(&inbox, "Refuse me").await;
        let senders = [
            ("14155550001", "Ana", "Hello"),
            ("14155550002", "Ben", "Refuse me"),
            ("14155550003", "Caro", "Where is my order?"),
            ("14155550001", "Ana", "Still there?"),
            ("14155550004", "Dev", "Thanks"),
        ];
        let bodies: Vec<Vec<u8>> = senders
            .iter()
            .enumerate()
            .map(|(n, (wa_id, name, text))| {
                text_delivery(&[(
                    wa_id,
                    name,
                    &format!("wamid.together{n}"),
                    1_764_844_800 + i64::try_from(n).unwrap(),
                    text,
                )])
            })
            .collect();
        let answers = post_together(&inbox, &bodies).await;
        let statuses: Vec<StatusCode> = answers.iter().map(|a| a.status).collect();
        assert_eq!(
            statuses,
            [
                StatusCode::OK,
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::OK,
                StatusCode::OK,
                StatusCode::OK
            ],
            "{:?}",
            answers.iter().map(TestResponse::text).collect::<Vec<_>>()
        );
        let ana = inbox.conversation_named("Ana").await;
        assert_eq!(ana["unread_count"], 2);
        assert_eq!(ana["last_message_preview"], "Still there?");
        assert_eq!(inbox.conversation_named("Caro").await["unread_count"], 1);
        assert_eq!(inbox.conversation_named("Dev").await["unread_count"], 1);
        assert!(
            inbox
                .conversations("")
                .await
                .iter()
                .all(|c| c["contact_name"] != "Ben"),
            "the refused delivery left nothing"
        );
        assert_eq!(inbox.stored_message_count().await, 4);
        let created = inbox
            .app
            .store()
            .events_after(&inbox.project_id, 0, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|event| event.kind == "message.created")
            .count();
        assert_eq!(
            created, 4,
            "one event per stored message, none for the refused one"
        );
    }
}

/// A batch written in multi-row statements: a wamid twice in it is stored once (both
/// deliveries answered), a contact named by its business-scoped id in one delivery and by its
/// number as well in another is one conversation, and a status of a reply comes through with
/// the contact's new message.
#[tokio::test]
async fn a_batch_stores_a_wamid_once_and_a_contact_as_one_conversation() {
    for database in TestDatabase::all().await {
        let inbox = Inbox::with_database(database, ServerConfig::local(8787, 8788)).await;
        inbox
            .deliver(&text_delivery(&[(
                "14155550001",
                "Ana",
                "wamid.before",
                1_764_844_800,
                "Hello",
            )]))
            .await;
        let ana = inbox.conversation_named("Ana").await;
        let reply = sent_reply(&inbox, ana["id"].as_str().unwrap(), "wamid.reply").await;
        let hidden = |wa_id: Option<&str>, wamid: &str| {
            let mut contact = json!({ "profile": { "name": "Fox" }, "user_id": "US.fox" });
            let mut message = json!({ "from_user_id": "US.fox", "id": wamid,
                "timestamp": "1764844810", "type": "text", "text": { "body": wamid } });
            if let Some(wa_id) = wa_id {
                contact["wa_id"] = json!(wa_id);
                message["from"] = json!(wa_id);
            }
            super::delivery(json!({ "contacts": [contact], "messages": [message] }))
        };
        let bodies = vec![
            text_delivery(&[("14155550001", "Ana", "wamid.twice", 1_764_844_801, "Again")]),
            hidden(None, "wamid.fox1"),
            text_delivery(&[("14155550001", "Ana", "wamid.twice", 1_764_844_801, "Again")]),
            status_delivery(&[("wamid.reply", "read", "1764844811")]),
            hidden(Some("15145550199"), "wamid.fox2"),
            text_delivery(&[("14155550001", "Ana", "wamid.before", 1_764_844_800, "Hello")]),
        ];
        let before = inbox
            .app
            .store()
            .latest_event_id(&inbox.project_id)
            .await
            .unwrap();
        let answers = post_together(&inbox, &bodies).await;
        for answer in &answers {
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        }
        let ana = inbox.conversation_named("Ana").await;
        assert_eq!(ana["unread_count"], 2, "wamid.before and wamid.twice");
        assert_eq!(ana["last_message_preview"], "Again");
        let fox: Vec<Value> = inbox
            .conversations("")
            .await
            .into_iter()
            .filter(|c| c["contact_name"] == "Fox")
            .collect();
        assert_eq!(fox.len(), 1, "{fox:?}");
        assert_eq!(fox[0]["unread_count"], 2);
        assert_eq!(fox[0]["phone_number"], "15145550199");
        // Ana's two inbound messages and the reply, Fox's two.
        assert_eq!(inbox.stored_message_count().await, 5);
        let reply = inbox
            .app
            .store()
            .message(&inbox.project_id, &reply)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reply.status, quire_store::MessageStatus::Read);
        let events = inbox
            .app
            .store()
            .events_after(&inbox.project_id, before, 100)
            .await
            .unwrap();
        let count = |kind: &str| events.iter().filter(|e| e.kind == kind).count();
        assert_eq!(count("message.created"), 3, "one per message stored now");
        assert_eq!(count("message.updated"), 1, "the reply read");
    }
}

#[tokio::test]
async fn an_older_message_arriving_late_counts_but_keeps_the_preview() {
    let inbox = Inbox::new().await;
    inbox
        .deliver(&text_delivery(&[(
            "14155550123",
            "Maria Lopez",
            "wamid.new",
            1_764_844_900,
            "Second",
        )]))
        .await;
    inbox
        .deliver(&text_delivery(&[(
            "14155550123",
            "Maria Lopez",
            "wamid.old",
            1_764_844_800,
            "First",
        )]))
        .await;
    let maria = inbox.conversation_named("Maria Lopez").await;
    assert_eq!(maria["last_message_preview"], "Second");
    assert_eq!(maria["unread_count"], 2);
    let thread = inbox.messages(maria["id"].as_str().unwrap()).await;
    let bodies: Vec<&Value> = thread.iter().map(|m| &m["body"]).collect();
    assert_eq!(
        bodies,
        [&json!("Second"), &json!("First")],
        "by WhatsApp's time"
    );
}

#[tokio::test]
async fn a_delivery_without_the_right_signature_is_401_and_stores_nothing() {
    let inbox = Inbox::new().await;
    let body = fixture("text-message.json");
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("order #1042", "order #9999")
        .into_bytes();
    let cases: [(&[u8], Option<String>); 6] = [
        (&body, None),
        (&body, Some(sign("another-secret", &body))),
        (&tampered, Some(sign(APP_SECRET, &body))),
        (
            &body,
            Some(sign(APP_SECRET, &body).replace("sha256=", "sha1=")),
        ),
        (&body, Some("sha256=".to_owned())),
        (b"{not json", Some(sign("another-secret", b"{not json"))),
    ];
    for (sent, signature) in cases {
        let response = inbox.deliver_signed(sent, signature.as_deref()).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "{signature:?}: {}",
            response.text()
        );
        assert_eq!(response.error_code(), "invalid_signature");
        assert!(
            response.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("X-Hub-Signature-256")
        );
    }
    // A project that does not exist answers as one with other secrets.
    let unknown = inbox
        .app
        .send(
            Request::post("/api/v1/projects/nope/webhooks/whatsapp")
                .header("x-hub-signature-256", sign(APP_SECRET, &body))
                .body(Body::from(body.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(inbox.conversations("").await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn a_malformed_delivery_is_400_and_stores_nothing() {
    let inbox = Inbox::new().await;
    // The first change is fine, the second is not Meta's: the whole delivery is refused.
    let mut half_good: Value = serde_json::from_slice(&fixture("batched.json")).unwrap();
    half_good["entry"][0]["changes"][1]["value"]["messages"][0]
        .as_object_mut()
        .unwrap()
        .remove("id");
    let no_sender = json!({
        "object": "whatsapp_business_account",
        "entry": [{ "changes": [{ "field": "messages", "value": {
            "metadata": { "phone_number_id": super::NUMBER_ID },
            "messages": [{ "id": "wamid.x", "timestamp": "1", "type": "text", "text": { "body": "who?" } }],
        }}]}],
    });
    let cases: [(Vec<u8>, &str); 6] = [
        (b"{not json".to_vec(), "not JSON"),
        (b"[]".to_vec(), "not a WhatsApp Business delivery"),
        (
            br#"{"object":"page","entry":[]}"#.to_vec(),
            "whatsapp_business_account",
        ),
        (
            serde_json::to_vec(&half_good).unwrap(),
            "entry[0].changes[1].value",
        ),
        (serde_json::to_vec(&no_sender).unwrap(), "names no sender"),
        (
            String::from_utf8(fixture("text-message.json"))
                .unwrap()
                .replace("\"1764844800\"", "\"yesterday\"")
                .into_bytes(),
            "timestamp",
        ),
    ];
    for (body, expected) in cases {
        let response = inbox
            .deliver_signed(&body, Some(&sign(APP_SECRET, &body)))
            .await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{expected}: {}",
            response.text()
        );
        assert_eq!(response.error_code(), "invalid_delivery");
        let message = response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            message.contains(expected) && message.contains("nothing was stored"),
            "{message}"
        );
    }
    assert!(inbox.conversations("").await.is_empty(), "nothing stored");
    assert_eq!(
        inbox.connection_now().await["last_delivery_at"],
        Value::Null
    );
}

#[tokio::test]
async fn the_handshake_echoes_the_challenge_for_the_verify_token_only() {
    let inbox = Inbox::new().await;
    let token = inbox.connection["verify_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 32, "{token}");
    let handshake = |project: &str, query: String| {
        Request::get(format!(
            "/api/v1/projects/{project}/webhooks/whatsapp?{query}"
        ))
        .body(Body::empty())
        .unwrap()
    };
    let ok = inbox
        .app
        .send(handshake(
            "p",
            format!("hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"),
        ))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.text(), "1158201444");
    assert!(ok.header("content-type").unwrap().starts_with("text/plain"));
    let by_id = inbox
        .app
        .send(handshake(
            &inbox.project_id,
            format!("hub.mode=subscribe&hub.verify_token={token}&hub.challenge=7"),
        ))
        .await;
    assert_eq!(by_id.text(), "7");

    for (project, query) in [
        (
            "p",
            "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1".to_owned(),
        ),
        (
            "p",
            format!("hub.mode=unsubscribe&hub.verify_token={token}&hub.challenge=1"),
        ),
        ("p", "hub.mode=subscribe&hub.challenge=1".to_owned()),
        (
            "nope",
            format!("hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1"),
        ),
    ] {
        let refused = inbox.app.send(handshake(project, query.clone())).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{project} {query}");
        assert!(
            !refused.text().contains(&token),
            "the token is never echoed"
        );
    }
    let no_challenge = inbox
        .app
        .send(handshake(
            "p",
            format!("hub.mode=subscribe&hub.verify_token={token}"),
        ))
        .await;
    assert_eq!(no_challenge.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_delivery_notes_when_the_number_last_delivered() {
    let inbox = Inbox::new().await;
    inbox.deliver(&fixture("text-message.json")).await;
    let connection = inbox.connection_now().await;
    assert!(connection["last_delivery_at"].is_string(), "{connection}");
}

/// Two deliveries at once touching the same conversations and replies in opposite orders,
/// and each with the same two messages of one contact in opposite orders (a redelivery), on
/// both backends. A writer that locked rows in the order of the payload deadlocked here on
/// `PostgreSQL` (which then fails one of the two deliveries) in about every other round.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_in_opposite_orders_at_once_both_commit() {
    const CONTACTS: usize = 6;
    const ROUNDS: usize = 20;
    for database in TestDatabase::all().await {
        let inbox = Inbox::with_database(database, ServerConfig::local(8787, 8788)).await;
        let wa_id = |contact: usize| format!("1415555{contact:04}");
        let message = |contact: usize, wamid: String| {
            json!({ "from": wa_id(contact), "id": wamid, "timestamp": "1764845000",
                    "type": "text", "text": { "body": "Any news?" } })
        };
        let profiles: Vec<Value> = (0..CONTACTS)
            .map(|i| json!({ "profile": { "name": format!("Contact {i}") }, "wa_id": wa_id(i) }))
            .collect();
        // The conversations exist already, as they mostly do.
        let first: Vec<Value> = (0..CONTACTS)
            .map(|i| message(i, format!("wamid.first.{i}")))
            .collect();
        inbox
            .deliver(&super::delivery(
                json!({ "contacts": profiles, "messages": first }),
            ))
            .await;
        let mut conversation_ids = Vec::new();
        for i in 0..CONTACTS {
            let found = inbox.conversation_named(&format!("Contact {i}")).await;
            conversation_ids.push(found["id"].as_str().unwrap().to_owned());
        }

        for round in 0..ROUNDS {
            // A reply to every contact, whose statuses both deliveries carry.
            let reply_wamid = |i: usize| format!("wamid.reply.{round}.{i}");
            for (i, conversation_id) in conversation_ids.iter().enumerate() {
                sent_reply(&inbox, conversation_id, &reply_wamid(i)).await;
            }
            let delivery = |name: &str, order: &[usize], pair: [&str; 2], status: &str| {
                // The pair first: no other message of the contact locks its conversation before.
                let mut messages: Vec<Value> = pair
                    .iter()
                    .map(|x| message(0, format!("wamid.pair.{round}.{x}")))
                    .collect();
                messages.extend(
                    order
                        .iter()
                        .map(|&i| message(i, format!("wamid.{name}.{round}.{i}"))),
                );
                let statuses: Vec<Value> = order
                    .iter()
                    .map(|&i| json!({ "id": reply_wamid(i), "status": status, "timestamp": "1764845001", "recipient_id": wa_id(i) }))
                    .collect();
                super::delivery(
                    json!({ "contacts": profiles, "messages": messages, "statuses": statuses }),
                )
            };
            let forward: Vec<usize> = (0..CONTACTS).collect();
            let backward: Vec<usize> = (0..CONTACTS).rev().collect();
            let one = delivery("one", &forward, ["x", "y"], "delivered");
            let other = delivery("other", &backward, ["y", "x"], "read");
            let (one_signed, other_signed) = (sign(APP_SECRET, &one), sign(APP_SECRET, &other));
            let (one, other) = tokio::join!(
                inbox.deliver_signed(&one, Some(&one_signed)),
                inbox.deliver_signed(&other, Some(&other_signed)),
            );
            for response in [one, other] {
                assert_eq!(
                    response.status,
                    StatusCode::OK,
                    "round {round}: {}",
                    response.text()
                );
            }
            for i in 0..CONTACTS {
                let reply = message_by_wamid(&inbox, &reply_wamid(i)).await;
                assert_eq!(
                    reply.status,
                    quire_store::MessageStatus::Read,
                    "round {round}"
                );
            }
        }
        for (i, conversation_id) in conversation_ids.iter().enumerate() {
            // The first message, then per round one from each delivery, a reply, and the
            // pair (contact 0).
            let pairs = if i == 0 { 2 * ROUNDS } else { 0 };
            let stored = inbox
                .app
                .store()
                .messages(conversation_id, None, 1000)
                .await
                .unwrap();
            assert_eq!(stored.len(), 1 + 3 * ROUNDS + pairs, "contact {i}");
        }
    }
}
