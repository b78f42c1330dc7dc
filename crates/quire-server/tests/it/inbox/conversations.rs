//! The conversation list (keyset pages, search, filters), reading, metadata and who may edit
//! it, and the page context of a conversation.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Inbox, fixture, text_delivery};

/// 35 contacts, each with one message a minute apart; contact `n` is "Contact n" at
/// `+1 415 555 01nn`, and says "order n".
async fn inbox_with_35() -> Inbox {
    let inbox = Inbox::new().await;
    let numbers: Vec<String> = (0..35).map(|n| format!("141555501{n:02}")).collect();
    let names: Vec<String> = (0..35).map(|n| format!("Contact {n}")).collect();
    let wamids: Vec<String> = (0..35).map(|n| format!("wamid.bulk.{n}")).collect();
    let texts: Vec<String> = (0..35).map(|n| format!("About order {n}")).collect();
    let messages: Vec<(&str, &str, &str, i64, &str)> = (0..35)
        .map(|n| {
            (
                numbers[n].as_str(),
                names[n].as_str(),
                wamids[n].as_str(),
                1_764_840_000 + 60 * i64::try_from(n).unwrap(),
                texts[n].as_str(),
            )
        })
        .collect();
    inbox.deliver(&text_delivery(&messages)).await;
    inbox
}

