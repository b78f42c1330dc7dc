//! WhatsApp connections: what their view shows (never a secret), the checks on their fields,
//! changes and deletion with audit entries, and the test event.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{ACCESS_TOKEN, APP_SECRET, Inbox, NUMBER_ID};

#[tokio::test]
async fn a_connection_shows_what_meta_needs_and_never_its_secrets() {
    let inbox = Inbox::new().await;
    let connection = &inbox.connection;
    assert_eq!(connection["name"], "Support");
    assert_eq!(connection["phone_number_id"], NUMBER_ID);
    assert_eq!(connection["display_phone_number"], "15550783881");
    assert_eq!(connection["has_access_token"], true);
    assert_eq!(
        connection["webhook_url"],
        format!(
            "http://127.0.0.1:8787/api/v1/projects/{}/webhooks/whatsapp",
            inbox.project_id
        )
    );
    let token = connection["verify_token"].as_str().unwrap();
    assert!(
        token.len() == 32
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{token}"
    );
    let owner = inbox.as_("owner@example.com").await;
    let listed = owner.get("/api/v1/projects/p/whatsapp/connections").await;
    assert_eq!(listed.json()["connections"][0], *connection);
    for text in [connection.to_string(), listed.text()] {
        assert!(
            !text.contains(APP_SECRET) && !text.contains(ACCESS_TOKEN),
            "{text}"
        );
    }

    let again = owner
        .post(
            "/api/v1/projects/p/whatsapp/connections",
            &json!({ "name": "Twice", "phone_number_id": NUMBER_ID, "app_secret": "x" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text().contains(NUMBER_ID), "{}", again.text());

    let member = inbox.as_("member@example.com").await;
    assert_eq!(
        member
            .get("/api/v1/projects/p/whatsapp/connections")
            .await
            .status,
        StatusCode::FORBIDDEN,
        "members do not see verify tokens"
    );
}

#[tokio::test]
async fn bad_fields_are_named() {
    let inbox = Inbox::new().await;
    let owner = inbox.as_("owner@example.com").await;
    let base =
        json!({ "name": "Sales", "phone_number_id": "106540352242999", "app_secret": "s3cret" });
    let with = |field: &str, value: Value| {
        let mut body = base.clone();
        body[field] = value;
        body
    };
    let cases = [
        (
            with("phone_number_id", json!("+1 555 0100")),
            "phone_number_id",
        ),
        (
            with("phone_number_id", json!("../../me")),
            "phone_number_id",
        ),
        (with("app_secret", json!("")), "app_secret"),
        (with("app_secret", json!("has space")), "app_secret"),
        (
            with("access_token", json!("x".repeat(5000))),
            "access_token",
        ),
        (
            with("display_phone_number", json!("call me")),
            "display_phone_number",
        ),
        (with("name", json!("\u{202E}evil")), "name"),
    ];
    for (body, field) in cases {
        let refused = owner
            .post("/api/v1/projects/p/whatsapp/connections", &body)
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            refused.json()["error"]["details"]["field"],
            field,
            "{}",
            refused.text()
        );
        assert!(!refused.text().contains("s3cret"));
    }
    let nothing = owner
        .patch(
            &format!(
                "/api/v1/projects/p/whatsapp/connections/{}",
                inbox.connection["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);
    assert!(nothing.text().contains("nothing to change"));
}

#[tokio::test]
async fn changes_and_deletion_are_audited_without_secrets() {
    let inbox = Inbox::new().await;
    let owner = inbox.as_("owner@example.com").await;
    let path = format!(
        "/api/v1/projects/p/whatsapp/connections/{}",
        inbox.connection["id"].as_str().unwrap()
    );
    let changed = owner
        .patch(
            &path,
            &json!({ "name": "Sales", "app_secret": "rotated-secret" }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    assert_eq!(changed.json()["name"], "Sales");
    assert_eq!(
        changed.json()["verify_token"],
        inbox.connection["verify_token"],
        "kept"
    );

    // Deliveries are now checked against the new secret.
    let body = super::fixture("text-message.json");
    let old = inbox
        .deliver_signed(
            &body,
            Some(&quire_server::inbox::signature::sign(APP_SECRET, &body)),
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = inbox
        .deliver_signed(
            &body,
            Some(&quire_server::inbox::signature::sign(
                "rotated-secret",
                &body,
            )),
        )
        .await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.text());

    assert_eq!(owner.delete(&path).await.status, StatusCode::NO_CONTENT);
    assert_eq!(owner.delete(&path).await.status, StatusCode::NOT_FOUND);

    let audit = owner.get("/api/v1/projects/p/audit?action=whatsapp.").await;
    let entries = audit.json();
    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "whatsapp.connection_delete",
            "whatsapp.connection_update",
            "whatsapp.connection_create"
        ]
    );
    assert_eq!(
        entries[1]["details"]["changed"],
        json!(["name", "app_secret"])
    );
    let text = audit.text();
    assert!(
        !text.contains("rotated-secret")
            && !text.contains(APP_SECRET)
            && !text.contains(ACCESS_TOKEN)
    );
}

#[tokio::test]
async fn a_test_event_arrives_like_a_delivery() {
    let inbox = Inbox::new().await;
    let owner = inbox.as_("owner@example.com").await;
    let path = format!(
        "/api/v1/projects/p/whatsapp/connections/{}/test-event",
        inbox.connection["id"].as_str().unwrap()
    );
    let sent = owner.post(&path, &json!({})).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
    let ids = sent.json();
    let conversation = inbox.conversation_named("Quire test").await;
    assert_eq!(conversation["id"], ids["conversation_id"]);
    assert_eq!(conversation["phone_number"], "15550000000");
    assert_eq!(conversation["unread_count"], 1);
    let thread = inbox.messages(conversation["id"].as_str().unwrap()).await;
    assert_eq!(thread[0]["id"], ids["message_id"]);
    assert!(thread[0]["body"].as_str().unwrap().contains("test event"));
    assert!(thread[0]["wamid"].as_str().unwrap().starts_with("wamid."));

    // A second test event is a second message in the same conversation.
    let again = owner.post(&path, &json!({})).await.json();
    assert_eq!(again["conversation_id"], ids["conversation_id"]);
    assert_ne!(again["message_id"], ids["message_id"]);
    assert!(inbox.connection_now().await["last_delivery_at"].is_string());
}
