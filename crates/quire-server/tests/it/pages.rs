//! Pages through the API: create, settings, saves that build and saves that fail, versions,
//! publish / rollback / unpublish, the inbox mount point, frames, artifacts on the
//! usercontent origin, and bridge calls to functions. Pages compile for real (React comes
//! from the shared test package store).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use quire_store::Role;
use quire_test_utils::{Client, TestApp};
use serde_json::{Value, json};

const PAGE: &str = r#"import React from "react";
import { createRoot } from "react-dom/client";
function App() { return <h1>Orders</h1>; }
createRoot(document.getElementById("root")!).render(<App />);
"#;

const PAGE_V2: &str = r#"import React from "react";
import { createRoot } from "react-dom/client";
function App() { return <h1>Orders, second edition</h1>; }
createRoot(document.getElementById("root")!).render(<App />);
"#;

const BROKEN: &str =
    "import React from \"react\";\nfunction App() {\n  return <h1>Orders</h1;\n}\n";

/// An app with project "p": an owner, an admin and a member, each with a client.
struct World {
    app: TestApp,
    project_id: String,
}

impl World {
    async fn new() -> Self {
        let app = TestApp::new().await;
        let owner = app.user("owner@example.com").await;
        let admin = app.user("admin@example.com").await;
        let member = app.user("member@example.com").await;
        let project = app
            .store()
            .create_project("p", "P", &owner.id)
            .await
            .unwrap();
        for (user, role) in [(&admin, Role::Admin), (&member, Role::Member)] {
            app.store()
                .set_member_role(&project.id, &user.id, role, &owner.id)
                .await
                .unwrap();
        }
        Self {
            app,
            project_id: project.id,
        }
    }

    async fn as_(&self, email: &str) -> Client<'_> {
        let user = self
            .app
            .store()
            .find_user(email)
            .await
            .unwrap()
            .expect("a test user");
        self.app.token_client(&user, None).await
    }
}

/// The owner's client, with the page `orders` created from `PAGE`.
async fn with_orders(w: &World) -> Client<'_> {
    let owner = w.as_("owner@example.com").await;
    create(
        &owner,
        &json!({ "name": "Orders", "slug": "orders", "source": PAGE }),
    )
    .await;
    owner
}

fn page_path(page: &str, rest: &str) -> String {
    format!("/api/v1/projects/p/pages/{page}{rest}")
}

async fn create(client: &Client<'_>, body: &Value) -> Value {
    let response = client.post("/api/v1/projects/p/pages", body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()
}

async fn save(client: &Client<'_>, page: &str, source: &str) -> Value {
    let response = client
        .put(&page_path(page, "/source"), &json!({ "source": source }))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario from start to end: each step builds on the state the last one left"
)]
async fn pages_are_created_listed_read_and_changed_by_editors() {
    let w = World::new().await;
    let owner = w.as_("owner@example.com").await;
    let member = w.as_("member@example.com").await;

    let created = create(
        &owner,
        &json!({ "name": "Orders", "slug": "orders", "description": "Open orders" }),
    )
    .await;
    insta::assert_json_snapshot!(quire_test_utils::redact(created.clone()), @r#"
    {
      "id": "[id]",
      "project_id": "[project_id]",
      "name": "Orders",
      "slug": "orders",
      "description": "Open orders",
      "status": "draft",
      "head_version": null,
      "published_version": null,
      "inbox_mount": false,
      "mount_point": null,
      "dependencies": {},
      "created_at": "[created_at]",
      "updated_at": "[updated_at]",
      "first": null
    }
    "#);
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["project_id"], w.project_id.as_str());
    for path in [page_path("orders", ""), page_path(id, "")] {
        let got = owner.get(&path).await;
        assert_eq!(got.status, StatusCode::OK, "{path}: {}", got.text());
        assert_eq!(got.json()["slug"], "orders");
        assert_eq!(got.json()["head"], Value::Null, "nothing saved yet");
    }
    let listed = owner.get("/api/v1/projects/p/pages").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // Members see published pages only: the draft is not listed and not found.
    assert_eq!(
        member.get("/api/v1/projects/p/pages").await.json(),
        json!([])
    );
    assert_eq!(
        member.get(&page_path("orders", "")).await.status,
        StatusCode::NOT_FOUND
    );

    let changed = owner
        .patch(
            &page_path("orders", ""),
            &json!({ "name": "Open orders", "description": "What is waiting", "slug": "open-orders" }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    assert_eq!(changed.json()["name"], "Open orders");
    assert_eq!(changed.json()["slug"], "open-orders");
    assert_eq!(
        owner.get(&page_path("orders", "")).await.status,
        StatusCode::NOT_FOUND,
        "the old slug is gone"
    );

    // Bad input: a clear error, and nothing changes.
    create(&owner, &json!({ "name": "Other", "slug": "other" })).await;
    let cases = [
        (
            owner
                .post(
                    "/api/v1/projects/p/pages",
                    &json!({ "name": "X", "slug": "other" }),
                )
                .await,
            StatusCode::CONFLICT,
            "\"other\"",
        ),
        (
            owner
                .post(
                    "/api/v1/projects/p/pages",
                    &json!({ "name": "X", "slug": "Not A Slug" }),
                )
                .await,
            StatusCode::BAD_REQUEST,
            "a-z",
        ),
        (
            owner
                .post(
                    "/api/v1/projects/p/pages",
                    &json!({ "name": "X", "slug": "x", "template": "nope" }),
                )
                .await,
            StatusCode::BAD_REQUEST,
            "blank, dashboard",
        ),
        (
            owner
                .post(
                    "/api/v1/projects/p/pages",
                    &json!({ "name": "X", "slug": "x", "template": "blank", "source": "x" }),
                )
                .await,
            StatusCode::BAD_REQUEST,
            "not both",
        ),
        (
            owner
                .post(
                    "/api/v1/projects/p/pages",
                    &json!({ "name": "X", "slug": "x", "colour": "red" }),
                )
                .await,
            StatusCode::BAD_REQUEST,
            "colour",
        ),
        (
            owner
                .patch(&page_path("open-orders", ""), &json!({ "slug": "other" }))
                .await,
            StatusCode::CONFLICT,
            "\"other\"",
        ),
        (
            owner
                .patch(&page_path("open-orders", ""), &json!({ "name": " " }))
                .await,
            StatusCode::BAD_REQUEST,
            "empty",
        ),
        (
            member
                .post(
                    "/api/v1/projects/p/pages",
                    &json!({ "name": "X", "slug": "x" }),
                )
                .await,
            StatusCode::FORBIDDEN,
            "admin",
        ),
    ];
    for (response, status, says) in cases {
        assert_eq!(response.status, status, "{}", response.text());
        let message = response.json()["error"]["message"].clone();
        assert!(message.as_str().unwrap().contains(says), "{message}");
    }
    let listed = owner.get("/api/v1/projects/p/pages").await.json();
    let slugs: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["open-orders", "other"]);

    let audit = owner.get("/api/v1/projects/p/audit").await.json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"page.create"), "{actions:?}");
    assert!(actions.contains(&"page.update"), "{actions:?}");
}

