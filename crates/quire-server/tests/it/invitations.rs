//! Joining a project: invitations, their one-time links, and the member routes that no
//! longer add anyone. No answer tells whether an e-mail address has an account.

use axum::http::StatusCode;
use quire_store::Role;
use quire_test_utils::TestApp;
use serde_json::{Value, json};

/// An app with project "p" owned by owner@example.com, who is signed in.
async fn project(app: &TestApp) -> quire_test_utils::Client<'_> {
    app.user("owner@example.com").await;
    let owner = app.login("owner@example.com").await;
    let created = owner
        .post(
            "/api/v1/projects",
            &json!({ "name": "Project P", "slug": "p" }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    owner
}

async fn invite(client: &quire_test_utils::Client<'_>, email: &str, role: &str) -> Value {
    let response = client
        .post(
            "/api/v1/projects/p/invitations",
            &json!({ "email": email, "role": role }),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()
}

/// Uses the link of `invitation` without signing in, to create an account with `body`.
async fn create_account(
    app: &TestApp,
    invitation: &Value,
    body: &Value,
) -> quire_test_utils::TestResponse {
    app.anonymous()
        .post(
            &format!("/api/v1/invitations/{}/accept", token(invitation)),
            body,
        )
        .await
}

fn token(invitation: &Value) -> String {
    invitation["token"].as_str().unwrap().to_owned()
}

async fn project_actions(app: &TestApp) -> Vec<String> {
    let project = app.store().project("p").await.unwrap().unwrap();
    app.store()
        .audit_log(&project.id, None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn an_invited_account_joins_after_signing_in_and_the_link_is_used_up() {
    let app = TestApp::new().await;
    let owner = project(&app).await;
    let bob = app.user("bob@example.com").await;
    let invitation = invite(&owner, "Bob@Example.com", "admin").await;
    let token = token(&invitation);
    assert!(
        token.starts_with("quire_inv_") && token.len() >= 10 + 43,
        "{token}"
    );
    assert_eq!(invitation["email"], "bob@example.com");
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM invitations")
        .fetch_all(app.store().pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0].contains(&token[10..]),
        "only the token's hash is stored"
    );

    let listed = owner.get("/api/v1/projects/p/invitations").await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("token").is_none(), "{listed}");

    let preview = app
        .anonymous()
        .get(&format!("/api/v1/invitations/{token}"))
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    insta::assert_json_snapshot!(quire_test_utils::redact(preview.json()), @r#"
    {
      "project_name": "Project P",
      "email": "bob@example.com",
      "role": "admin",
      "inviter_name": "owner",
      "expires_at": "[expires_at]"
    }
    "#);

    let accept = format!("/api/v1/invitations/{token}/accept");
    let anonymous = app
        .anonymous()
        .send(axum::http::Method::POST, &accept, None)
        .await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.text()
    );

    let signed_in = app.login("bob@example.com").await;
    let joined = signed_in
        .send(axum::http::Method::POST, &accept, None)
        .await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.text());
    assert_eq!(joined.json()["project"]["role"], "admin");
    assert_eq!(joined.json()["account_created"], false);
    assert_eq!(
        app.store()
            .membership("p", &bob.id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Admin
    );

    let again = signed_in
        .send(axum::http::Method::POST, &accept, None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.text());
    assert_eq!(
        app.anonymous()
            .get(&format!("/api/v1/invitations/{token}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        owner
            .get("/api/v1/projects/p/invitations")
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        project_actions(&app).await[..2],
        ["invitation.accept", "invitation.create"]
    );
}

#[tokio::test]
async fn a_link_is_for_its_address_only_and_a_revoked_link_stops_working() {
    let app = TestApp::new().await;
    let owner = project(&app).await;
    app.user("bob@example.com").await;
    let carol = app.user("carol@example.com").await;
    let token = token(&invite(&owner, "bob@example.com", "member").await);
    let accept = format!("/api/v1/invitations/{token}/accept");

    let other = app.login("carol@example.com").await;
    let refused = other.send(axum::http::Method::POST, &accept, None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    assert!(
        app.store()
            .membership("p", &carol.id)
            .await
            .unwrap()
            .is_none()
    );

    let id = owner.get("/api/v1/projects/p/invitations").await.json()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = owner
        .delete(&format!("/api/v1/projects/p/invitations/{id}"))
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text());
    assert_eq!(
        owner
            .delete(&format!("/api/v1/projects/p/invitations/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let bob = app.login("bob@example.com").await;
    assert_eq!(
        bob.send(axum::http::Method::POST, &accept, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        project_actions(&app).await[..2],
        ["invitation.revoke", "invitation.create"]
    );
}

#[tokio::test]
async fn a_link_makes_the_account_of_a_free_address_and_never_says_an_address_is_taken() {
    let app = TestApp::new().await;
    let owner = project(&app).await;
    app.user("taken@example.com").await;
    let free = invite(&owner, "free@example.com", "member").await;
    let taken = invite(&owner, "taken@example.com", "member").await;
    // Inviting answers alike whether or not the address has an account.
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&free), keys(&taken));
    let free_preview = app
        .anonymous()
        .get(&format!("/api/v1/invitations/{}", token(&free)))
        .await;
    let taken_preview = app
        .anonymous()
        .get(&format!("/api/v1/invitations/{}", token(&taken)))
        .await;
    assert_eq!(keys(&free_preview.json()), keys(&taken_preview.json()));

    let account = json!({ "name": "Someone", "password": "a long enough password" });
    for (body, field) in [
        (
            json!({ "name": "", "password": "a long enough password" }),
            "name",
        ),
        (json!({ "name": "N", "password": "short" }), "password"),
    ] {
        let bad = create_account(&app, &free, &body).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text());
        assert_eq!(bad.json()["error"]["details"]["field"], field);
    }

    let created = create_account(&app, &free, &account).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()["account_created"], true);
    assert_eq!(created.json()["user"]["email"], "free@example.com");
    let signed_in = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({ "email": "free@example.com", "password": "a long enough password" }),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text());

    // A used link is gone, like any link that cannot be used.
    let used = create_account(&app, &free, &account).await;
    assert_eq!(used.status, StatusCode::NOT_FOUND, "{}", used.text());
    let refused = create_account(&app, &taken, &account).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert_eq!(refused.error_code(), "cannot_create_account");
    let message = refused.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    for telling in ["exists", "already", "taken", "registered"] {
        assert!(!message.contains(telling), "{message}");
    }
    // Nothing changed: the account keeps its password, the link stays usable for its holder.
    app.login("taken@example.com").await;
    assert_eq!(app.store().count_users().await.unwrap(), 3);
    let holder = app.login("taken@example.com").await;
    let joined = holder
        .send(
            axum::http::Method::POST,
            &format!("/api/v1/invitations/{}/accept", token(&taken)),
            None,
        )
        .await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.text());
}

#[tokio::test]
async fn only_owners_invite_owners_and_bad_invitations_are_refused() {
    let app = TestApp::new().await;
    let owner = project(&app).await;
    let admin = app.user("admin@example.com").await;
    let project = app.store().project("p").await.unwrap().unwrap();
    app.store()
        .set_member_role(&project.id, &admin.id, Role::Admin, "cli")
        .await
        .unwrap();
    let admin = app.login("admin@example.com").await;
    let refused = admin
        .post(
            "/api/v1/projects/p/invitations",
            &json!({ "email": "x@example.com", "role": "owner" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    invite(&admin, "x@example.com", "admin").await;
    invite(&owner, "y@example.com", "owner").await;
    for (body, field) in [
        (json!({ "email": "not an address" }), "email"),
        (json!({ "email": "x@example.com", "role": "king" }), "role"),
        (
            json!({ "email": "x@example.com", "expires_in_days": 0 }),
            "expires_in_days",
        ),
        (
            json!({ "email": "x@example.com", "expires_in_days": 31 }),
            "expires_in_days",
        ),
    ] {
        let bad = owner.post("/api/v1/projects/p/invitations", &body).await;
        assert_eq!(
            bad.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            bad.text()
        );
        assert_eq!(bad.json()["error"]["details"]["field"], field, "{body}");
    }
    assert_eq!(
        owner
            .get("/api/v1/projects/p/invitations")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn member_routes_change_members_only_and_answer_everyone_else_alike() {
    let app = TestApp::new().await;
    let owner = project(&app).await;
    let outsider = app.user("outsider@example.com").await;
    let mut answers = Vec::new();
    for user in [
        "outsider@example.com",
        outsider.id.as_str(),
        "nobody@example.com",
        "no-such-id",
    ] {
        let put = owner
            .put(
                &format!("/api/v1/projects/p/members/{user}"),
                &json!({ "role": "member" }),
            )
            .await;
        let delete = owner
            .delete(&format!("/api/v1/projects/p/members/{user}"))
            .await;
        answers.push((put.status, put.text(), delete.status, delete.text()));
    }
    assert_eq!(answers[0].0, StatusCode::NOT_FOUND, "{}", answers[0].1);
    assert!(answers[0].1.contains("no such member"), "{}", answers[0].1);
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:#?}");
    assert!(
        app.store()
            .membership("p", &outsider.id)
            .await
            .unwrap()
            .is_none()
    );
}
