//! Projects and members through the API, with their bad-input cases.

use axum::http::StatusCode;
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