#[tokio::test]
async fn a_failed_save_keeps_the_source_and_the_published_artifact() {
    let w = World::new().await;
    let owner = w.as_("owner@example.com").await;
    let created = create(
        &owner,
        &json!({ "name": "Orders", "slug": "orders", "template": "dashboard" }),
    )
    .await;
    let first = &created["first"];
    assert_eq!(first["version"]["number"], 1);
    assert_eq!(first["build"]["ok"], true, "{first}");
    let published_sha = first["build"]["artifact"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(published_sha.len(), 64);
    assert!(first["build"]["artifact"]["size"].as_i64().unwrap() > 1000);
    let head = owner.get(&page_path("orders", "")).await.json()["head"].clone();
    assert!(
        head["source"]
            .as_str()
            .unwrap()
            .contains("your-function-slug"),
        "the dashboard template calls a function"
    );

    let published = owner
        .post(&page_path("orders", "/publish"), &json!({}))
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text());
    assert_eq!(published.json()["published_version"], 1);
    assert_eq!(published.json()["status"], "published");

    let failed = save(&owner, "orders", BROKEN).await;
    assert_eq!(failed["version"]["number"], 2);
    assert_eq!(failed["build"]["ok"], false);
    assert_eq!(failed["build"]["artifact"], Value::Null);
    let diagnostic = &failed["build"]["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "error", "{failed}");
    assert_eq!(diagnostic["line"], 3, "{diagnostic}");
    assert!(diagnostic["column"].as_u64().unwrap() > 0);
    assert!(
        diagnostic["frame"].as_str().unwrap().contains("</h1"),
        "{diagnostic}"
    );
    assert!(!diagnostic["message"].as_str().unwrap().is_empty());

    let page = owner.get(&page_path("orders", "")).await.json();
    assert_eq!(page["head_version"], 2);
    assert_eq!(page["head"]["source"], BROKEN, "the failed source is kept");
    assert_eq!(page["head"]["build"]["ok"], false);
    assert_eq!(
        page["published_version"], 1,
        "the published version did not move"
    );
    let frame = owner
        .post(
            &page_path("orders", "/frame"),
            &json!({ "mode": "regular" }),
        )
        .await
        .json();
    assert!(
        frame["url"].as_str().unwrap().contains(&published_sha),
        "the published artifact is unchanged: {frame}"
    );

    let ok = save(&owner, "orders", PAGE).await;
    assert_eq!(ok["version"]["number"], 3);
    assert_eq!(ok["build"]["ok"], true, "{ok}");
    assert_ne!(ok["build"]["artifact"]["sha256"], published_sha.as_str());

    let versions = owner.get(&page_path("orders", "/versions")).await;
    assert_eq!(versions.status, StatusCode::OK, "{}", versions.text());
    let versions = versions.json();
    let summary: Vec<(i64, bool, bool, bool)> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["number"].as_i64().unwrap(),
                v["build"]["ok"].as_bool().unwrap(),
                v["published"].as_bool().unwrap(),
                v["head"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (3, true, false, true),
            (2, false, false, false),
            (1, true, true, false)
        ]
    );

    // Saving the same source again gives a new version and the same artifact.
    let again = save(&owner, "orders", PAGE).await;
    assert_eq!(again["version"]["number"], 4);
    assert_eq!(
        again["build"]["artifact"]["sha256"],
        ok["build"]["artifact"]["sha256"]
    );
}

#[tokio::test]
async fn one_version_comes_with_its_source_author_and_diagnostics() {
    let w = World::new().await;
    let owner = w.as_("owner@example.com").await;
    create(&owner, &json!({ "name": "Orders", "slug": "orders" })).await;
    save(&owner, "orders", PAGE).await;
    let broken = save(
        &owner,
        "orders",
        "export default function App() { return <div>; }\n",
    )
    .await;
    assert_eq!(broken["build"]["ok"], false, "{broken}");

    let versions = owner.get(&page_path("orders", "/versions")).await.json();
    assert!(versions[0]["author"]["name"].is_string(), "{versions}");
    assert_eq!(versions[0]["author"]["id"], versions[0]["author_id"]);

    let second = owner.get(&page_path("orders", "/versions/2")).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    let second = second.json();
    assert_eq!(second["number"], 2);
    assert_eq!(second["build"]["ok"], false);
    assert!(
        second["source"]
            .as_str()
            .is_some_and(|s| s.contains("<div>"))
    );
    let diagnostic = &second["build"]["diagnostics"][0];
    assert_eq!(diagnostic["severity"], "error");
    assert!(
        diagnostic["line"].as_u64().is_some_and(|line| line >= 1),
        "{diagnostic}"
    );
    let first = owner.get(&page_path("orders", "/versions/1")).await.json();
    assert_eq!(first["source"], PAGE);
    let missing = owner.get(&page_path("orders", "/versions/99")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text());
}

