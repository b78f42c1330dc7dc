//! Public links: owners and admins share a published page and revoke the link; the link's
//! token opens the published version (mode `public`, no viewer) framed by Quire and the
//! link's sites only, calls only the functions it lists (each record names the link), rate
//! limited; a revoked link, an unpublished page or a draft is never served.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use quire_server::ServerConfig;
use quire_store::Role;
use quire_test_utils::testing::TestDatabase;
use quire_test_utils::{Auth, Client, TestApp, TestResponse};
use serde_json::{Value, json};

use crate::pages::deployed_function;

const LINKS: &str = "/api/v1/projects/p/pages/card/public-links";

/// Project "p" (an owner and a member) with the published page "card" and the deployed
/// functions "orders" and "secret-report".
async fn world(config: ServerConfig) -> TestApp {
    let app = TestApp::with_config(TestDatabase::sqlite().await, config);
    let owner = app.user("owner@example.com").await;
    let member = app.user("member@example.com").await;
    let store = app.store();
    let project = store.create_project("p", "P", &owner.id).await.unwrap();
    store
        .set_member_role(&project.id, &member.id, Role::Member, &owner.id)
        .await
        .unwrap();
    let version = quire_store::NewPageVersion::new(
        "export {};",
        &std::collections::BTreeMap::new(),
        &json!([]),
    )
    .with_artifact(quire_store::NewArtifact {
        sha256: "0000000000000000000000000000000000000000000000000000000000000009",
        html: "<!doctype html><div id=\"root\"></div>",
    });
    let new = quire_store::NewPage {
        project_id: &project.id,
        name: "Card",
        slug: "card",
        description: "",
        inbox_mount: false,
    };
    let (page, _) = store
        .create_page(&new, Some(&version), &owner.id)
        .await
        .unwrap();
    store.publish_page(&page.id, 1, &owner.id).await.unwrap();
    for slug in ["orders", "secret-report"] {
        deployed_function(&app, &project.id, slug, &owner.id).await;
    }
    app
}

async fn as_<'a>(app: &'a TestApp, email: &str) -> Client<'a> {
    let user = app.store().find_user(email).await.unwrap().unwrap();
    app.token_client(&user, None).await
}

/// A link made by the owner with `body`; answers `(created, a client holding its token)`.
async fn share<'a>(app: &'a TestApp, body: &Value) -> (Value, Client<'a>) {
    let created = as_(app, "owner@example.com").await.post(LINKS, body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let created = created.json();
    let visitor = Client {
        app,
        auth: Auth::Bearer(created["token"].as_str().unwrap().to_owned()),
    };
    (created, visitor)
}

async fn get(app: &TestApp, uri: &str) -> TestResponse {
    app.send(Request::get(uri).body(Body::empty()).unwrap())
        .await
}

#[tokio::test]
async fn owners_share_a_published_page_and_revoke_the_link() {
    let app = world(ServerConfig::local(8787, 8788)).await;
    let (created, _) = share(
        &app,
        &json!({ "functions": ["orders"], "expires_in_days": 7 }),
    )
    .await;
    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("quire_link_"));
    assert_eq!(created["url"], format!("http://127.0.0.1:8787/s/{token}"));
    assert_eq!(created["link"]["functions"], json!(["orders"]));
    assert_eq!(created["link"]["status"], "active");

    let member = as_(&app, "member@example.com").await;
    assert_eq!(member.get(LINKS).await.status, StatusCode::FORBIDDEN);
    let owner = as_(&app, "owner@example.com").await;
    let listed = owner.get(LINKS).await;
    assert!(!listed.text().contains(token));
    assert_eq!(listed.json()["links"][0]["id"], created["link"]["id"]);

    for (body, says) in [
        (json!({ "functions": ["nope"] }), "no function with slug"),
        (
            json!({ "allowed_origins": ["status.example.com"] }),
            "is not an origin",
        ),
        (json!({ "expires_in_days": 0 }), "expires_in_days"),
    ] {
        let refused = owner.post(LINKS, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(refused.text().contains(says), "{}", refused.text());
    }

    let path = format!("{LINKS}/{}", created["link"]["id"].as_str().unwrap());
    let revoked = owner.delete(&path).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
    assert_eq!(revoked.json()["status"], "revoked");
    let audit = owner
        .get("/api/v1/projects/p/audit?action=public_link.")
        .await
        .json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["public_link.revoke", "public_link.create"]);

    // A page that is not published cannot be shared.
    owner
        .post("/api/v1/projects/p/pages/card/unpublish", &json!({}))
        .await;
    let draft = owner.post(LINKS, &json!({})).await;
    assert_eq!(draft.status, StatusCode::CONFLICT, "{}", draft.text());
    assert!(draft.text().contains("publish it first"));
}

