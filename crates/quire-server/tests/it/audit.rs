//! The audit log as its readers see it: each account's own view (`GET /api/v1/me/audit`) and
//! the project's, and that every entry the server writes is readable in one of them.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::{Method, StatusCode};
use quire_test_utils::{Client, TestApp};
use serde_json::{Value, json};

fn entries(response: &quire_test_utils::TestResponse) -> Vec<Value> {
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json().as_array().unwrap().clone()
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

async fn failed_sign_in(app: &TestApp, email: &str) {
    let failed = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({ "email": email, "password": "wrong password" }),
        )
        .await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn each_account_reads_its_own_sign_ins_and_tokens_and_nobody_elses() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    app.user("bob@example.com").await;
    failed_sign_in(&app, "ada@example.com").await;
    failed_sign_in(&app, "bob@example.com").await;
    let ada = app.login("ada@example.com").await;
    let bob = app.login("bob@example.com").await;
    ada.post("/api/v1/projects", &json!({ "name": "A", "slug": "a" }))
        .await;
    let token = ada
        .post("/api/v1/tokens", &json!({ "name": "ci" }))
        .await
        .json();
    let id = token["id"].as_str().unwrap();
    assert_eq!(
        ada.delete(&format!("/api/v1/tokens/{id}")).await.status,
        StatusCode::NO_CONTENT
    );

    let mine = entries(&ada.get("/api/v1/me/audit").await);
    assert_eq!(
        actions(&mine),
        [
            "token.revoke",
            "token.create",
            "login.success",
            "login.failure"
        ]
    );
    assert!(mine.iter().all(|e| e["project_id"].is_null()), "{mine:?}");
    let theirs = entries(&bob.get("/api/v1/me/audit").await);
    assert_eq!(actions(&theirs), ["login.success", "login.failure"]);

    // Paged like the project's log: newest first, `before` an id, `limit` 1 to 500.
    let first = entries(&ada.get("/api/v1/me/audit?limit=2").await);
    assert_eq!(actions(&first), ["token.revoke", "token.create"]);
    let before = first[1]["id"].as_i64().unwrap();
    let next = entries(
        &ada.get(&format!("/api/v1/me/audit?before={before}&limit=2"))
            .await,
    );
    assert_eq!(actions(&next), ["login.success", "login.failure"]);
    let bad = ada.get("/api/v1/me/audit?limit=0").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
}

/// What `SECURITY.md` says the audit log records, by action name; embeds do not exist yet.
const SECURITY_EVENTS: [&str; 10] = [
    "login.success",
    "login.failure",
    "member.role_change",
    "page.publish",
    "function.deploy",
    "token.create",
    "token.revoke",
    "invitation.create",
    "invitation.revoke",
    "invitation.accept",
];

async fn ok(client: &Client<'_>, method: Method, path: &str, body: Option<Value>) -> Value {
    let response = client.send(method.clone(), path, body.as_ref()).await;
    assert!(
        response.status.is_success(),
        "{method} {path}: {} {}",
        response.status,
        response.text()
    );
    if response.body.is_empty() {
        Value::Null
    } else {
        response.json()
    }
}

#[tokio::test]
async fn every_entry_the_server_writes_is_readable_in_a_project_or_account_view() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    app.user("bob@example.com").await;
    failed_sign_in(&app, "ada@example.com").await;
    let ada = app.login("ada@example.com").await;
    let bob = app.login("bob@example.com").await;
    let project = json!({ "name": "P", "slug": "p" });
    ok(&ada, Method::POST, "/api/v1/projects", Some(project)).await;
    member_and_token_events(&ada, &bob).await;
    page_events(&app, &ada).await;
    function_events(&ada).await;

    let written: Vec<(i64, String)> = sqlx::query_as("SELECT id, action FROM audit_log")
        .fetch_all(app.store().pool())
        .await
        .unwrap();
    let mut readable = BTreeSet::new();
    for (client, path) in [
        (&ada, format!("{P}/audit?limit=500")),
        (&ada, "/api/v1/me/audit?limit=500".to_owned()),
        (&bob, "/api/v1/me/audit?limit=500".to_owned()),
    ] {
        for entry in entries(&client.get(&path).await) {
            readable.insert(entry["id"].as_i64().unwrap());
        }
    }
    let unread: Vec<_> = written
        .iter()
        .filter(|(id, _)| !readable.contains(id))
        .collect();
    assert!(
        unread.is_empty(),
        "written but readable nowhere: {unread:?}"
    );
    let names: BTreeSet<&str> = written.iter().map(|(_, a)| a.as_str()).collect();
    for event in SECURITY_EVENTS {
        assert!(names.contains(event), "{event} was not written: {names:?}");
    }
}