#[tokio::test]
async fn an_oversized_source_is_refused_and_nothing_is_stored() {
    let w = World::new().await;
    let owner = w.as_("owner@example.com").await;
    create(&owner, &json!({ "name": "Orders", "slug": "orders" })).await;
    save(&owner, "orders", PAGE).await;
    let big = format!("// {}\n", "x".repeat(1_100_000));
    for huge in [big.clone(), format!("// {}\n", "x".repeat(2_200_000))] {
        let refused = owner
            .put(&page_path("orders", "/source"), &json!({ "source": huge }))
            .await;
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
        let page = owner.get(&page_path("orders", "")).await.json();
        assert_eq!(page["head_version"], 1, "the refused source stored nothing");
    }
    let refused = owner
        .put(&page_path("orders", "/source"), &json!({ "source": big }))
        .await;
    assert_eq!(refused.error_code(), "source_too_large");
    let message = refused.json()["error"]["message"].clone();
    assert!(
        message
            .as_str()
            .unwrap()
            .contains("page source is 1,100,004 bytes; the limit is 1,048,576"),
        "{message}"
    );
    let created = owner
        .post(
            "/api/v1/projects/p/pages",
            &json!({ "name": "Big", "slug": "big", "source": big }),
        )
        .await;
    assert_eq!(created.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        owner.get(&page_path("big", "")).await.status,
        StatusCode::NOT_FOUND,
        "no page was created"
    );
    for (dependencies, says) in [
        (json!({ "": "1" }), "npm package name"),
        (json!({ "react": "^19\n" }), "version range"),
        (json!({ "react": 19 }), "does not fit"),
    ] {
        let refused = owner
            .put(
                &page_path("orders", "/source"),
                &json!({ "source": PAGE, "dependencies": dependencies }),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{}",
            refused.text()
        );
        let message = refused.json()["error"]["message"].clone();
        assert!(message.as_str().unwrap().contains(says), "{message}");
    }
    let page = owner.get(&page_path("orders", "")).await.json();
    assert_eq!(page["head_version"], 1, "bad dependencies stored nothing");
}

#[tokio::test]
async fn a_save_from_an_outdated_base_is_a_conflict_that_names_the_head_and_loses_nothing() {
    let w = World::new().await;
    let owner = with_orders(&w).await;
    let from = |source: &str, base: i64| json!({ "source": source, "base_version": base });
    // Two editors open version 1; the first saves.
    let first = owner
        .put(&page_path("orders", "/source"), &from("// first\n", 1))
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(first.json()["version"]["number"], 2);
    // The second, still on version 1, is told who moved the head.
    let second = owner
        .put(&page_path("orders", "/source"), &from("// second\n", 1))
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.text());
    assert_eq!(second.error_code(), "head_moved");
    let error = second.json()["error"].clone();
    assert_eq!(error["details"]["head_version"], 2);
    assert_eq!(error["details"]["base_version"], 1);
    assert!(error["details"]["author"].is_string(), "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("version 2 was saved by"),
        "{error}"
    );
    let versions = owner.get(&page_path("orders", "/versions")).await.json();
    assert_eq!(versions.as_array().unwrap().len(), 2, "nothing was saved");
    let head = owner.get(&page_path("orders", "")).await.json();
    assert_eq!(
        head["head"]["source"], "// first\n",
        "the first save is intact"
    );
    // Merged onto the head, the second save goes through.
    let merged = owner
        .put(
            &page_path("orders", "/source"),
            &from("// first and second\n", 2),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text());
    let negative = owner
        .put(&page_path("orders", "/source"), &from("// x\n", -1))
        .await;
    assert_eq!(negative.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn publish_rollback_and_unpublish() {
    let w = World::new().await;
    let owner = w.as_("owner@example.com").await;
    let member = w.as_("member@example.com").await;
    create(
        &owner,
        &json!({ "name": "Orders", "slug": "orders", "source": PAGE }),
    )
    .await;
    save(&owner, "orders", PAGE_V2).await;
    save(&owner, "orders", BROKEN).await;

    let publish = |body: Value| {
        let owner = &owner;
        async move { owner.post(&page_path("orders", "/publish"), &body).await }
    };
    let refused = publish(json!({})).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the head did not build"
    );
    assert!(
        refused.text().contains("did not build"),
        "{}",
        refused.text()
    );
    let unknown = publish(json!({ "version": 9 })).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.text().contains("1 to 3"), "{}", unknown.text());
    let bad = publish(json!({ "version": "two" })).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        owner.get(&page_path("orders", "")).await.json()["status"],
        "draft",
        "nothing was published"
    );

    let v2 = publish(json!({ "version": 2 })).await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.text());
    assert_eq!(v2.json()["published_version"], 2);
    // Members now see the page.
    assert_eq!(
        member.get("/api/v1/projects/p/pages").await.json()[0]["slug"],
        "orders"
    );
    let as_member = member.get(&page_path("orders", "")).await.json();
    assert_eq!(as_member["head"], Value::Null, "sources are for editors");
    assert_eq!(
        member
            .post(&page_path("orders", "/publish"), &json!({ "version": 1 }))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let rollback = publish(json!({ "version": 1 })).await;
    assert_eq!(rollback.json()["published_version"], 1);

    let unpublished = owner
        .post(&page_path("orders", "/unpublish"), &json!({}))
        .await;
    assert_eq!(unpublished.status, StatusCode::OK, "{}", unpublished.text());
    assert_eq!(unpublished.json()["status"], "draft");
    assert_eq!(unpublished.json()["published_version"], Value::Null);
    assert_eq!(unpublished.json()["head_version"], 3);
    assert_eq!(
        member.get("/api/v1/projects/p/pages").await.json(),
        json!([])
    );

    let log = w
        .app
        .store()
        .audit_log(&w.project_id, None, 4)
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "page.unpublish",
            "page.publish",
            "page.publish",
            "page.save"
        ]
    );
    assert_eq!(log[1].details["rollback"], true);
}

