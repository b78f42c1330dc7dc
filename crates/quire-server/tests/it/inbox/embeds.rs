//! Embedded inboxes: owners and admins make, change and revoke them; an embed's token opens
//! the conversations of its scope, the mounted page's published version in `embedded` mode
//! and the event stream of its scope; its document may be framed only by its origins; a
//! revoked or expired embed stops at once; its calls are rate limited and its replies audited.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use quire_server::ServerConfig;
use quire_test_utils::{Auth, Client, TestResponse};
use serde_json::{Value, json};

use super::stand_in::StandIn;
use super::{Inbox, NUMBER_ID, SECOND_NUMBER_ID, fixture};
use crate::events::EventStream;

const EMBEDS: &str = "/api/v1/projects/p/inbox-embeds";

/// Creates an embed as the admin; answers the created body (`embed`, `token`, `url`).
async fn create(inbox: &Inbox, body: &Value) -> TestResponse {
    inbox
        .as_("admin@example.com")
        .await
        .post(EMBEDS, body)
        .await
}

/// An embed of `scope` (a phone number id, or every number), and a client holding its token.
async fn embed_client<'a>(inbox: &'a Inbox, scope: Option<&str>) -> (Value, Client<'a>) {
    let mut body = json!({ "name": "Help desk", "allowed_origins": ["http://127.0.0.1:4000"] });
    if let Some(scope) = scope {
        body["phone_number_id"] = json!(scope);
    }
    let created = create(inbox, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let created = created.json();
    let client = Client {
        app: &inbox.app,
        auth: Auth::Bearer(created["token"].as_str().unwrap().to_owned()),
    };
    (created, client)
}

/// Project "p" with both numbers connected and `batched.json` delivered: Ana Souza writes to
/// the second number, the others to the first.
async fn two_numbers(config: ServerConfig) -> Inbox {
    let inbox = Inbox::with_config(config).await;
    inbox.connect(SECOND_NUMBER_ID).await;
    inbox.deliver(&fixture("batched.json")).await;
    inbox
}

#[tokio::test]
async fn owners_and_admins_make_change_and_revoke_embeds() {
    let inbox = Inbox::new().await;
    let created = create(
        &inbox,
        &json!({
            "name": "Help desk",
            "phone_number_id": NUMBER_ID,
            "allowed_origins": ["https://Desk.Example.com/", "https://*.example.org"],
            "expires_in_days": 30,
            "theme": "dark",
        }),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let created = created.json();
    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("quire_embed_"), "{token}");
    assert_eq!(
        created["url"],
        format!("http://127.0.0.1:8787/embed/inbox?token={token}")
    );
    let embed = &created["embed"];
    assert_eq!(
        embed["allowed_origins"],
        json!(["https://desk.example.com", "https://*.example.org"])
    );
    assert_eq!(embed["status"], "active");
    assert_eq!(embed["theme"], "dark");
    assert_eq!(embed["phone_number_id"], NUMBER_ID);
    assert!(embed["expires_at"].is_string());

    // Members do not manage embeds; the list never shows a token again.
    let member = inbox.as_("member@example.com").await;
    assert_eq!(member.get(EMBEDS).await.status, StatusCode::FORBIDDEN);
    let owner = inbox.as_("owner@example.com").await;
    let listed = owner.get(EMBEDS).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.text().contains(token), "{}", listed.text());
    assert_eq!(listed.json()["embeds"][0]["id"], embed["id"]);

    let path = format!("{EMBEDS}/{}", embed["id"].as_str().unwrap());
    let changed = owner
        .patch(
            &path,
            &json!({ "allowed_origins": ["http://localhost:3000"], "expires_in_days": null }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    assert_eq!(
        changed.json()["allowed_origins"],
        json!(["http://localhost:3000"])
    );
    assert_eq!(changed.json()["expires_at"], Value::Null);
    assert_eq!(changed.json()["theme"], "dark", "what is not sent stays");
    assert_eq!(
        owner.patch(&path, &json!({})).await.status,
        StatusCode::BAD_REQUEST
    );

    let revoked = owner.delete(&path).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
    assert_eq!(revoked.json()["status"], "revoked");

    let audit = owner
        .get("/api/v1/projects/p/audit?action=inbox_embed.")
        .await
        .json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "inbox_embed.revoke",
            "inbox_embed.update",
            "inbox_embed.create"
        ]
    );
    assert!(!audit.to_string().contains(token));
}

