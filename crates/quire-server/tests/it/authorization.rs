//! Every route against every kind of caller: anonymous, member, admin, owner, the owner of
//! another project, and a token limited to another project. A new route adds a row here.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use quire_server::auth::{password, tokens};
use quire_store::Role;
use quire_test_utils::{Client, PASSWORD, TestApp};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    Anonymous,
    Member,
    Admin,
    Owner,
    OtherOwner,
    /// The owner of "p", but with a token limited to project "q".
    OwnerLimitedToOther,
}

/// Who may call a route.
#[derive(Clone, Copy, Debug)]
enum Needs {
    /// Any signed-in caller, whatever the project.
    Account,
    /// Any signed-in caller not limited to one project.
    UnlimitedAccount,
    Role(Role),
    /// Members and up; without credentials a private function is 404, as if unknown.
    Invoke,
    /// Owner or admin in at least one project, with a credential not limited to one.
    EditorSomewhere,
    /// Anyone, with or without credentials: the same answer for every caller.
    Public,
}

struct Row {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    needs: Needs,
    success: StatusCode,
}

#[expect(
    clippy::too_many_lines,
    reason = "one row per route: the table is the point"
)]
fn rows() -> Vec<Row> {
    let row = |method: Method, path, body: Option<Value>, needs, success| Row {
        method,
        path,
        body,
        needs,
        success,
    };
    vec![
        row(
            Method::GET,
            "/api/v1/me",
            None,
            Needs::Account,
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects",
            None,
            Needs::Account,
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects",
            Some(json!({ "name": "New", "slug": "new" })),
            Needs::UnlimitedAccount,
            StatusCode::CREATED,
        ),
        row(
            Method::GET,
            "/api/v1/tokens",
            None,
            Needs::UnlimitedAccount,
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/tokens",
            Some(json!({ "name": "t" })),
            Needs::EditorSomewhere,
            StatusCode::CREATED,
        ),
        row(
            Method::DELETE,
            "/api/v1/tokens/{own_token}",
            None,
            Needs::UnlimitedAccount,
            StatusCode::NO_CONTENT,
        ),
        row(
            Method::GET,
            "/api/v1/me/audit",
            None,
            Needs::UnlimitedAccount,
            StatusCode::OK,
        ),
        // The world's accounts have no usable password: the right callers reach its check.
        row(
            Method::PATCH,
            "/api/v1/me",
            Some(json!({ "name": "Renamed" })),
            Needs::UnlimitedAccount,
            StatusCode::OK,
        ),
        row(
            Method::PUT,
            "/api/v1/me/password",
            Some(json!({ "current_password": PASSWORD, "new_password": "a new long password" })),
            Needs::UnlimitedAccount,
            StatusCode::BAD_REQUEST,
        ),
        row(
            Method::PUT,
            "/api/v1/me/email",
            Some(json!({ "email": "moved@example.com", "current_password": PASSWORD })),
            Needs::UnlimitedAccount,
            StatusCode::BAD_REQUEST,
        ),
        row(
            Method::DELETE,
            "/api/v1/me/sessions",
            None,
            Needs::UnlimitedAccount,
            StatusCode::NO_CONTENT,
        ),
        row(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({ "email": "login@example.com", "password": PASSWORD })),
            Needs::Public,
            StatusCode::OK,
        ),
        // Bearer callers have no browser session to end (sessions: accounts.rs).
        row(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            Needs::Account,
            StatusCode::BAD_REQUEST,
        ),
        row(
            Method::GET,
            "/api/v1/openapi.json",
            None,
            Needs::Public,
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/kapso.d.ts",
            None,
            Needs::Public,
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/templates",
            None,
            Needs::Public,
            StatusCode::OK,
        ),
        row(Method::GET, "/healthz", None, Needs::Public, StatusCode::OK),
        row(Method::GET, "/readyz", None, Needs::Public, StatusCode::OK),
        row(
            Method::GET,
            "/api/v1/projects/p",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::PATCH,
            "/api/v1/projects/p",
            Some(json!({ "name": "Renamed" })),
            Needs::Role(Role::Owner),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/audit?action=member.&actor=owner@example.com&since=2020-01-01T00:00:00Z",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/members",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        // Every member follows the project's live events (what each receives: events.rs).
        row(
            Method::GET,
            "/api/v1/projects/p/events",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::PUT,
            "/api/v1/projects/p/members/target@example.com",
            Some(json!({ "role": "admin" })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        // Only owners make, demote or remove an owner.
        row(
            Method::PUT,
            "/api/v1/projects/p/members/target@example.com",
            Some(json!({ "role": "owner" })),
            Needs::Role(Role::Owner),
            StatusCode::OK,
        ),
        row(
            Method::PUT,
            "/api/v1/projects/p/members/owner@example.com",
            Some(json!({ "role": "owner" })),
            Needs::Role(Role::Owner),
            StatusCode::OK,
        ),
        row(
            Method::DELETE,
            "/api/v1/projects/p/members/target@example.com",
            None,
            Needs::Role(Role::Admin),
            StatusCode::NO_CONTENT,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/audit",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/tokens",
            Some(json!({ "name": "t", "project": "p" })),
            Needs::Role(Role::Admin),
            StatusCode::CREATED,
        ),
        // Invitations: each world has a pending one for the caller's own address.
        row(
            Method::GET,
            "/api/v1/projects/p/invitations",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/invitations",
            Some(json!({ "email": "new@example.com", "role": "admin" })),
            Needs::Role(Role::Admin),
            StatusCode::CREATED,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/invitations",
            Some(json!({ "email": "new@example.com", "role": "owner" })),
            Needs::Role(Role::Owner),
            StatusCode::CREATED,
        ),
        row(
            Method::DELETE,
            "/api/v1/projects/p/invitations/{invitation}",
            None,
            Needs::Role(Role::Admin),
            StatusCode::NO_CONTENT,
        ),
        row(
            Method::GET,
            "/api/v1/invitations/quire_inv_matrix",
            None,
            Needs::Public,
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/invitations/quire_inv_matrix/accept",
            None,
            Needs::UnlimitedAccount,
            StatusCode::OK,
        ),
        // Pages: "pg" is published (version 1 built); members list and open it, editors change it.
        row(
            Method::GET,
            "/api/v1/projects/p/pages",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/pages",
            Some(json!({ "name": "New page", "slug": "new-page" })),
            Needs::Role(Role::Admin),
            StatusCode::CREATED,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/pages/pg",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::PATCH,
            "/api/v1/projects/p/pages/pg",
            Some(json!({ "description": "changed" })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::DELETE,
            "/api/v1/projects/p/pages/pg",
            None,
            Needs::Role(Role::Admin),
            StatusCode::NO_CONTENT,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/pages/pg/preview",
            Some(json!({ "source": "let x = ;" })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::PUT,
            "/api/v1/projects/p/pages/pg/source",
            Some(json!({ "source": "let x = ;" })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/pages/pg/versions",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/pages/pg/versions/1",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/pages/pg/publish",
            Some(json!({ "version": 1 })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/pages/pg/unpublish",
            Some(json!({})),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/pages/pg/frame",
            Some(json!({ "mode": "regular" })),
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/pages/pg/frame",
            Some(json!({ "mode": "preview" })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/pages/pg/invoke",
            Some(json!({ "function": { "slug": "pg-fn" }, "payload": { "id": "1" } })),
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/pages/pg/invoke",
            Some(json!({ "function": { "slug": "pg-fn" }, "payload": {}, "mode": "preview" })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        // Functions: "fn" is deployed with the secret EXISTING; members read and invoke, editors change.
        row(
            Method::GET,
            "/api/v1/projects/p/functions",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/functions",
            Some(
                json!({ "name": "New", "slug": "new-fn", "code": "async function handler() { return 1; }" }),
            ),
            Needs::Role(Role::Admin),
            StatusCode::CREATED,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/functions/fn",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::PATCH,
            "/api/v1/projects/p/functions/fn",
            Some(json!({ "timeout_ms": 1000 })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::DELETE,
            "/api/v1/projects/p/functions/fn",
            None,
            Needs::Role(Role::Admin),
            StatusCode::NO_CONTENT,
        ),
        row(
            Method::PUT,
            "/api/v1/projects/p/functions/fn/code",
            Some(json!({ "code": "async function handler() { return 2; }" })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/functions/fn/deploy",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/functions/fn/versions",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/functions/fn/invocations",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/functions/fn/test",
            Some(json!({ "method": "POST", "body": "{}" })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/functions/fn/secrets",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::PUT,
            "/api/v1/projects/p/functions/fn/secrets/TOKEN",
            Some(json!({ "value": "v" })),
            Needs::Role(Role::Admin),
            StatusCode::NO_CONTENT,
        ),
        row(
            Method::DELETE,
            "/api/v1/projects/p/functions/fn/secrets/EXISTING",
            None,
            Needs::Role(Role::Admin),
            StatusCode::NO_CONTENT,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/functions/fn/invoke",
            Some(json!({ "id": 1 })),
            Needs::Invoke,
            StatusCode::OK,
        ),
        // "pub-fn" is public: anyone calls it, and browsers ask first.
        row(
            Method::POST,
            "/api/v1/projects/p/functions/pub-fn/invoke",
            Some(json!({ "id": 1 })),
            Needs::Public,
            StatusCode::OK,
        ),
        row(
            Method::OPTIONS,
            "/api/v1/projects/p/functions/pub-fn/invoke",
            None,
            Needs::Public,
            StatusCode::NO_CONTENT,
        ),
        // WhatsApp: "p" has a connection (verify token `matrix-verify`, no access token) and
        // one conversation from its test event.
        row(
            Method::GET,
            "/api/v1/projects/p/whatsapp/connections",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/whatsapp/connections",
            Some(json!({ "name": "Sales", "phone_number_id": "2000", "app_secret": "s" })),
            Needs::Role(Role::Admin),
            StatusCode::CREATED,
        ),
        row(
            Method::PATCH,
            "/api/v1/projects/p/whatsapp/connections/{connection}",
            Some(json!({ "name": "Renamed" })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::DELETE,
            "/api/v1/projects/p/whatsapp/connections/{connection}",
            None,
            Needs::Role(Role::Admin),
            StatusCode::NO_CONTENT,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/whatsapp/connections/{connection}/test-event",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        // Meta calls the webhook without credentials: the verify token and the signature
        // decide, whoever calls.
        row(
            Method::GET,
            "/api/v1/projects/p/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=matrix-verify&hub.challenge=42",
            None,
            Needs::Public,
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/webhooks/whatsapp",
            Some(json!({ "object": "whatsapp_business_account", "entry": [] })),
            Needs::Public,
            StatusCode::UNAUTHORIZED,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/conversations",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/conversations/{conversation}",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::PATCH,
            "/api/v1/projects/p/conversations/{conversation}",
            Some(json!({ "metadata": { "tier": "gold" } })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/conversations/{conversation}/read",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/conversations/{conversation}/messages",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        // The connection has no access token: whoever may reply is told so (nothing is sent).
        row(
            Method::POST,
            "/api/v1/projects/p/conversations/{conversation}/messages",
            Some(json!({ "text": "Hello" })),
            Needs::Role(Role::Member),
            StatusCode::CONFLICT,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/pages/pg/frame",
            Some(json!({ "mode": "regular", "conversation_id": "{conversation}" })),
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/inbox-embeds",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/inbox-embeds",
            Some(json!({ "name": "Desk", "allowed_origins": ["https://desk.example.com"] })),
            Needs::Role(Role::Admin),
            StatusCode::CREATED,
        ),
        row(
            Method::PATCH,
            "/api/v1/projects/p/inbox-embeds/{embed}",
            Some(json!({ "theme": "dark" })),
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::DELETE,
            "/api/v1/projects/p/inbox-embeds/{embed}",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/pages/pg/public-links",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/pages/pg/public-links",
            Some(json!({ "functions": ["pg-fn"] })),
            Needs::Role(Role::Admin),
            StatusCode::CREATED,
        ),
        row(
            Method::DELETE,
            "/api/v1/projects/p/pages/pg/public-links/{link}",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/assets",
            None,
            Needs::Role(Role::Member),
            StatusCode::OK,
        ),
        // A JSON body is a JSON file, which pages may import.
        row(
            Method::POST,
            "/api/v1/projects/p/assets?name=data.json",
            Some(json!({ "rows": [1, 2] })),
            Needs::Role(Role::Admin),
            StatusCode::CREATED,
        ),
        row(
            Method::DELETE,
            "/api/v1/projects/p/assets/seed.txt",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        row(
            Method::GET,
            "/api/v1/projects/p/agent",
            None,
            Needs::Role(Role::Admin),
            StatusCode::OK,
        ),
        // The test app has no model: the right callers reach the check that says so.
        row(
            Method::POST,
            "/api/v1/projects/p/pages/pg/agent/runs",
            Some(json!({ "prompt": "a page" })),
            Needs::Role(Role::Admin),
            StatusCode::CONFLICT,
        ),
        // No run of that id: the right callers are told so.
        row(
            Method::GET,
            "/api/v1/projects/p/agent/runs/no-such-run/events",
            None,
            Needs::Role(Role::Admin),
            StatusCode::NOT_FOUND,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/agent/runs/no-such-run/check",
            Some(json!({ "attempt": 1, "problems": [] })),
            Needs::Role(Role::Admin),
            StatusCode::NOT_FOUND,
        ),
        row(
            Method::POST,
            "/api/v1/projects/p/agent/runs/no-such-run/stop",
            None,
            Needs::Role(Role::Admin),
            StatusCode::NOT_FOUND,
        ),
        // A public link's token is the only credential of these: anyone else finds nothing.
        row(
            Method::POST,
            "/api/v1/public/frame",
            Some(json!({ "mode": "public" })),
            Needs::Public,
            StatusCode::NOT_FOUND,
        ),
        row(
            Method::POST,
            "/api/v1/public/invoke",
            Some(json!({ "function": { "slug": "pg-fn" }, "payload": {} })),
            Needs::Public,
            StatusCode::NOT_FOUND,
        ),
        // An embedded inbox's own call: any other caller is told it is not one.
        row(
            Method::GET,
            "/api/v1/embed",
            None,
            Needs::Account,
            StatusCode::FORBIDDEN,
        ),
    ]
}

/// Adds the published page "pg" and the deployed function "pg-fn" it calls to project `p`.
async fn page_world(store: &quire_store::Store, project: &str, owner: &str) {
    let version = quire_store::NewPageVersion::new("export {};", &BTreeMap::new(), &json!([]))
        .with_artifact(quire_store::NewArtifact {
            sha256: "0000000000000000000000000000000000000000000000000000000000000001",
            html: "<!doctype html><div id=\"root\"></div>",
        });
    let new = quire_store::NewPage {
        project_id: project,
        name: "Page",
        slug: "pg",
        description: "",
        inbox_mount: false,
    };
    let (page, _) = store
        .create_page(&new, Some(&version), owner)
        .await
        .unwrap();
    store.publish_page(&page.id, 1, owner).await.unwrap();
    deployed_function(
        store,
        project,
        owner,
        ("pg-fn", false),
        "async function handler(request) { return Response.json({ ok: true }); }",
    )
    .await;
}

/// Creates and deploys function `slug` with `code` in `project`; `public_endpoint` lets
/// anyone call it.
async fn deployed_function(
    store: &quire_store::Store,
    project: &str,
    owner: &str,
    (slug, public_endpoint): (&str, bool),
    code: &str,
) -> quire_store::Function {
    let function = store
        .create_function(&quire_store::NewFunction {
            project_id: project,
            name: "Function",
            slug,
            code,
            load_error: None,
            public_endpoint,
            timeout_ms: 5000,
            memory_mb: 64,
            author_id: owner,
        })
        .await
        .unwrap();
    store
        .deploy_function(&function.id, 1, None, owner)
        .await
        .unwrap();
    function
}

/// Adds the deployed function "fn" with the secret EXISTING, and the deployed public
/// function "pub-fn", to project `p`.
async fn function_world(app: &TestApp, project: &str, owner: &str) {
    let store = app.store();
    let public = deployed_function(
        store,
        project,
        owner,
        ("pub-fn", true),
        "async function handler(request) { return await request.json(); }",
    )
    .await;
    assert!(public.public_endpoint);
    let function = deployed_function(
        store,
        project,
        owner,
        ("fn", false),
        "async function handler(request) { return await request.json(); }",
    )
    .await;
    let sealed = quire_server::functions::seal::seal(
        &app.state.config.secret_key,
        &function.id,
        "EXISTING",
        "value",
    );
    store
        .set_function_secret(project, &function.id, "EXISTING", &sealed, owner)
        .await
        .unwrap();
}

/// Adds the WhatsApp connection of number `1000` (verify token `matrix-verify`, no access
/// token) to project `p`, and a conversation from its test event; answers their ids.
async fn inbox_world(app: &TestApp, project: &str, owner: &str) -> (String, String) {
    let id = quire_store::new_id();
    let sealed = quire_server::inbox::secrets::ConnectionSecret::AppSecret.seal(
        &app.state.config.secret_key,
        &id,
        "matrix-secret",
    );
    let connection = app
        .store()
        .create_whatsapp_connection(
            &quire_store::NewWhatsappConnection {
                id: &id,
                project_id: project,
                name: "Support",
                phone_number_id: "1000",
                display_phone_number: None,
                verify_token: "matrix-verify",
                app_secret_sealed: &sealed,
                access_token_sealed: None,
            },
            owner,
        )
        .await
        .unwrap();
    let (conversation, _) =
        quire_server::inbox::test_event::send_test_event(&app.state, &connection)
            .await
            .unwrap();
    (connection.id, conversation)
}

/// What `caller` should get from a route that `needs` this.
fn expected(caller: Caller, needs: Needs, success: StatusCode) -> StatusCode {
    if matches!(needs, Needs::Public) {
        return success;
    }
    let role = match caller {
        Caller::Anonymous if matches!(needs, Needs::Invoke) => return StatusCode::NOT_FOUND,
        Caller::Anonymous => return StatusCode::UNAUTHORIZED,
        Caller::Member => Some(Role::Member),
        Caller::Admin => Some(Role::Admin),
        Caller::Owner => Some(Role::Owner),
        Caller::OtherOwner | Caller::OwnerLimitedToOther => None,
    };
    match needs {
        Needs::UnlimitedAccount | Needs::EditorSomewhere
            if caller == Caller::OwnerLimitedToOther =>
        {
            StatusCode::FORBIDDEN
        }
        // The member is a member everywhere it belongs; every other caller owns a project.
        Needs::EditorSomewhere if caller == Caller::Member => StatusCode::FORBIDDEN,
        // Outsiders learn nothing about the project: 404, as if it did not exist.
        Needs::Role(_) | Needs::Invoke if role.is_none() => StatusCode::NOT_FOUND,
        Needs::Role(needed) if role < Some(needed) => StatusCode::FORBIDDEN,
        Needs::Account
        | Needs::UnlimitedAccount
        | Needs::EditorSomewhere
        | Needs::Role(_)
        | Needs::Invoke
        | Needs::Public => success,
    }
}

/// The token of project "p"'s embedded inbox in every world (every number, no expiry).
const EMBED_TOKEN: &str = "quire_embed_matrix";

/// Adds to project `p` an embedded inbox opened by `EMBED_TOKEN` and a public link to the
/// page "pg" listing "pg-fn"; answers their ids.
async fn shared_world(store: &quire_store::Store, p: &str, owner: &str) -> (String, String) {
    let embed = store
        .create_inbox_embed(
            &quire_store::NewInboxEmbed {
                id: &quire_store::new_id(),
                project_id: p,
                name: "Desk",
                token_hash: &tokens::sha256_hex(EMBED_TOKEN),
                token_hint: "quire_embed_mat…",
                phone_number_id: None,
                allowed_origins: &["https://desk.example.com".to_owned()],
                theme: "system",
                expires_at: None,
            },
            owner,
        )
        .await
        .unwrap();
    let pg = store.page(p, "pg").await.unwrap().unwrap();
    let link = store
        .create_public_link(
            &quire_store::NewPublicLink {
                id: &quire_store::new_id(),
                project_id: p,
                page_id: &pg.id,
                token_hash: &tokens::sha256_hex("quire_link_matrix"),
                token_hint: "quire_link_matr…",
                functions: &["pg-fn".to_owned()],
                allowed_origins: &[],
                expires_at: None,
            },
            owner,
        )
        .await
        .unwrap();
    (embed.id, link.id)
}

/// The hash of `PASSWORD`, made once: Argon2 is slow on purpose.
static LOGIN_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// What a row's path and body name in braces, and the value each stands for in one world.
type Placeholders = Vec<(&'static str, String)>;

/// A fresh app with project "p" (owner, admin, member, target) and project "q" (other owner).
/// Also: the user login@example.com with the password `PASSWORD`, an invitation to "p" for
/// the caller's own address (its link token `quire_inv_matrix`), the public function
/// "pub-fn", and a WhatsApp connection with a conversation.
async fn world(
    caller: Caller,
) -> (
    TestApp,
    Option<(quire_store::User, Option<String>)>,
    Placeholders,
) {
    let app = TestApp::new().await;
    let store = app.store().clone();
    let owner = store
        .create_user("owner@example.com", "Owner", "x")
        .await
        .unwrap();
    let admin = store
        .create_user("admin@example.com", "Admin", "x")
        .await
        .unwrap();
    let member = store
        .create_user("member@example.com", "Member", "x")
        .await
        .unwrap();
    let target = store
        .create_user("target@example.com", "Target", "x")
        .await
        .unwrap();
    let other = store
        .create_user("other@example.com", "Other", "x")
        .await
        .unwrap();
    let p = store.create_project("p", "P", &owner.id).await.unwrap();
    let q = store.create_project("q", "Q", &other.id).await.unwrap();
    store
        .set_member_role(&p.id, &admin.id, Role::Admin, &owner.id)
        .await
        .unwrap();
    store
        .set_member_role(&p.id, &member.id, Role::Member, &owner.id)
        .await
        .unwrap();
    store
        .set_member_role(&p.id, &target.id, Role::Member, &owner.id)
        .await
        .unwrap();
    store
        .set_member_role(&q.id, &owner.id, Role::Member, &other.id)
        .await
        .unwrap();
    page_world(&store, &p.id, &owner.id).await;
    function_world(&app, &p.id, &owner.id).await;
    let (connection, conversation) = inbox_world(&app, &p.id, &owner.id).await;
    let login_hash = LOGIN_HASH.get_or_init(|| password::hash_blocking(PASSWORD));
    store
        .create_user("login@example.com", "Login", login_hash)
        .await
        .unwrap();
    let invited = match caller {
        Caller::Anonymous => "newcomer@example.com",
        Caller::Member => "member@example.com",
        Caller::Admin => "admin@example.com",
        Caller::Owner | Caller::OwnerLimitedToOther => "owner@example.com",
        Caller::OtherOwner => "other@example.com",
    };
    let invitation = store
        .create_invitation(&quire_store::NewInvitation {
            project_id: &p.id,
            email: invited,
            role: Role::Member,
            token_hash: &tokens::sha256_hex("quire_inv_matrix"),
            invited_by: &owner.id,
            expires_at: quire_store::now_ms() + 60_000,
        })
        .await
        .unwrap();
    let (embed, link) = shared_world(&store, &p.id, &owner.id).await;
    store
        .put_asset(
            &quire_store::NewAsset {
                project_id: &p.id,
                name: "seed.txt",
                sha256: &tokens::sha256_hex("seed"),
                bytes: b"seed",
                content_type: "text/plain; charset=utf-8",
            },
            &owner.id,
            None,
        )
        .await
        .unwrap();
    let identity = match caller {
        Caller::Anonymous => None,
        Caller::Member => Some((member, None)),
        Caller::Admin => Some((admin, None)),
        Caller::Owner => Some((owner, None)),
        Caller::OtherOwner => Some((other, None)),
        Caller::OwnerLimitedToOther => Some((owner, Some(q.id))),
    };
    let placeholders = vec![
        ("{invitation}", invitation.id),
        ("{connection}", connection),
        ("{conversation}", conversation),
        ("{embed}", embed),
        ("{link}", link),
    ];
    (app, identity, placeholders)
}

#[tokio::test]
async fn every_route_answers_every_caller_as_the_roles_say() {
    let callers = [
        Caller::Anonymous,
        Caller::Member,
        Caller::Admin,
        Caller::Owner,
        Caller::OtherOwner,
        Caller::OwnerLimitedToOther,
    ];
    let mut failures = Vec::new();
    for row in rows() {
        for caller in callers {
            let (app, identity, placeholders) = world(caller).await;
            let client: Client<'_> = match &identity {
                None => app.anonymous(),
                Some((user, project)) => app.token_client(user, project.as_deref()).await,
            };
            let own_token = match &identity {
                None => "none".to_owned(),
                Some((user, _)) => app.store().list_api_tokens(&user.id).await.unwrap()[0]
                    .id
                    .clone(),
            };
            let mut path = row.path.replace("{own_token}", &own_token);
            let mut body = row.body.as_ref().map(Value::to_string);
            for (placeholder, value) in &placeholders {
                path = path.replace(placeholder, value);
                body = body.map(|body| body.replace(placeholder, value));
            }
            let body: Option<Value> = body.map(|body| serde_json::from_str(&body).unwrap());
            let response = client.send(row.method.clone(), &path, body.as_ref()).await;
            let want = expected(caller, row.needs, row.success);
            if response.status != want {
                failures.push(format!(
                    "{} {} as {caller:?}: got {}, want {want}: {}",
                    row.method,
                    row.path,
                    response.status,
                    response.text()
                ));
            }
            if !response.status.is_success() {
                let code = response.error_code();
                if code.is_empty() {
                    failures.push(format!(
                        "{} {} as {caller:?}: error without the error shape",
                        row.method, row.path
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// What an embedded inbox's token gets from a route: the inbox's own calls answer as they do
/// a member (but pages open in `embedded` mode only, which no row asks for), public routes as
/// they do anyone; every other route refuses it.
fn expected_for_embed(row: &Row) -> StatusCode {
    let inbox = [
        (
            Method::GET,
            "/api/v1/projects/p/conversations",
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/api/v1/projects/p/conversations/{conversation}",
            StatusCode::OK,
        ),
        (
            Method::POST,
            "/api/v1/projects/p/conversations/{conversation}/read",
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/api/v1/projects/p/conversations/{conversation}/messages",
            StatusCode::OK,
        ),
        (
            Method::POST,
            "/api/v1/projects/p/conversations/{conversation}/messages",
            StatusCode::CONFLICT,
        ),
        (Method::GET, "/api/v1/projects/p/events", StatusCode::OK),
        (
            Method::POST,
            "/api/v1/projects/p/pages/pg/frame",
            StatusCode::FORBIDDEN,
        ),
        (
            Method::POST,
            "/api/v1/projects/p/pages/pg/invoke",
            StatusCode::FORBIDDEN,
        ),
        (Method::GET, "/api/v1/embed", StatusCode::OK),
    ];
    if let Some((.., status)) = inbox
        .iter()
        .find(|(method, path, _)| *method == row.method && *path == row.path)
    {
        return *status;
    }
    match row.needs {
        Needs::Public => row.success,
        _ => StatusCode::FORBIDDEN,
    }
}

#[tokio::test]
async fn an_embed_token_opens_the_inbox_and_nothing_else() {
    let mut failures = Vec::new();
    for row in rows() {
        let (app, _, placeholders) = world(Caller::Member).await;
        let client = Client {
            app: &app,
            auth: quire_test_utils::Auth::Bearer(EMBED_TOKEN.to_owned()),
        };
        let mut path = row.path.replace("{own_token}", "none");
        let mut body = row.body.as_ref().map(Value::to_string);
        for (placeholder, value) in &placeholders {
            path = path.replace(placeholder, value);
            body = body.map(|body| body.replace(placeholder, value));
        }
        let body: Option<Value> = body.map(|body| serde_json::from_str(&body).unwrap());
        let request = client.request(row.method.clone(), &path, body.as_ref());
        // The event stream never ends: its status is all this needs.
        let status = if row.path.ends_with("/events") {
            app.open(request).await.status()
        } else {
            app.send(request).await.status
        };
        let want = expected_for_embed(&row);
        if status != want {
            failures.push(format!(
                "{} {}: got {status}, want {want}",
                row.method, row.path
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Whether the row's concrete path is an instance of the document's path template.
fn instance_of(path: &str, template: &str) -> bool {
    let (path, template): (Vec<&str>, Vec<&str>) = (
        path.split('?').next().unwrap_or(path).split('/').collect(),
        template.split('/').collect(),
    );
    path.len() == template.len()
        && path
            .iter()
            .zip(&template)
            .all(|(segment, pattern)| pattern.starts_with('{') || segment == pattern)
}

#[tokio::test]
async fn every_route_of_the_api_document_has_a_row() {
    let app = TestApp::new().await;
    let document = app.anonymous().get("/api/v1/openapi.json").await.json();
    let rows = rows();
    let mut missing = Vec::new();
    for (template, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let covered = rows.iter().any(|row| {
                row.method.as_str().eq_ignore_ascii_case(method) && instance_of(row.path, template)
            });
            if !covered {
                missing.push(format!("{} {template}", method.to_uppercase()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes with no row in the authorization matrix: {missing:#?}"
    );
}