#[tokio::test]
async fn one_page_per_inbox_mount_point_and_the_conflict_names_the_holder() {
    let w = World::new().await;
    let owner = w.as_("owner@example.com").await;
    let holder = create(
        &owner,
        &json!({ "name": "Customer card", "slug": "card", "inbox_mount": true }),
    )
    .await;
    assert_eq!(holder["mount_point"], "inbox_conversation_sidebar");
    create(&owner, &json!({ "name": "Orders", "slug": "orders" })).await;

    let taken = owner
        .patch(&page_path("orders", ""), &json!({ "inbox_mount": true }))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.text());
    assert_eq!(taken.error_code(), "mount_point_taken");
    assert!(
        taken.text().contains("\\\"Customer card\\\" (card)"),
        "{}",
        taken.text()
    );
    assert_eq!(taken.json()["error"]["details"]["page"]["slug"], "card");
    let also = owner
        .post(
            "/api/v1/projects/p/pages",
            &json!({ "name": "Second", "slug": "second", "inbox_mount": true }),
        )
        .await;
    assert_eq!(also.status, StatusCode::CONFLICT);
    assert_eq!(
        owner.get(&page_path("second", "")).await.status,
        StatusCode::NOT_FOUND,
        "nothing was created"
    );
    assert_eq!(
        owner.get(&page_path("orders", "")).await.json()["inbox_mount"],
        false
    );

    // Unmounting frees the mount point; the frame context carries it.
    owner
        .patch(&page_path("card", ""), &json!({ "inbox_mount": false }))
        .await;
    let moved = owner
        .patch(&page_path("orders", ""), &json!({ "inbox_mount": true }))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
    assert_eq!(moved.json()["mount_point"], "inbox_conversation_sidebar");
    save(&owner, "orders", PAGE).await;
    let frame = owner
        .post(
            &page_path("orders", "/frame"),
            &json!({ "mode": "preview" }),
        )
        .await
        .json();
    assert_eq!(
        frame["context"]["system"]["mountPoint"],
        "inbox_conversation_sidebar"
    );
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario from start to end: each step builds on the state the last one left"
)]
async fn frames_open_the_right_version_for_each_mode_and_role() {
    let w = World::new().await;
    let owner = w.as_("owner@example.com").await;
    let admin = w.as_("admin@example.com").await;
    let member = w.as_("member@example.com").await;
    let created = create(
        &owner,
        &json!({ "name": "Orders", "slug": "orders", "source": PAGE }),
    )
    .await;
    let page_id = created["id"].as_str().unwrap();
    let v1_sha = created["first"]["build"]["artifact"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let frame = |client: &Client<'_>, mode: &str| {
        let request = client.request(
            axum::http::Method::POST,
            &page_path("orders", "/frame"),
            Some(&json!({ "mode": mode })),
        );
        let app = &w.app;
        async move { app.send(request).await }
    };

    // A draft: editors preview it; nobody opens it in regular or embedded mode; a member
    // cannot frame it at all.
    let preview = frame(&admin, "preview").await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let preview = preview.json();
    let member_id = w
        .app
        .store()
        .find_user("admin@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        preview["context"],
        json!({
            "system": {
                "projectId": w.project_id,
                "pageId": page_id,
                "viewerUserId": member_id,
                "mountPoint": null,
                "mode": "preview",
                "theme": "light",
            },
            "context": { "conversation": null },
            "vars": {},
            "metadata": {},
        })
    );
    let url = preview["url"].as_str().unwrap();
    let nonce = preview["nonce"].as_str().unwrap();
    assert_eq!(nonce.len(), 32);
    assert!(
        url.starts_with(&format!(
            "http://127.0.0.1:8788/a/{v1_sha}?p={page_id}&m=preview&exp="
        )),
        "{url}"
    );
    assert!(url.ends_with(&format!("#nonce={nonce}")), "{url}");
    assert!(url.contains("&sig="), "{url}");
    let again = frame(&admin, "preview").await.json();
    assert_ne!(
        again["nonce"], preview["nonce"],
        "every frame gets a new nonce"
    );
    let expires = time::OffsetDateTime::parse(
        preview["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = expires - time::OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::seconds(590) && left <= time::Duration::seconds(600),
        "{left}"
    );

    for mode in ["regular", "embedded"] {
        let unpublished = frame(&owner, mode).await;
        assert_eq!(unpublished.status, StatusCode::NOT_FOUND, "{mode}");
        assert!(
            unpublished.text().contains("not published"),
            "{}",
            unpublished.text()
        );
    }
    for mode in ["preview", "regular", "embedded"] {
        assert_eq!(
            frame(&member, mode).await.status,
            StatusCode::NOT_FOUND,
            "a member cannot frame a draft ({mode})"
        );
    }

    // Published v1, head v2: regular and embedded show v1 to everyone; preview shows v2 to
    // editors and is refused to members.
    owner
        .post(&page_path("orders", "/publish"), &json!({}))
        .await;
    let v2 = save(&owner, "orders", PAGE_V2).await;
    let v2_sha = v2["build"]["artifact"]["sha256"].as_str().unwrap();
    for client in [&owner, &admin, &member] {
        for mode in ["regular", "embedded"] {
            let opened = frame(client, mode).await;
            assert_eq!(opened.status, StatusCode::OK, "{mode}: {}", opened.text());
            let opened = opened.json();
            assert!(opened["url"].as_str().unwrap().contains(&v1_sha), "{mode}");
            assert_eq!(opened["context"]["system"]["mode"], mode);
        }
    }
    let head = frame(&owner, "preview").await.json();
    assert!(head["url"].as_str().unwrap().contains(v2_sha));
    let refused = frame(&member, "preview").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());

    let bad = frame(&owner, "fullscreen").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("preview"), "{}", bad.text());
}