const P: &str = "/api/v1/projects/p";

/// Bob joins by invitation, becomes admin, makes tokens and revokes one, leaves; another
/// invitation is revoked.
async fn member_and_token_events(ada: &Client<'_>, bob: &Client<'_>) {
    let invite = |email: &str| json!({ "email": email });
    let invitation = ok(
        ada,
        Method::POST,
        &format!("{P}/invitations"),
        Some(invite("bob@example.com")),
    )
    .await;
    let token = invitation["token"].as_str().unwrap();
    ok(
        bob,
        Method::POST,
        &format!("/api/v1/invitations/{token}/accept"),
        None,
    )
    .await;
    let admin = json!({ "role": "admin" });
    ok(
        ada,
        Method::PUT,
        &format!("{P}/members/bob@example.com"),
        Some(admin),
    )
    .await;
    let other = ok(
        ada,
        Method::POST,
        &format!("{P}/invitations"),
        Some(invite("x@example.com")),
    )
    .await;
    let other = other["id"].as_str().unwrap();
    ok(
        ada,
        Method::DELETE,
        &format!("{P}/invitations/{other}"),
        None,
    )
    .await;

    let unlimited = ok(
        bob,
        Method::POST,
        "/api/v1/tokens",
        Some(json!({ "name": "u" })),
    )
    .await;
    let limited = json!({ "name": "l", "project": "p" });
    ok(bob, Method::POST, "/api/v1/tokens", Some(limited)).await;
    let unlimited = unlimited["id"].as_str().unwrap();
    ok(
        bob,
        Method::DELETE,
        &format!("/api/v1/tokens/{unlimited}"),
        None,
    )
    .await;
    ok(
        ada,
        Method::DELETE,
        &format!("{P}/members/bob@example.com"),
        None,
    )
    .await;
}

/// Pages: made, saved (a failed build keeps the source), changed; a built version published
/// and unpublished.
async fn page_events(app: &TestApp, ada: &Client<'_>) {
    let draft = json!({ "name": "Draft", "slug": "draft" });
    ok(ada, Method::POST, &format!("{P}/pages"), Some(draft)).await;
    let source = json!({ "source": "let x = ;" });
    ok(
        ada,
        Method::PUT,
        &format!("{P}/pages/draft/source"),
        Some(source),
    )
    .await;
    let description = json!({ "description": "d" });
    ok(
        ada,
        Method::PATCH,
        &format!("{P}/pages/draft"),
        Some(description),
    )
    .await;
    let project = app.store().project("p").await.unwrap().unwrap();
    let owner = app
        .store()
        .user_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    let version = quire_store::NewPageVersion::new("export {};", &BTreeMap::new(), &json!([]))
        .with_artifact(quire_store::NewArtifact {
            sha256: "0000000000000000000000000000000000000000000000000000000000000002",
            html: "<!doctype html>",
        });
    let page = quire_store::NewPage {
        project_id: &project.id,
        name: "Built",
        slug: "built",
        description: "",
        inbox_mount: false,
    };
    app.store()
        .create_page(&page, Some(&version), &owner.id)
        .await
        .unwrap();
    ok(
        ada,
        Method::POST,
        &format!("{P}/pages/built/publish"),
        Some(json!({})),
    )
    .await;
    ok(
        ada,
        Method::POST,
        &format!("{P}/pages/built/unpublish"),
        Some(json!({})),
    )
    .await;
}

/// Functions: made, changed, deployed, a secret set and deleted, the function deleted.
async fn function_events(ada: &Client<'_>) {
    let f = format!("{P}/functions/f");
    let code = "async function handler() { return 1; }";
    let create = json!({ "name": "F", "slug": "f", "code": code });
    ok(ada, Method::POST, &format!("{P}/functions"), Some(create)).await;
    ok(
        ada,
        Method::PUT,
        &format!("{f}/code"),
        Some(json!({ "code": code })),
    )
    .await;
    ok(ada, Method::PATCH, &f, Some(json!({ "timeout_ms": 1000 }))).await;
    ok(ada, Method::POST, &format!("{f}/deploy"), None).await;
    ok(
        ada,
        Method::PUT,
        &format!("{f}/secrets/KEY"),
        Some(json!({ "value": "v" })),
    )
    .await;
    ok(ada, Method::DELETE, &format!("{f}/secrets/KEY"), None).await;
    ok(ada, Method::DELETE, &f, None).await;
}