fn names(conversations: &[Value]) -> Vec<String> {
    conversations
        .iter()
        .map(|c| c["contact_name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_list_pages_newest_first_thirty_at_a_time() {
    let inbox = inbox_with_35().await;
    let member = inbox.as_("member@example.com").await;
    let first = member.get("/api/v1/projects/p/conversations").await.json();
    let first_page = first["conversations"].as_array().unwrap();
    assert_eq!(first_page.len(), 30);
    assert_eq!(first_page[0]["contact_name"], "Contact 34");
    assert_eq!(first_page[29]["contact_name"], "Contact 5");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = member
        .get(&format!("/api/v1/projects/p/conversations?cursor={cursor}"))
        .await
        .json();
    assert_eq!(
        names(second["conversations"].as_array().unwrap()),
        [
            "Contact 4",
            "Contact 3",
            "Contact 2",
            "Contact 1",
            "Contact 0"
        ]
    );
    assert_eq!(second["next_cursor"], Value::Null);

    // A page of exactly the rest ends the list too.
    let seven = member
        .get("/api/v1/projects/p/conversations?limit=7")
        .await
        .json();
    let mut cursor = seven["next_cursor"].as_str().unwrap().to_owned();
    let mut listed = 7;
    loop {
        let page = member
            .get(&format!(
                "/api/v1/projects/p/conversations?limit=7&cursor={cursor}"
            ))
            .await
            .json();
        listed += page["conversations"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(listed, 35);

    for bad in [
        "?limit=0",
        "?limit=101",
        "?cursor=nonsense",
        "?unread=maybe",
        "?sort=name",
    ] {
        let refused = member
            .get(&format!("/api/v1/projects/p/conversations{bad}"))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            refused.text()
        );
    }
}

#[tokio::test]
async fn search_and_filters_narrow_the_list() {
    let inbox = inbox_with_35().await;
    inbox.deliver(&fixture("bsuid-message.json")).await;
    let search = |q: &str| {
        let q = q.replace(' ', "%20").replace('+', "%2B");
        let inbox = &inbox;
        async move { names(&inbox.conversations(&format!("?limit=100&q={q}")).await) }
    };
    assert_eq!(search("contact 7").await, ["Contact 7"]);
    assert_eq!(
        search("+1 415 555 0112").await,
        ["Contact 12"],
        "a number as people write it"
    );
    assert_eq!(search("55501").await.len(), 35, "any part of a number");
    assert_eq!(search("order 33").await, ["Contact 33"], "message text");
    assert_eq!(search("quietf").await, ["quietfox"], "a username");
    assert_eq!(search("canada").await, ["quietfox"]);
    assert!(search("nobody").await.is_empty());
    assert_eq!(search("   ").await.len(), 36, "a blank search is no search");

    // Reading one conversation takes it out of the unread filter.
    let member = inbox.as_("member@example.com").await;
    let seven = inbox.conversation_named("Contact 7").await;
    let read = member
        .post(
            &format!(
                "/api/v1/projects/p/conversations/{}/read",
                seven["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json()["unread_count"], 0);
    let unread = inbox.conversations("?unread=true&limit=100").await;
    assert_eq!(unread.len(), 35);
    assert!(!names(&unread).contains(&"Contact 7".to_owned()));
    assert_eq!(
        inbox
            .conversations("?unread=true&q=contact%207")
            .await
            .len(),
        0
    );

    let connection = inbox.connection["id"].as_str().unwrap();
    assert_eq!(
        inbox
            .conversations(&format!("?connection={connection}&limit=100"))
            .await
            .len(),
        36
    );
    assert!(inbox.conversations("?connection=another").await.is_empty());

    let got = member
        .get(&format!(
            "/api/v1/projects/p/conversations/{}",
            seven["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json()["contact_name"], "Contact 7");
    assert_eq!(
        member
            .get("/api/v1/projects/p/conversations/nope")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_thread_pages_back_in_time() {
    let inbox = Inbox::new().await;
    let texts: Vec<String> = (0..5).map(|n| format!("message {n}")).collect();
    let wamids: Vec<String> = (0..5).map(|n| format!("wamid.thread.{n}")).collect();
    for n in 0..5 {
        inbox
            .deliver(&text_delivery(&[(
                "14155550123",
                "Maria Lopez",
                &wamids[n],
                1_764_840_000 + i64::try_from(n).unwrap(),
                &texts[n],
            )]))
            .await;
    }
    let maria = inbox.conversation_named("Maria Lopez").await;
    let member = inbox.as_("member@example.com").await;
    let path = format!(
        "/api/v1/projects/p/conversations/{}/messages",
        maria["id"].as_str().unwrap()
    );
    let first = member.get(&format!("{path}?limit=3")).await.json();
    let bodies = |page: &Value| -> Vec<String> {
        page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["body"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(bodies(&first), ["message 4", "message 3", "message 2"]);
    let before = first["next_cursor"].as_str().unwrap();
    let second = member
        .get(&format!("{path}?limit=3&before={before}"))
        .await
        .json();
    assert_eq!(bodies(&second), ["message 1", "message 0"]);
    assert_eq!(second["next_cursor"], Value::Null);
}

#[tokio::test]
async fn owners_and_admins_edit_metadata_members_read_it() {
    let inbox = Inbox::new().await;
    inbox.deliver(&fixture("text-message.json")).await;
    let maria = inbox.conversation_named("Maria Lopez").await;
    assert_eq!(maria["metadata"], json!({}));
    let path = format!(
        "/api/v1/projects/p/conversations/{}",
        maria["id"].as_str().unwrap()
    );
    let metadata = json!({ "tier": "gold", "orders": [1042], "note": "prefers mornings" });

    let member = inbox.as_("member@example.com").await;
    let refused = member.patch(&path, &json!({ "metadata": metadata })).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    for editor in ["admin@example.com", "owner@example.com"] {
        let client = inbox.as_(editor).await;
        let edited = client.patch(&path, &json!({ "metadata": metadata })).await;
        assert_eq!(edited.status, StatusCode::OK, "{editor}: {}", edited.text());
        assert_eq!(edited.json()["metadata"], metadata);
    }
    assert_eq!(member.get(&path).await.json()["metadata"], metadata);

    let owner = inbox.as_("owner@example.com").await;
    for (bad, field) in [
        (json!({ "metadata": [1, 2] }), "metadata"),
        (
            json!({ "metadata": { "big": "x".repeat(16 * 1024) } }),
            "metadata",
        ),
    ] {
        let refused = owner.patch(&path, &bad).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{}",
            refused.text()
        );
        assert_eq!(refused.json()["error"]["details"]["field"], field);
    }
    assert_eq!(
        owner.get(&path).await.json()["metadata"],
        metadata,
        "unchanged"
    );

    let audit = owner
        .get("/api/v1/projects/p/audit?action=conversation.")
        .await
        .json();
    assert_eq!(audit.as_array().unwrap().len(), 2);
    assert_eq!(audit[0]["action"], "conversation.metadata_update");
    assert_eq!(
        audit[0]["details"],
        json!({ "keys": ["note", "orders", "tier"] })
    );
    assert!(
        !audit.to_string().contains("prefers mornings"),
        "values stay out of the log"
    );
}

/// Adds to project `slug` the published page "card" mounted in the inbox sidebar (its artifact
/// stored directly: the frame route does not compile).
async fn mounted_page(inbox: &Inbox, project_id: &str) {
    let store = inbox.app.store();
    let owner = store.find_user("owner@example.com").await.unwrap().unwrap();
    let version = quire_store::NewPageVersion::new("export {};", &BTreeMap::new(), &json!([]))
        .with_artifact(quire_store::NewArtifact {
            sha256: "0000000000000000000000000000000000000000000000000000000000000002",
            html: "<!doctype html><div id=\"root\"></div>",
        });
    let new = quire_store::NewPage {
        project_id,
        name: "Card",
        slug: "card",
        description: "",
        inbox_mount: true,
    };
    let (page, _) = store
        .create_page(&new, Some(&version), &owner.id)
        .await
        .unwrap();
    store.publish_page(&page.id, 1, &owner.id).await.unwrap();
}

#[tokio::test]
async fn a_frame_beside_a_conversation_gets_it_as_context() {
    let inbox = Inbox::new().await;
    mounted_page(&inbox, &inbox.project_id).await;
    inbox.deliver(&fixture("text-message.json")).await;
    let maria = inbox.conversation_named("Maria Lopez").await;
    let owner = inbox.as_("owner@example.com").await;
    let path = format!(
        "/api/v1/projects/p/conversations/{}",
        maria["id"].as_str().unwrap()
    );
    owner
        .patch(&path, &json!({ "metadata": { "tier": "gold" } }))
        .await;

    let member = inbox.as_("member@example.com").await;
    let frame = member
        .post(
            "/api/v1/projects/p/pages/card/frame",
            &json!({ "mode": "regular", "conversation_id": maria["id"] }),
        )
        .await;
    assert_eq!(frame.status, StatusCode::OK, "{}", frame.text());
    let context = &frame.json()["context"];
    assert_eq!(
        context["context"]["conversation"],
        json!({
            "id": maria["id"],
            "phoneNumber": "14155550123",
            "whatsappContactId": "14155550123",
            "whatsappConfigId": inbox.connection["id"],
            "whatsappPhoneNumberId": super::NUMBER_ID,
            "contactName": "Maria Lopez",
        })
    );
    assert_eq!(context["metadata"], json!({ "tier": "gold" }));
    assert_eq!(
        context["system"]["mountPoint"],
        "inbox_conversation_sidebar"
    );

    let alone = member
        .post(
            "/api/v1/projects/p/pages/card/frame",
            &json!({ "mode": "regular" }),
        )
        .await
        .json();
    assert_eq!(alone["context"]["context"]["conversation"], Value::Null);
    assert_eq!(alone["context"]["metadata"], json!({}));

    // A conversation of another project is not found from this one.
    let owner_user = inbox
        .app
        .store()
        .find_user("owner@example.com")
        .await
        .unwrap()
        .unwrap();
    let other = inbox
        .app
        .store()
        .create_project("q", "Q", &owner_user.id)
        .await
        .unwrap();
    mounted_page(&inbox, &other.id).await;
    let elsewhere = owner
        .post(
            "/api/v1/projects/q/pages/card/frame",
            &json!({ "mode": "regular", "conversation_id": maria["id"] }),
        )
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::NOT_FOUND,
        "{}",
        elsewhere.text()
    );
    assert!(
        elsewhere.text().contains("no conversation"),
        "{}",
        elsewhere.text()
    );
}