#[tokio::test]
async fn what_is_wrong_with_an_embed_is_said_and_nothing_is_made() {
    let inbox = Inbox::new().await;
    let owner = inbox.as_("owner@example.com").await;
    // What is wrong is said, and nothing is made.
    for (body, field) in [
        (
            json!({ "name": "x", "allowed_origins": ["desk.example.com"] }),
            "is not an origin",
        ),
        (json!({ "name": "x", "allowed_origins": [] }), "1 to 20"),
        (
            json!({ "name": "x", "allowed_origins": ["https://*.com"] }),
            "is not an origin",
        ),
        (
            json!({ "name": "x", "allowed_origins": ["https://a.example"], "phone_number_id": "999" }),
            "no WhatsApp connection",
        ),
        (
            json!({ "name": "x", "allowed_origins": ["https://a.example"], "expires_in_days": 0 }),
            "expires_in_days",
        ),
    ] {
        let refused = create(&inbox, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(refused.text().contains(field), "{body}: {}", refused.text());
    }
    assert_eq!(owner.get(EMBEDS).await.json()["embeds"], json!([]));
}

#[tokio::test]
async fn an_embed_sees_only_the_conversations_of_its_number() {
    let inbox = two_numbers(ServerConfig::local(8787, 8788)).await;
    let ana = inbox.conversation_named("Ana Souza").await;
    let ken = inbox.conversation_named("Ken Ito").await;
    let (_, embed) = embed_client(&inbox, Some(NUMBER_ID)).await;

    let listed = embed.get("/api/v1/projects/p/conversations").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    let listed = listed.json()["conversations"].as_array().unwrap().clone();
    assert!(!listed.is_empty());
    assert!(
        listed
            .iter()
            .all(|c| c["whatsapp_phone_number_id"] == NUMBER_ID)
    );
    assert!(listed.iter().any(|c| c["id"] == ken["id"]));
    let searched = embed
        .get("/api/v1/projects/p/conversations?q=Ana")
        .await
        .json();
    assert_eq!(
        searched["conversations"],
        json!([]),
        "a search stays in scope"
    );

    let ana_path = format!(
        "/api/v1/projects/p/conversations/{}",
        ana["id"].as_str().unwrap()
    );
    for path in [ana_path.clone(), format!("{ana_path}/messages")] {
        let hidden = embed.get(&path).await;
        assert_eq!(
            hidden.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            hidden.text()
        );
    }
    let ken_path = format!(
        "/api/v1/projects/p/conversations/{}",
        ken["id"].as_str().unwrap()
    );
    assert_eq!(
        embed.get(&format!("{ken_path}/messages")).await.status,
        StatusCode::OK
    );
    let read = embed.post(&format!("{ken_path}/read"), &json!({})).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text());
    assert_eq!(read.json()["unread_count"], 0);

    // Metadata is for owners and admins, signed in; the embed is told so.
    let metadata = embed
        .patch(&ken_path, &json!({ "metadata": { "tier": "gold" } }))
        .await;
    assert_eq!(metadata.status, StatusCode::FORBIDDEN);
    assert!(
        metadata.text().contains("embedded inbox"),
        "{}",
        metadata.text()
    );

    // It knows what it shows; a member asking the same is told it is not an embed.
    let session = embed.get("/api/v1/embed").await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.text());
    let session = session.json();
    assert_eq!(session["project"]["slug"], "p");
    assert_eq!(session["phone_number_id"], NUMBER_ID);
    assert_eq!(session["theme"], "system");
    assert_eq!(session["page"], Value::Null, "no page is mounted");
    let member = inbox.as_("member@example.com").await;
    assert_eq!(
        member.get("/api/v1/embed").await.status,
        StatusCode::FORBIDDEN
    );

    // Another project is not found from it.
    let owner = inbox
        .app
        .store()
        .find_user("owner@example.com")
        .await
        .unwrap()
        .unwrap();
    inbox
        .app
        .store()
        .create_project("q", "Q", &owner.id)
        .await
        .unwrap();
    assert_eq!(
        embed.get("/api/v1/projects/q/conversations").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_embed_replies_in_its_name_on_the_message_and_in_the_audit_log() {
    let stand_in = StandIn::start().await;
    let mut config = ServerConfig::local(8787, 8788);
    config.whatsapp_api_url.clone_from(&stand_in.base_url);
    let inbox = Inbox::with_config(config).await;
    inbox.deliver(&fixture("text-message.json")).await;
    let maria = inbox.conversation_named("Maria Lopez").await;
    let (created, embed) = embed_client(&inbox, None).await;
    stand_in.answer_with("wamid.embed-reply");

    let sent = embed
        .post(
            &format!(
                "/api/v1/projects/p/conversations/{}/messages",
                maria["id"].as_str().unwrap()
            ),
            &json!({ "text": "Thanks, checking now" }),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text());
    assert_eq!(sent.json()["status"], "sent");
    assert_eq!(sent.json()["sent_by"], Value::Null, "no member sent it");
    assert_eq!(sent.json()["sent_via"], "Help desk", "the embed wrote it");
    assert_eq!(stand_in.sent().len(), 1);
    // The thread says so too, to the members who read it.
    let thread = inbox.messages(maria["id"].as_str().unwrap()).await;
    assert_eq!(thread[0]["id"], sent.json()["id"]);
    assert_eq!(thread[0]["sent_via"], "Help desk");
    // And the list, which names the embed as the last message's author.
    let listed = inbox.conversation_named("Maria Lopez").await;
    assert_eq!(listed["last_message_sent_via"], "Help desk");
    assert_eq!(listed["last_message_sent_by"], Value::Null);

    let owner = inbox.as_("owner@example.com").await;
    let audit = owner
        .get("/api/v1/projects/p/audit?action=inbox_embed.reply")
        .await
        .json();
    let entry = &audit[0];
    assert_eq!(entry["target"], maria["id"]);
    assert_eq!(entry["details"]["embed_id"], created["embed"]["id"]);
    assert_eq!(entry["details"]["embed_name"], "Help desk");
    assert_eq!(entry["details"]["message_id"], sent.json()["id"]);
}

/// Adds to "p" the page "card" mounted in the inbox (published, unless `publish` is false)
/// and the page "other" (published, not mounted).
async fn pages(inbox: &Inbox, publish: bool) {
    let store = inbox.app.store();
    let owner = store.find_user("owner@example.com").await.unwrap().unwrap();
    for (slug, mounted, sha256) in [
        (
            "card",
            true,
            "0000000000000000000000000000000000000000000000000000000000000003",
        ),
        (
            "other",
            false,
            "0000000000000000000000000000000000000000000000000000000000000004",
        ),
    ] {
        let version = quire_store::NewPageVersion::new(
            "export {};",
            &std::collections::BTreeMap::new(),
            &json!([]),
        )
        .with_artifact(quire_store::NewArtifact {
            sha256,
            html: "<!doctype html><div id=\"root\"></div>",
        });
        let new = quire_store::NewPage {
            project_id: &inbox.project_id,
            name: slug,
            slug,
            description: "",
            inbox_mount: mounted,
        };
        let (page, _) = store
            .create_page(&new, Some(&version), &owner.id)
            .await
            .unwrap();
        if publish || !mounted {
            store.publish_page(&page.id, 1, &owner.id).await.unwrap();
        }
    }
}

#[tokio::test]
async fn an_embed_opens_only_the_published_mounted_page_in_embedded_mode() {
    let inbox = Inbox::new().await;
    pages(&inbox, true).await;
    inbox.deliver(&fixture("text-message.json")).await;
    let maria = inbox.conversation_named("Maria Lopez").await;
    let (_, embed) = embed_client(&inbox, None).await;

    let session = embed.get("/api/v1/embed").await.json();
    assert_eq!(session["page"]["slug"], "card");

    let frame = embed
        .post(
            "/api/v1/projects/p/pages/card/frame",
            &json!({ "mode": "embedded", "conversation_id": maria["id"] }),
        )
        .await;
    assert_eq!(frame.status, StatusCode::OK, "{}", frame.text());
    let context = &frame.json()["context"];
    assert_eq!(context["system"]["mode"], "embedded");
    assert_eq!(context["system"]["viewerUserId"], Value::Null);
    assert_eq!(
        context["context"]["conversation"]["contactName"],
        "Maria Lopez"
    );
    // The page is framed by the app, itself framed by the embed's site: both may frame it.
    let url = frame.json()["url"].as_str().unwrap().to_owned();
    let path = &url[url.find("/a/").unwrap()..url.find('#').unwrap()];
    let artifact = inbox
        .app
        .send_usercontent(Request::get(path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(artifact.status, StatusCode::OK, "{}", artifact.text());
    let policy = artifact.header("content-security-policy").unwrap();
    assert!(
        policy.ends_with("frame-ancestors http://127.0.0.1:8787 http://127.0.0.1:4000"),
        "{policy}"
    );
    let tampered = path.replace("4000", "4001");
    let refused = inbox
        .app
        .send_usercontent(Request::get(tampered).body(Body::empty()).unwrap())
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "the origins are signed"
    );

    for mode in ["regular", "preview"] {
        let refused = embed
            .post(
                "/api/v1/projects/p/pages/card/frame",
                &json!({ "mode": mode }),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{mode}: {}",
            refused.text()
        );
        assert!(
            refused.text().contains("embedded mode only"),
            "{}",
            refused.text()
        );
    }
    let other = embed
        .post(
            "/api/v1/projects/p/pages/other/frame",
            &json!({ "mode": "embedded" }),
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.text());
    let invoke = embed
        .post(
            "/api/v1/projects/p/pages/card/invoke",
            &json!({ "function": { "slug": "none" }, "mode": "preview" }),
        )
        .await;
    assert_eq!(invoke.status, StatusCode::FORBIDDEN, "{}", invoke.text());
}

#[tokio::test]
async fn a_draft_is_never_shown_embedded() {
    let inbox = Inbox::new().await;
    pages(&inbox, false).await;
    let (_, embed) = embed_client(&inbox, None).await;
    let session = embed.get("/api/v1/embed").await.json();
    assert_eq!(session["page"], Value::Null, "the mounted page is a draft");
    let frame = embed
        .post(
            "/api/v1/projects/p/pages/card/frame",
            &json!({ "mode": "embedded" }),
        )
        .await;
    assert_eq!(frame.status, StatusCode::NOT_FOUND, "{}", frame.text());
}

#[tokio::test]
async fn a_revoked_or_expired_embed_stops_at_once() {
    let inbox = Inbox::new().await;
    let (created, embed) = embed_client(&inbox, None).await;
    let list = "/api/v1/projects/p/conversations";
    assert_eq!(embed.get(list).await.status, StatusCode::OK);

    let store = inbox.app.store();
    let id = created["embed"]["id"].as_str().unwrap();
    let owner = store.find_user("owner@example.com").await.unwrap().unwrap();
    let past = quire_store::InboxEmbedChanges {
        expires_at: Some(Some(1)),
        ..quire_store::InboxEmbedChanges::default()
    };
    store
        .update_inbox_embed(&inbox.project_id, id, &past, &owner.id)
        .await
        .unwrap();
    let expired = embed.get(list).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert!(expired.text().contains("has expired"), "{}", expired.text());

    let owner_client = inbox.as_("owner@example.com").await;
    owner_client
        .patch(&format!("{EMBEDS}/{id}"), &json!({ "expires_in_days": 1 }))
        .await;
    assert_eq!(
        embed.get(list).await.status,
        StatusCode::OK,
        "extended, it works again"
    );
    owner_client.delete(&format!("{EMBEDS}/{id}")).await;
    let revoked = embed.get(list).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    assert!(revoked.text().contains("was revoked"), "{}", revoked.text());

    let unknown = Client {
        app: &inbox.app,
        auth: Auth::Bearer("quire_embed_nothing".to_owned()),
    };
    let refused = unknown.get(list).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.text().contains("not valid"), "{}", refused.text());
}

#[tokio::test]
async fn the_embed_document_may_be_framed_only_by_its_origins() {
    let inbox = Inbox::new().await;
    let (created, _) = embed_client(&inbox, None).await;
    let app = &inbox.app;
    let get = |uri: String| async move {
        app.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    };
    let url = created["url"].as_str().unwrap();
    let path = &url[url.find("/embed/").unwrap()..];
    let document = get(path.to_owned()).await;
    let policy = document
        .header("content-security-policy")
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("frame-ancestors http://127.0.0.1:4000;"),
        "{policy}"
    );
    assert_eq!(document.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(document.header("cache-control"), Some("no-store"));

    // The app's other screens stay unframeable by other sites.
    let screen = get("/login".to_owned()).await;
    assert!(
        screen
            .header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'self'")
    );

    let unknown = get("/embed/inbox?token=quire_embed_nothing".to_owned()).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.text().contains("does not work"),
        "{}",
        unknown.text()
    );
    assert!(!unknown.text().contains("<script"));

    let owner = inbox.as_("owner@example.com").await;
    owner
        .delete(&format!(
            "{EMBEDS}/{}",
            created["embed"]["id"].as_str().unwrap()
        ))
        .await;
    let revoked = get(path.to_owned()).await;
    assert_eq!(revoked.status, StatusCode::GONE);
    assert!(
        revoked.text().contains("no longer works"),
        "{}",
        revoked.text()
    );
}