/// A frame URL's path and query on the test's usercontent origin, without the nonce.
fn on_usercontent(url: &str) -> String {
    url.strip_prefix("http://127.0.0.1:8788")
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .to_owned()
}

fn get(uri: &str) -> Request<Body> {
    Request::builder().uri(uri).body(Body::empty()).unwrap()
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario from start to end: each step builds on the state the last one left"
)]
async fn artifacts_are_served_only_by_the_usercontent_origin_with_a_valid_signature() {
    let w = World::new().await;
    let owner = w.as_("owner@example.com").await;
    let created = create(
        &owner,
        &json!({ "name": "Orders", "slug": "orders", "source": PAGE }),
    )
    .await;
    let page_id = created["id"].as_str().unwrap();
    let sha = created["first"]["build"]["artifact"]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let frame = owner
        .post(
            &page_path("orders", "/frame"),
            &json!({ "mode": "preview" }),
        )
        .await
        .json();
    let url = frame["url"].as_str().unwrap();
    let path_and_query = on_usercontent(url);

    let served = w.app.send_usercontent(get(&path_and_query)).await;
    assert_eq!(served.status, StatusCode::OK, "{}", served.text());
    assert!(served.text().contains("<div id=\"root\">"));
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&served.body))
    };
    assert_eq!(digest, sha, "the bytes are the artifact");
    let headers = [
        ("content-type", "text/html; charset=utf-8"),
        (
            "content-security-policy",
            "sandbox allow-scripts allow-forms allow-popups allow-modals; frame-ancestors http://127.0.0.1:8787",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("vary", "accept-encoding"),
    ];
    for (name, value) in headers {
        assert_eq!(served.header(name), Some(value), "{name}");
    }
    assert_artifact_cache_control(&served, &path_and_query);
    assert_eq!(
        served.header("content-encoding"),
        None,
        "identity when none is accepted"
    );
    assert!(
        !served
            .header("content-security-policy")
            .unwrap()
            .contains("allow-same-origin")
    );
    // A second request comes from the listener's cache, identical.
    let cached = w.app.send_usercontent(get(&path_and_query)).await;
    assert_eq!(cached.body, served.body);

    // The app origin never serves artifact bytes, signed URL or not.
    let on_app = w.app.send(get(&path_and_query)).await;
    assert_eq!(on_app.status, StatusCode::NOT_FOUND);
    assert!(!on_app.text().contains("root"));

    // Tampered, unsigned, expired: 403 with a plain message.
    let other_mode = path_and_query.replace("m=preview", "m=regular");
    let other_page = path_and_query.replace(page_id, "00000000-0000-0000-0000-000000000000");
    let later = {
        let (before, after) = path_and_query.split_once("&exp=").unwrap();
        let (exp, sig) = after.split_once('&').unwrap();
        let exp: i64 = exp.parse().unwrap();
        format!("{before}&exp={}&{sig}", exp + 3600)
    };
    let unsigned = path_and_query.split("&sig=").next().unwrap().to_owned();
    let mut flipped = path_and_query.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == '0' { '1' } else { '0' });
    let expired = {
        let signed = quire_server::artifacts::sign_url(
            &w.app.state,
            &sha,
            page_id,
            "preview",
            quire_server::artifacts::now_secs() - 601,
            &[],
        );
        signed
            .url
            .strip_prefix("http://127.0.0.1:8788")
            .unwrap()
            .to_owned()
    };
    for (what, uri, says) in [
        ("another mode", other_mode, "signature"),
        ("another page", other_page, "signature"),
        ("a later expiry", later, "signature"),
        ("no signature", unsigned, "not signed"),
        ("a flipped signature", flipped, "signature"),
        ("an expired link", expired, "expired"),
    ] {
        let refused = w.app.send_usercontent(get(&uri)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{what}");
        assert!(refused.text().contains(says), "{what}: {}", refused.text());
        assert!(!refused.text().contains("root"), "{what}");
    }

    // Signed for an artifact that does not exist: 404; other paths: 404.
    let missing = quire_server::artifacts::sign_url(
        &w.app.state,
        &"0".repeat(64),
        page_id,
        "preview",
        quire_server::artifacts::now_secs(),
        &[],
    );
    let missing = missing
        .url
        .strip_prefix("http://127.0.0.1:8788")
        .unwrap()
        .to_owned();
    assert_eq!(
        w.app.send_usercontent(get(&missing)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.app.send_usercontent(get("/api/v1/me")).await.status,
        StatusCode::NOT_FOUND
    );
}

fn get_encoded(uri: &str, accept_encoding: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header("accept-encoding", accept_encoding)
        .body(Body::empty())
        .unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn compressed_artifacts_keep_every_security_header_and_only_go_to_clients_that_ask() {
    let w = World::new().await;
    let owner = with_orders(&w).await;
    let frame = owner
        .post(
            &page_path("orders", "/frame"),
            &json!({ "mode": "preview" }),
        )
        .await
        .json();
    let uri = frame["url"]
        .as_str()
        .unwrap()
        .strip_prefix("http://127.0.0.1:8788")
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .to_owned();
    let identity = w.app.send_usercontent(get(&uri)).await;
    assert_eq!(identity.status, StatusCode::OK);
    assert_eq!(identity.header("content-encoding"), None);

    let security_headers = |response: &quire_test_utils::TestResponse| {
        for name in [
            "content-type",
            "content-security-policy",
            "x-content-type-options",
            "referrer-policy",
            "vary",
        ] {
            assert_eq!(
                response.header(name),
                identity.header(name),
                "{name} as on the identity response"
            );
        }
        assert_artifact_cache_control(response, &uri);
    };

    // A browser's header: gzip at once (brotli follows once it is made).
    let browser = w
        .app
        .send_usercontent(get_encoded(&uri, "gzip, deflate, br, zstd"))
        .await;
    assert_eq!(browser.status, StatusCode::OK);
    security_headers(&browser);
    let coding = browser.header("content-encoding").unwrap();
    let body = match coding {
        "gzip" => gunzip(&browser.body),
        "br" => unbrotli(&browser.body),
        other => panic!("unexpected coding {other}"),
    };
    assert_eq!(body, identity.body, "{coding} decodes to the artifact");
    assert!(
        browser.body.len() * 2 < identity.body.len(),
        "{coding} saves bytes"
    );

    let gzip = w.app.send_usercontent(get_encoded(&uri, "gzip")).await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    security_headers(&gzip);
    assert_eq!(gunzip(&gzip.body), identity.body);

    // Codings the client refuses or does not know get identity.
    for refused in [
        "identity",
        "gzip;q=0",
        "br;q=0, gzip;q=0",
        "deflate, zstd",
        "",
    ] {
        let response = w.app.send_usercontent(get_encoded(&uri, refused)).await;
        assert_eq!(response.header("content-encoding"), None, "{refused:?}");
        assert_eq!(response.body, identity.body, "{refused:?}");
        security_headers(&response);
    }

    // The brotli copy is made in the background; once there, clients that accept it get it.
    let mut attempts = 0;
    let brotli = loop {
        let response = w.app.send_usercontent(get_encoded(&uri, "br")).await;
        if response.header("content-encoding") == Some("br") {
            break response;
        }
        assert_eq!(
            response.header("content-encoding"),
            None,
            "br only: identity until then"
        );
        attempts += 1;
        assert!(attempts < 1200, "the brotli copy was never made");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    security_headers(&brotli);
    assert_eq!(unbrotli(&brotli.body), identity.body);
    assert!(brotli.body.len() < gzip.body.len());

    // Signatures are checked whatever the coding.
    let unsigned = uri.split("&sig=").next().unwrap();
    let refused = w
        .app
        .send_usercontent(get_encoded(unsigned, "gzip, br"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.header("content-encoding"), None);
}

#[tokio::test]
async fn the_kapso_types_and_the_save_contract_are_published() {
    let app = TestApp::new().await;
    let types = app.anonymous().get("/api/v1/kapso.d.ts").await;
    assert_eq!(types.status, StatusCode::OK);
    assert!(
        types
            .header("content-type")
            .unwrap()
            .starts_with("application/typescript")
    );
    assert!(types.text().contains("invokeFunction"), "{}", types.text());

    let openapi = app.anonymous().get("/api/v1/openapi.json").await.json();
    let save = &openapi["paths"]["/api/v1/projects/{p}/pages/{page}/source"]["put"];
    let ok = save["responses"]["200"]["description"].as_str().unwrap();
    assert!(ok.contains("build.ok = false"), "{ok}");
    for path in [
        "/api/v1/projects/{p}/pages",
        "/api/v1/projects/{p}/pages/{page}",
        "/api/v1/projects/{p}/pages/{page}/versions",
        "/api/v1/projects/{p}/pages/{page}/publish",
        "/api/v1/projects/{p}/pages/{page}/unpublish",
        "/api/v1/projects/{p}/pages/{page}/frame",
        "/api/v1/projects/{p}/pages/{page}/invoke",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path} is documented");
    }
}

pub(crate) const ECHO: &str = r#"async function handler(request, env) {
  const payload = await request.json();
  return Response.json({
    payload,
    viewer: request.headers.get("x-quire-viewer"),
    page: request.headers.get("x-quire-page"),
    mountPoint: request.headers.get("x-quire-mount-point"),
    mode: request.headers.get("x-quire-mode"),
  });
}"#;

pub(crate) async fn deployed_function(
    app: &TestApp,
    project: &str,
    slug: &str,
    owner: &str,
) -> String {
    let function = app
        .store()
        .create_function(&quire_store::NewFunction {
            project_id: project,
            name: slug,
            slug,
            code: ECHO,
            load_error: None,
            public_endpoint: false,
            timeout_ms: 5000,
            memory_mb: 64,
            author_id: owner,
        })
        .await
        .unwrap();
    app.store()
        .deploy_function(&function.id, 1, None, owner)
        .await
        .unwrap();
    function.id
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario from start to end: each step builds on the state the last one left"
)]
async fn a_page_invokes_its_own_projects_functions_as_its_viewer() {
    let w = World::new().await;
    let owner = w.as_("owner@example.com").await;
    let member = w.as_("member@example.com").await;
    let owner_id = w
        .app
        .store()
        .find_user("owner@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let member_id = w
        .app
        .store()
        .find_user("member@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let own = deployed_function(&w.app, &w.project_id, "your-function-slug", &owner_id).await;
    let q = w
        .app
        .store()
        .create_project("q", "Q", &owner_id)
        .await
        .unwrap();
    let theirs = deployed_function(&w.app, &q.id, "theirs", &owner_id).await;
    let created = create(
        &owner,
        &json!({ "name": "Orders", "slug": "orders", "template": "dashboard", "inbox_mount": true }),
    )
    .await;
    let page_id = created["id"].as_str().unwrap();
    let invoke = |client: &Client<'_>, body: Value| {
        let request = client.request(
            axum::http::Method::POST,
            &page_path("orders", "/invoke"),
            Some(&body),
        );
        let app = &w.app;
        async move { app.send(request).await }
    };

    // A draft: editors call its functions from the preview; members cannot, nor can anyone
    // from the regular mode.
    let preview = invoke(
        &owner,
        json!({ "function": { "slug": "your-function-slug" }, "payload": { "id": "123" }, "mode": "preview" }),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    assert_eq!(
        preview.json(),
        json!({
            "payload": { "id": "123" },
            "viewer": owner_id,
            "page": page_id,
            "mountPoint": "inbox_conversation_sidebar",
            "mode": "preview",
        })
    );
    let regular = invoke(
        &owner,
        json!({ "function": { "slug": "your-function-slug" } }),
    )
    .await;
    assert_eq!(regular.status, StatusCode::NOT_FOUND, "{}", regular.text());
    let draft = invoke(
        &member,
        json!({ "function": { "slug": "your-function-slug" }, "payload": {} }),
    )
    .await;
    assert_eq!(draft.status, StatusCode::NOT_FOUND, "{}", draft.text());

    owner
        .post(&page_path("orders", "/publish"), &json!({}))
        .await;
    let by_member = invoke(
        &member,
        json!({ "function": { "id": own }, "payload": { "id": "7" } }),
    )
    .await;
    assert_eq!(by_member.status, StatusCode::OK, "{}", by_member.text());
    let answer = by_member.json();
    assert_eq!(
        answer["viewer"],
        member_id.as_str(),
        "the server says who called"
    );
    assert_eq!(answer["mode"], "regular");
    assert_eq!(answer["payload"], json!({ "id": "7" }));
    // A payload is any JSON, as `kapso.invokeFunction` takes it.
    let listed = invoke(
        &member,
        json!({ "function": { "id": own }, "payload": ["7", 8] }),
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
    assert_eq!(listed.json()["payload"], json!(["7", 8]));
    let member_preview = invoke(
        &member,
        json!({ "function": { "id": own }, "payload": {}, "mode": "preview" }),
    )
    .await;
    assert_eq!(member_preview.status, StatusCode::FORBIDDEN);

    // Another project's function is not there, by slug or by id, even for its owner.
    for function in [json!({ "slug": "theirs" }), json!({ "id": theirs })] {
        let refused = invoke(&owner, json!({ "function": function, "payload": {} })).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text());
        assert_eq!(refused.error_code(), "not_found");
    }

    // Bad requests: a clear 400; a payload over 1 MiB: 413.
    for body in [
        json!({ "function": {}, "payload": {} }),
        json!({ "function": { "id": own, "slug": "your-function-slug" } }),
        json!({ "function": { "slug": "your-function-slug" }, "headers": { "x-quire-viewer": "me" } }),
        json!({ "function": { "slug": "x".repeat(257) }, "payload": {} }),
    ] {
        let refused = invoke(&owner, body.clone()).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            refused.text()
        );
    }
    let big = invoke(
        &owner,
        json!({ "function": { "id": own }, "payload": { "blob": "x".repeat(1_100_000) } }),
    )
    .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", big.text());
}

#[tokio::test]
async fn the_demo_seed_publishes_the_orders_page_once() {
    let app = TestApp::new().await;
    let store = app.store();
    quire_server::bootstrap::ensure_first_owner(store, None, Some("a long enough password"))
        .await
        .unwrap();
    assert!(
        !quire_server::bootstrap::seed_demo_page(&app.state)
            .await
            .unwrap(),
        "no demo project yet: nothing to do"
    );
    quire_server::bootstrap::seed_demo(store).await.unwrap();
    assert!(
        quire_server::bootstrap::seed_demo_page(&app.state)
            .await
            .unwrap()
    );
    let project = store.project("demo").await.unwrap().unwrap();
    let page = store.page(&project.id, "orders").await.unwrap().unwrap();
    assert_eq!(page.published_version, Some(1));
    let version = store.page_version(&page.id, 1).await.unwrap().unwrap();
    assert!(
        version
            .source
            .contains("kapso.invokeFunction<Orders>({ slug: \"orders\"")
    );
    assert!(
        quire_server::bootstrap::seed_demo_page(&app.state)
            .await
            .unwrap()
    );
    assert_eq!(
        store.page_versions(&page.id).await.unwrap().len(),
        1,
        "seeding twice adds nothing"
    );
}

/// An artifact's `Cache-Control`: private and immutable (the URL names the body by its hash),
/// fresh for no longer than its URL lives, and never past the URL's expiry.
fn assert_artifact_cache_control(response: &quire_test_utils::TestResponse, url: &str) {
    let expires_at: i64 = url
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("exp="))
        .and_then(|exp| exp.parse().ok())
        .unwrap_or_else(|| panic!("no expiry in {url}"));
    let value = response.header("cache-control").unwrap();
    let fresh: i64 = value
        .strip_prefix("private, max-age=")
        .and_then(|rest| rest.strip_suffix(", immutable"))
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("not private, immutable and bounded: {value}"));
    let lifetime = i64::try_from(quire_server::artifacts::URL_LIFETIME.as_secs()).unwrap();
    let now = quire_server::artifacts::now_secs();
    assert!(
        fresh <= lifetime && fresh >= expires_at - now,
        "max-age {fresh} for a URL expiring at {expires_at}, now {now}"
    );
}

