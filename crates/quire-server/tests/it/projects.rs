//! Projects and members through the API, with their bad-input cases.

use axum::http::StatusCode;
use quire_store::{Project, Role, User};
use quire_test_utils::TestApp;
use serde_json::json;

#[tokio::test]
async fn creating_a_project_makes_you_its_owner() {
    let app = TestApp::new().await;
    let user = app.user("ada@example.com").await;
    let client = app.login("ada@example.com").await;
    let created = client
        .post(
            "/api/v1/projects",
            &json!({ "name": "Acme Support", "slug": "acme" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    insta::assert_json_snapshot!(quire_test_utils::redact(created.json()), @r#"
    {
      "id": "[id]",
      "slug": "acme",
      "name": "Acme Support",
      "role": "owner",
      "created_at": "[created_at]"
    }
    "#);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    for path in ["/api/v1/projects/acme", &format!("/api/v1/projects/{id}")] {
        assert_eq!(
            client.get(path).await.json()["slug"],
            "acme",
            "{path}: id or slug"
        );
    }
    assert_eq!(
        client
            .get("/api/v1/projects")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.store()
            .membership("acme", &user.id)
            .await
            .unwrap()
            .unwrap()
            .role,
        quire_store::Role::Owner
    );
}

#[tokio::test]
async fn bad_project_input_is_refused_and_nothing_is_written() {
    let app = TestApp::new().await;
    let user = app.user("ada@example.com").await;
    let client = app.token_client(&user, None).await;
    assert_eq!(
        client
            .post(
                "/api/v1/projects",
                &json!({ "name": "Taken", "slug": "taken" })
            )
            .await
            .status,
        StatusCode::CREATED
    );
    let long_name = "x".repeat(201);
    let cases = [
        (
            json!({ "name": "P", "slug": "Has Caps" }),
            StatusCode::BAD_REQUEST,
            "a-z, 0-9 and '-'",
        ),
        (
            json!({ "name": "P", "slug": "" }),
            StatusCode::BAD_REQUEST,
            "1 to 64",
        ),
        (
            json!({ "name": "P", "slug": "a".repeat(65) }),
            StatusCode::BAD_REQUEST,
            "1 to 64",
        ),
        (
            json!({ "name": long_name, "slug": "ok" }),
            StatusCode::BAD_REQUEST,
            "201 characters; the limit is 200",
        ),
        (
            json!({ "name": "  ", "slug": "ok" }),
            StatusCode::BAD_REQUEST,
            "empty",
        ),
        (
            json!({ "name": "Again", "slug": "taken" }),
            StatusCode::CONFLICT,
            "\"taken\"",
        ),
    ];
    for (body, status, message) in cases {
        let response = client.post("/api/v1/projects", &body).await;
        assert_eq!(response.status, status, "{body}: {}", response.text());
        let text = response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(text.contains(message), "{body}: {text}");
    }
    assert_eq!(
        app.store().memberships(&user.id).await.unwrap().len(),
        1,
        "only the first project exists"
    );
}

#[tokio::test]
async fn owners_manage_members_but_never_remove_the_last_owner() {
    let app = TestApp::new().await;
    let owner = app.user("owner@example.com").await;
    let bob = app.user("bob@example.com").await;
    let client = app.token_client(&owner, None).await;
    client
        .post("/api/v1/projects", &json!({ "name": "P", "slug": "p" }))
        .await;
    let project = app.store().project("p").await.unwrap().unwrap();
    app.store()
        .set_member_role(&project.id, &bob.id, quire_store::Role::Admin, "cli")
        .await
        .unwrap();

    let changed = client
        .put(
            "/api/v1/projects/p/members/bob@example.com",
            &json!({ "role": "member" }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    assert_eq!(changed.json()["role"], "member");
    let bad_role = client
        .put(
            "/api/v1/projects/p/members/bob@example.com",
            &json!({ "role": "king" }),
        )
        .await;
    assert_eq!(bad_role.status, StatusCode::BAD_REQUEST);
    assert!(bad_role.text().contains("owner, admin or member"));
    let last = client
        .put(
            "/api/v1/projects/p/members/owner@example.com",
            &json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(last.status, StatusCode::CONFLICT);
    assert_eq!(last.error_code(), "last_owner");
    assert_eq!(
        client
            .delete("/api/v1/projects/p/members/owner@example.com")
            .await
            .status,
        StatusCode::CONFLICT
    );

    let members = client.get("/api/v1/projects/p/members").await.json();
    let roles: Vec<_> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user"]["email"].as_str().unwrap().to_owned(),
                m["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("owner@example.com".into(), "owner".into()),
            ("bob@example.com".into(), "member".into())
        ]
    );

    assert_eq!(
        client
            .delete("/api/v1/projects/p/members/bob@example.com")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        client
            .delete("/api/v1/projects/p/members/bob@example.com")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let audit = client.get("/api/v1/projects/p/audit").await.json();
    let actions: Vec<_> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "member.remove",
            "member.role_change",
            "member.add",
            "project.create"
        ]
    );
    assert_eq!(
        client.get("/api/v1/projects/p/audit?limit=0").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn admins_manage_members_but_only_owners_touch_an_owner() {
    let app = TestApp::new().await;
    let (project, users) = project_p(&app, &[Role::Admin, Role::Member]).await;
    let client = app.token_client(&users[1], None).await;

    let promoted = client
        .put(
            "/api/v1/projects/p/members/bob@example.com",
            &json!({ "role": "admin" }),
        )
        .await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.text());
    for (attempt, what) in [
        (
            client
                .put(
                    "/api/v1/projects/p/members/bob@example.com",
                    &json!({ "role": "owner" }),
                )
                .await,
            "make or demote an owner",
        ),
        (
            client
                .put(
                    "/api/v1/projects/p/members/owner@example.com",
                    &json!({ "role": "member" }),
                )
                .await,
            "make or demote an owner",
        ),
        (
            client
                .delete("/api/v1/projects/p/members/owner@example.com")
                .await,
            "remove an owner",
        ),
    ] {
        assert_eq!(attempt.status, StatusCode::FORBIDDEN, "{}", attempt.text());
        assert!(attempt.text().contains(what), "{}", attempt.text());
    }
    assert_eq!(
        client
            .delete("/api/v1/projects/p/members/bob@example.com")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let roles: Vec<_> = app
        .store()
        .members(&project.id)
        .await
        .unwrap()
        .iter()
        .map(|m| (m.email.clone(), m.role))
        .collect();
    assert_eq!(
        roles,
        [
            ("owner@example.com".to_owned(), Role::Owner),
            ("admin@example.com".to_owned(), Role::Admin)
        ]
    );
}

#[tokio::test]
async fn owners_rename_a_project_and_the_slug_stays() {
    let app = TestApp::new().await;
    let (_, users) = project_p(&app, &[Role::Admin]).await;
    let (owner, admin) = (&users[0], &users[1]);
    let client = app.token_client(owner, None).await;
    let renamed = client
        .patch("/api/v1/projects/p", &json!({ "name": "  Support desk " }))
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text());
    assert_eq!(renamed.json()["name"], "Support desk");
    assert_eq!(renamed.json()["slug"], "p");
    assert_eq!(renamed.json()["role"], "owner");
    let by_admin = app
        .token_client(admin, None)
        .await
        .patch("/api/v1/projects/p", &json!({ "name": "Mine" }))
        .await;
    assert_eq!(by_admin.status, StatusCode::FORBIDDEN);
    let bad = client
        .patch("/api/v1/projects/p", &json!({ "name": "a\u{202e}b" }))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let unknown = client
        .patch("/api/v1/projects/p", &json!({ "slug": "q" }))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let audit = client
        .get("/api/v1/projects/p/audit?action=project.rename")
        .await
        .json();
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");
    assert_eq!(
        audit[0]["details"],
        json!({ "from": "P", "to": "Support desk" })
    );
    assert_eq!(audit[0]["actor_email"], "owner@example.com");
}

#[tokio::test]
async fn the_audit_log_filters_by_action_actor_and_time_and_refuses_bad_filters() {
    let app = TestApp::new().await;
    let (_, users) = project_p(&app, &[]).await;
    let owner = &users[0];
    let client = app.token_client(owner, None).await;
    for name in ["One", "Two"] {
        client
            .patch("/api/v1/projects/p", &json!({ "name": name }))
            .await;
    }
    let count = |body: serde_json::Value| body.as_array().unwrap().len();
    let get = |query: &str| {
        let path = format!("/api/v1/projects/p/audit?{query}");
        let client = &client;
        async move { client.get(&path).await }
    };
    assert_eq!(count(get("action=project.").await.json()), 3);
    assert_eq!(count(get("action=project.rename&limit=1").await.json()), 1);
    assert_eq!(count(get("actor=owner@example.com").await.json()), 3);
    assert_eq!(count(get(&format!("actor={}", owner.id)).await.json()), 3);
    assert_eq!(count(get("actor=nobody@example.com").await.json()), 0);
    assert_eq!(count(get("since=2999-01-01T00:00:00Z").await.json()), 0);
    assert_eq!(count(get("until=2000-01-01T00:00:00Z").await.json()), 0);
    assert_eq!(
        count(
            get("since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00%2B02:00")
                .await
                .json()
        ),
        3
    );
    for (query, field) in [
        ("since=yesterday", "since"),
        ("until=2025-13-01T00:00:00Z", "until"),
        ("actor=not@an@address", "actor"),
        ("colour=red", "colour"),
    ] {
        let refused = get(query).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            refused.text()
        );
        assert!(
            refused.text().contains(field),
            "{query}: {}",
            refused.text()
        );
    }
}

/// Project "p" made by owner@example.com through the API, with one more account per role
/// (admin@…, then bob@…, carol@…); answers the project and the accounts, owner first.
async fn project_p(app: &TestApp, roles: &[Role]) -> (Project, Vec<User>) {
    let mut users = vec![app.user("owner@example.com").await];
    app.token_client(&users[0], None)
        .await
        .post("/api/v1/projects", &json!({ "name": "P", "slug": "p" }))
        .await;
    let project = app.store().project("p").await.unwrap().unwrap();
    for (role, email) in
        roles
            .iter()
            .zip(["admin@example.com", "bob@example.com", "carol@example.com"])
    {
        let user = app.user(email).await;
        app.store()
            .set_member_role(&project.id, &user.id, *role, "cli")
            .await
            .unwrap();
        users.push(user);
    }
    (project, users)
}
