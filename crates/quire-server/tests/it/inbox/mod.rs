//! The inbox through the API: WhatsApp connections, the webhook (Meta's fixtures, signatures,
//! redeliveries, statuses in any order, malformed deliveries, the handshake), the conversation
//! list and threads, metadata, the page context of a conversation, and replies through a
//! stand-in of the Cloud API.

mod connections;
mod conversations;
mod demo;
mod embeds;
mod live;
mod replies;
mod stand_in;
mod webhook;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use quire_server::ServerConfig;
use quire_store::Role;
use quire_test_utils::testing::TestDatabase;
use quire_test_utils::{Client, TestApp, TestResponse};
use serde_json::{Value, json};

/// The number the fixtures are delivered to, and the second number of `batched.json`.
pub const NUMBER_ID: &str = "106540352242922";
pub const SECOND_NUMBER_ID: &str = "106540352242923";
pub const APP_SECRET: &str = "fixture-app-secret";
pub const ACCESS_TOKEN: &str = "fixture-access-token";

/// A delivery from the repository's copy of Meta's example deliveries.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/whatsapp")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// An app with project "p" (an owner, an admin and a member) whose number `NUMBER_ID` is
/// connected with `APP_SECRET` and `ACCESS_TOKEN`.
pub struct Inbox {
    pub app: TestApp,
    pub project_id: String,
    pub connection: Value,
}

impl Inbox {
    pub async fn new() -> Self {
        Self::with_config(ServerConfig::local(8787, 8788)).await
    }

    pub async fn with_config(config: ServerConfig) -> Self {
        Self::with_database(TestDatabase::sqlite().await, config).await
    }

    pub async fn with_database(database: TestDatabase, config: ServerConfig) -> Self {
        let app = TestApp::with_config(database, config);
        let owner = app.user("owner@example.com").await;
        let project = app
            .store()
            .create_project("p", "P", &owner.id)
            .await
            .unwrap();
        for (email, role) in [
            ("admin@example.com", Role::Admin),
            ("member@example.com", Role::Member),
        ] {
            let user = app.user(email).await;
            app.store()
                .set_member_role(&project.id, &user.id, role, &owner.id)
                .await
                .unwrap();
        }
        let mut inbox = Self {
            app,
            project_id: project.id,
            connection: Value::Null,
        };
        inbox.connection = inbox.connect(NUMBER_ID).await;
        inbox
    }

    /// Connects `phone_number_id` with `APP_SECRET` and `ACCESS_TOKEN`, as the owner.
    pub async fn connect(&self, phone_number_id: &str) -> Value {
        let owner = self.as_("owner@example.com").await;
        let created = owner
            .post(
                "/api/v1/projects/p/whatsapp/connections",
                &json!({
                    "name": "Support",
                    "phone_number_id": phone_number_id,
                    "display_phone_number": "15550783881",
                    "app_secret": APP_SECRET,
                    "access_token": ACCESS_TOKEN,
                }),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        created.json()
    }

    pub async fn as_(&self, email: &str) -> Client<'_> {
        let user = self
            .app
            .store()
            .find_user(email)
            .await
            .unwrap()
            .expect("a test user");
        self.app.token_client(&user, None).await
    }

    /// Posts `body` to the project's webhook with `signature` as `X-Hub-Signature-256`, as
    /// Meta does: no session, no CSRF token.
    pub async fn deliver_signed(&self, body: &[u8], signature: Option<&str>) -> TestResponse {
        let mut request = Request::post(format!(
            "/api/v1/projects/{}/webhooks/whatsapp",
            self.project_id
        ))
        .header("content-type", "application/json");
        if let Some(signature) = signature {
            request = request.header("x-hub-signature-256", signature);
        }
        self.app
            .send(request.body(Body::from(body.to_vec())).unwrap())
            .await
    }

    /// Posts `body` signed with `APP_SECRET`, and checks Meta is told it was stored.
    pub async fn deliver(&self, body: &[u8]) -> TestResponse {
        let signature = quire_server::inbox::signature::sign(APP_SECRET, body);
        let response = self.deliver_signed(body, Some(&signature)).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        assert_eq!(response.json(), json!({ "ok": true }));
        response
    }

    /// The project's conversations as the API lists them (first page, `query` appended).
    pub async fn conversations(&self, query: &str) -> Vec<Value> {
        let member = self.as_("member@example.com").await;
        let page = member
            .get(&format!("/api/v1/projects/p/conversations{query}"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        page.json()["conversations"].as_array().unwrap().clone()
    }

    /// The project's first connection as the API shows it now.
    pub async fn connection_now(&self) -> Value {
        let owner = self.as_("owner@example.com").await;
        let listed = owner.get("/api/v1/projects/p/whatsapp/connections").await;
        listed.json()["connections"][0].clone()
    }

    /// A conversation's messages, newest first.
    pub async fn messages(&self, conversation_id: &str) -> Vec<Value> {
        let member = self.as_("member@example.com").await;
        let page = member
            .get(&format!(
                "/api/v1/projects/p/conversations/{conversation_id}/messages"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        page.json()["messages"].as_array().unwrap().clone()
    }

    /// The conversation whose contact is named `name`.
    pub async fn conversation_named(&self, name: &str) -> Value {
        self.conversations("")
            .await
            .into_iter()
            .find(|c| c["contact_name"] == name)
            .unwrap_or_else(|| panic!("no conversation with {name}"))
    }

    /// How many messages the project's conversations hold, counted through the API.
    pub async fn stored_message_count(&self) -> usize {
        let mut count = 0;
        for conversation in self.conversations("?limit=100").await {
            count += self
                .messages(conversation["id"].as_str().unwrap())
                .await
                .len();
        }
        count
    }
}

/// A delivery of one change to `NUMBER_ID` whose value holds `fields` besides the metadata.
fn delivery(mut fields: Value) -> Vec<u8> {
    fields["messaging_product"] = json!("whatsapp");
    fields["metadata"] =
        json!({ "display_phone_number": "15550783881", "phone_number_id": NUMBER_ID });
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": fields }] }],
    })
    .to_string()
    .into_bytes()
}

/// A delivery of `statuses` (each `(wamid, status, timestamp)`) to `NUMBER_ID`.
pub fn status_delivery(statuses: &[(&str, &str, &str)]) -> Vec<u8> {
    let statuses: Vec<Value> = statuses
        .iter()
        .map(|(wamid, status, timestamp)| {
            json!({ "id": wamid, "status": status, "timestamp": timestamp, "recipient_id": "14155550123" })
        })
        .collect();
    delivery(json!({ "statuses": statuses }))
}

/// A delivery of text messages to `NUMBER_ID`, one per `(wa_id, name, wamid, timestamp, text)`.
pub fn text_delivery(messages: &[(&str, &str, &str, i64, &str)]) -> Vec<u8> {
    let contacts: Vec<Value> = messages
        .iter()
        .map(|(wa_id, name, ..)| json!({ "profile": { "name": name }, "wa_id": wa_id }))
        .collect();
    let messages: Vec<Value> = messages
        .iter()
        .map(|(wa_id, _, wamid, timestamp, text)| {
            json!({ "from": wa_id, "id": wamid, "timestamp": timestamp.to_string(), "type": "text", "text": { "body": text } })
        })
        .collect();
    delivery(json!({ "contacts": contacts, "messages": messages }))
}