#[tokio::test]
async fn an_embed_is_rate_limited() {
    let mut config = ServerConfig::local(8787, 8788);
    config.embed_rate_per_minute = 3;
    let inbox = Inbox::with_config(config).await;
    let (_, embed) = embed_client(&inbox, None).await;
    for _ in 0..3 {
        assert_eq!(embed.get("/api/v1/embed").await.status, StatusCode::OK);
    }
    let limited = embed.get("/api/v1/embed").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.header("retry-after").is_some());
    assert!(
        limited.text().contains("embed_rate_per_minute"),
        "{}",
        limited.text()
    );
}

#[tokio::test]
async fn an_embeds_stream_carries_only_its_numbers_events() {
    let inbox = Inbox::new().await;
    inbox.connect(SECOND_NUMBER_ID).await;
    let (_, embed) = embed_client(&inbox, Some(SECOND_NUMBER_ID)).await;
    let mut stream = EventStream::open(&embed, "/api/v1/projects/p/events", None)
        .await
        .caught_up()
        .await;
    inbox.deliver(&fixture("batched.json")).await;
    let created = stream.next().await;
    assert_eq!(created.kind, "message.created");
    let updated = stream.next().await;
    assert_eq!(updated.kind, "conversation.updated");
    assert_eq!(updated.data["conversation"]["contact_name"], "Ana Souza");
    stream.quiet().await;
}