#[tokio::test]
async fn a_deleted_page_is_gone_with_its_versions_and_its_frames_end() {
    let w = World::new().await;
    let owner = with_orders(&w).await;
    owner
        .post(&page_path("orders", "/publish"), &json!({}))
        .await;
    let frame = owner
        .post(
            &page_path("orders", "/frame"),
            &json!({ "mode": "regular" }),
        )
        .await;
    assert_eq!(frame.status, StatusCode::OK, "{}", frame.text());

    let deleted = owner.delete(&page_path("orders", "")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    for path in ["", "/versions"] {
        let gone = owner.get(&page_path("orders", path)).await;
        assert_eq!(
            gone.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            gone.text()
        );
    }
    let frame = owner
        .post(
            &page_path("orders", "/frame"),
            &json!({ "mode": "regular" }),
        )
        .await;
    assert_eq!(frame.status, StatusCode::NOT_FOUND);
    let listed = owner.get("/api/v1/projects/p/pages").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 0, "{listed}");
    let audit = owner.get("/api/v1/projects/p/audit").await.json();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["action"] == "page.delete"),
        "{audit}"
    );
    // The slug is free again.
    create(&owner, &json!({ "name": "Orders", "slug": "orders" })).await;
}

#[tokio::test]
async fn a_preview_compiles_without_saving_and_frames_what_built() {
    let w = World::new().await;
    let owner = with_orders(&w).await;
    let preview = |source: &str| {
        let body = json!({ "source": source });
        let owner = &owner;
        async move { owner.post(&page_path("orders", "/preview"), &body).await }
    };

    let good = preview(PAGE_V2).await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.text());
    let good = good.json();
    assert_eq!(good["build"]["ok"], true, "{good}");
    assert_eq!(good["frame"]["context"]["system"]["mode"], "preview");
    let url = good["frame"]["url"].as_str().unwrap();
    assert!(url.contains("&m=preview&"), "{url}");
    let path_and_query = on_usercontent(url);
    let served = w.app.send_usercontent(get(&path_and_query)).await;
    assert_eq!(served.status, StatusCode::OK, "{}", served.text());
    assert!(
        served.text().contains("second edition"),
        "the previewed source is served"
    );

    // The warm parts: the page's script apart, and a shell (bridge and React, no page) with a
    // frame of its own, shared by builds of the same dependencies.
    let warm = &good["warm"];
    assert!(
        warm["script"].as_str().unwrap().contains("second edition"),
        "{warm}"
    );
    assert_eq!(warm["css"], "");
    assert_eq!(warm["frame"]["context"], good["frame"]["context"]);
    assert_ne!(warm["frame"]["nonce"], good["frame"]["nonce"]);
    let shell_url = warm["frame"]["url"].as_str().unwrap();
    let shell = w
        .app
        .send_usercontent(get(&on_usercontent(shell_url)))
        .await;
    assert_eq!(shell.status, StatusCode::OK, "{}", shell.text());
    let shell = shell.text();
    assert!(
        shell.contains("<html lang=\"en\" data-quire-shell>"),
        "{shell}"
    );
    assert!(shell.contains("kapso:hello") && !shell.contains("second edition"));
    assert!(shell_url.contains(&format!("/a/{}?", warm["shell"].as_str().unwrap())));
    let other = preview(&PAGE_V2.replace("second edition", "third edition"))
        .await
        .json();
    assert_eq!(other["warm"]["shell"], warm["shell"], "the same shell");
    assert_ne!(other["frame"]["url"], good["frame"]["url"]);

    let broken = preview(BROKEN).await.json();
    assert_eq!(broken["build"]["ok"], false, "{broken}");
    assert!(broken["frame"].is_null(), "no frame for what did not build");
    assert!(broken["warm"].is_null(), "nor warm parts");
    assert!(broken["build"]["diagnostics"][0]["line"].as_u64().unwrap() > 0);

    let page = owner.get(&page_path("orders", "")).await.json();
    assert_eq!(page["head_version"], 1, "a preview saves no version");
    assert_eq!(page["head"]["source"], PAGE);

    let huge = preview(&"x".repeat(1_100_000)).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_list_shows_editors_each_pages_last_save_and_members_none() {
    let w = World::new().await;
    let owner = with_orders(&w).await;
    create(&owner, &json!({ "name": "Blank", "slug": "blank" })).await;
    save(&owner, "orders", BROKEN).await;
    owner
        .post(&page_path("orders", "/publish"), &json!({ "version": 1 }))
        .await;

    let listed = owner.get("/api/v1/projects/p/pages").await.json();
    let item = |slug: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|page| page["slug"] == slug)
            .unwrap_or_else(|| panic!("{listed}"))
            .clone()
    };
    let orders = item("orders");
    assert_eq!(orders["last_save"]["number"], 2, "{orders}");
    assert_eq!(
        orders["last_save"]["build_ok"], false,
        "the head did not build"
    );
    assert_eq!(orders["published_version"], 1);
    assert!(
        orders["last_save"]["saved_by"]["name"].is_string(),
        "{orders}"
    );
    assert!(orders["last_save"]["saved_at"].is_string(), "{orders}");
    assert!(item("blank")["last_save"].is_null(), "never saved");

    let member = w.as_("member@example.com").await;
    let seen = member.get("/api/v1/projects/p/pages").await.json();
    let seen = seen.as_array().unwrap();
    assert_eq!(seen.len(), 1, "members see the published page only");
    assert!(seen[0]["last_save"].is_null(), "and no draft's details");
}