#[tokio::test]
async fn a_link_opens_the_published_page_for_anyone_framed_only_where_allowed() {
    let app = world(ServerConfig::local(8787, 8788)).await;
    let (created, visitor) = share(&app, &json!({})).await;
    let frame = visitor
        .post("/api/v1/public/frame", &json!({ "mode": "public" }))
        .await;
    assert_eq!(frame.status, StatusCode::OK, "{}", frame.text());
    let context = &frame.json()["context"];
    assert_eq!(context["system"]["mode"], "public");
    assert_eq!(context["system"]["viewerUserId"], Value::Null);
    assert_eq!(context["context"]["conversation"], Value::Null);
    let url = frame.json()["url"].as_str().unwrap().to_owned();
    let artifact_path = &url[url.find("/a/").unwrap()..url.find('#').unwrap()];
    let artifact = app
        .send_usercontent(Request::get(artifact_path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(artifact.status, StatusCode::OK);
    assert!(
        artifact
            .header("content-security-policy")
            .unwrap()
            .ends_with("frame-ancestors http://127.0.0.1:8787")
    );

    // The shared document: framed by Quire only, unless the link names sites.
    let url = created["url"].as_str().unwrap();
    let document = get(&app, &url[url.find("/s/").unwrap()..]).await;
    let policy = document.header("content-security-policy").unwrap();
    assert!(policy.contains("frame-ancestors 'self';"), "{policy}");
    assert_eq!(document.header("referrer-policy"), Some("no-referrer"));
    let (framed, framed_visitor) = share(
        &app,
        &json!({ "allowed_origins": ["https://status.example.com"] }),
    )
    .await;
    let framed_url = framed["url"].as_str().unwrap();
    let document = get(&app, &framed_url[framed_url.find("/s/").unwrap()..]).await;
    assert!(
        document
            .header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'self' https://status.example.com;")
    );
    let grant = framed_visitor
        .post("/api/v1/public/frame", &json!({}))
        .await
        .json();
    assert!(grant["url"].as_str().unwrap().contains("&fa="));

    // Nobody else opens it; a link token opens nothing else.
    let unknown = Client {
        app: &app,
        auth: Auth::Bearer("quire_link_nothing".to_owned()),
    };
    let gone = unknown.post("/api/v1/public/frame", &json!({})).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.text().contains("no longer works"));
    let elsewhere = visitor.get("/api/v1/projects/p/pages").await;
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    assert!(
        elsewhere.text().contains("public link"),
        "{}",
        elsewhere.text()
    );
}

#[tokio::test]
async fn a_link_calls_only_the_functions_it_lists_and_each_record_names_it() {
    let app = world(ServerConfig::local(8787, 8788)).await;
    let (created, visitor) = share(&app, &json!({ "functions": ["orders"] })).await;
    let called = visitor
        .post(
            "/api/v1/public/invoke",
            &json!({ "function": { "slug": "orders" }, "payload": { "n": 1 }, "mode": "public" }),
        )
        .await;
    assert_eq!(called.status, StatusCode::OK, "{}", called.text());
    assert_eq!(called.json()["mode"], "public");
    assert_eq!(called.json()["viewer"], Value::Null);

    let refused = visitor
        .post(
            "/api/v1/public/invoke",
            &json!({ "function": { "slug": "secret-report" }, "payload": {} }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.text().contains("not allowed from a public link"),
        "{}",
        refused.text()
    );

    let owner = as_(&app, "owner@example.com").await;
    let records = owner
        .get("/api/v1/projects/p/functions/orders/invocations")
        .await
        .json();
    assert_eq!(records[0]["public_link_id"], created["link"]["id"]);
    assert_eq!(records[0]["via"], "page");
}

#[tokio::test]
async fn a_revoked_link_an_unpublished_page_or_a_draft_is_never_served() {
    let app = world(ServerConfig::local(8787, 8788)).await;
    let (created, visitor) = share(&app, &json!({ "functions": ["orders"] })).await;
    let owner = as_(&app, "owner@example.com").await;
    let url = created["url"].as_str().unwrap();
    let page_path = url[url.find("/s/").unwrap()..].to_owned();
    // The app's document (503 "starting" here: tests do not build the UI), not the gone page.
    let served = |response: TestResponse| response.status != StatusCode::NOT_FOUND;
    assert!(served(get(&app, &page_path).await));

    // A newer draft: the link still shows version 1.
    owner
        .put(
            "/api/v1/projects/p/pages/card/source",
            &json!({ "source": "export {};\n// a draft\n" }),
        )
        .await;
    let frame = visitor
        .post("/api/v1/public/frame", &json!({}))
        .await
        .json();
    assert!(
        frame["url"]
            .as_str()
            .unwrap()
            .contains("/a/0000000000000000000000000000000000000000000000000000000000000009?")
    );

    owner
        .post("/api/v1/projects/p/pages/card/unpublish", &json!({}))
        .await;
    let gone = get(&app, &page_path).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.text().contains("This link no longer works"));
    assert_eq!(
        visitor
            .post("/api/v1/public/frame", &json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    owner
        .post(
            "/api/v1/projects/p/pages/card/publish",
            &json!({ "version": 1 }),
        )
        .await;
    assert!(served(get(&app, &page_path).await));

    owner
        .delete(&format!(
            "{LINKS}/{}",
            created["link"]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(get(&app, &page_path).await.status, StatusCode::NOT_FOUND);
    let call = visitor
        .post(
            "/api/v1/public/invoke",
            &json!({ "function": { "slug": "orders" } }),
        )
        .await;
    assert_eq!(call.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn calls_through_a_link_are_rate_limited() {
    let mut config = ServerConfig::local(8787, 8788);
    config.public_link_rate_per_minute = 2;
    let app = world(config).await;
    let (_, visitor) = share(&app, &json!({ "functions": ["orders"] })).await;
    let body = json!({ "function": { "slug": "orders" } });
    let call = || visitor.post("/api/v1/public/invoke", &body);
    assert_eq!(call().await.status, StatusCode::OK);
    assert_eq!(call().await.status, StatusCode::OK);
    let limited = call().await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.text().contains("public_link_rate_per_minute"));
}
