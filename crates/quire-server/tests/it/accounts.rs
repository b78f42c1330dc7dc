//! Login, sessions, CSRF, API tokens and the errors for bad bodies.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use quire_test_utils::{Auth, Client, PASSWORD, TestApp};
use serde_json::json;

#[tokio::test]
async fn login_sets_a_hardened_cookie_and_me_answers() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    let response = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({ "email": "Ada@Example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let cookie = response.header("set-cookie").unwrap();
    for attribute in ["quire_session=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain-HTTP local runs cannot use Secure cookies: {cookie}"
    );
    let body = response.json();
    assert!(
        body["csrf_token"].as_str().unwrap().len() >= 43,
        "at least 256 bits of CSRF token"
    );

    let client = Client {
        app: &app,
        auth: Auth::Session {
            cookie: response.session_cookie().unwrap(),
            csrf: String::new(),
        },
    };
    let me = client.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    insta::assert_json_snapshot!(quire_test_utils::redact(me.json()), @r#"
    {
      "user": {
        "id": "[id]",
        "email": "ada@example.com",
        "name": "ada"
      },
      "projects": [],
      "csrf_token": "[csrf_token]"
    }
    "#);
}

/// A sign-in refused by a limiter: 429 with `Retry-After`, and no session.
fn assert_sign_in_refused_for_now(refused: &quire_test_utils::TestResponse) {
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        refused.text()
    );
    assert_eq!(refused.error_code(), "rate_limited");
    assert!(refused.header("retry-after").is_some());
    assert!(refused.header("set-cookie").is_none());
}

#[tokio::test]
async fn the_csrf_token_is_derived_from_the_session_never_stored_and_me_hands_it_back() {
    let app = TestApp::new().await;
    let ada = app.user("ada@example.com").await;
    let first = app.login("ada@example.com").await;
    let second = app.login("ada@example.com").await;
    let (Auth::Session { cookie, csrf }, Auth::Session { csrf: other, .. }) =
        (first.auth.clone(), second.auth.clone())
    else {
        panic!("login makes session clients")
    };
    assert_eq!(csrf.len(), 64, "HMAC-SHA256 as hex: {csrf}");
    assert_ne!(csrf, other, "each session has its own");

    // A browser that kept the cookie but lost the token gets it back from /me.
    let forgetful = Client {
        app: &app,
        auth: Auth::Session {
            cookie: cookie.clone(),
            csrf: String::new(),
        },
    };
    let me = forgetful.get("/api/v1/me").await.json();
    assert_eq!(me["csrf_token"], csrf.as_str());
    let restored = Client {
        app: &app,
        auth: Auth::Session {
            cookie: cookie.clone(),
            csrf: me["csrf_token"].as_str().unwrap().to_owned(),
        },
    };
    let created = restored
        .post("/api/v1/projects", &json!({ "name": "P", "slug": "p" }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    // Another session's token does not fit this one.
    let crossed = Client {
        app: &app,
        auth: Auth::Session {
            cookie,
            csrf: other,
        },
    };
    let refused = crossed
        .post("/api/v1/projects", &json!({ "name": "Q", "slug": "q" }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());

    let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info('sessions')")
        .fetch_all(app.store().pool())
        .await
        .unwrap();
    assert!(!columns.iter().any(|c| c.contains("csrf")), "{columns:?}");
    let bearer = app.token_client(&ada, None).await;
    let me = bearer.get("/api/v1/me").await.json();
    assert!(me.get("csrf_token").is_none(), "tokens need no CSRF: {me}");
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_e_mail_address() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    app.user("grace@example.com").await;
    let attempt = |email: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.anonymous()
                .post(
                    "/api/v1/auth/login",
                    &json!({ "email": email, "password": password }),
                )
                .await
        }
    };
    for _ in 0..10 {
        assert_eq!(
            attempt("ada@example.com", "guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password waits now, and the answer does not say whether it was right.
    assert_sign_in_refused_for_now(&attempt(" ADA@example.com", PASSWORD).await);
    assert_eq!(
        attempt("grace@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

/// Rows of the audit log, to check that a refused sign-in wrote nothing.
async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(app.store().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn over_long_sign_in_fields_are_refused_before_any_work_and_never_audited() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    let long_email = format!("{}@example.com", "a".repeat(300));
    let cases = [
        (
            json!({ "email": long_email, "password": PASSWORD }),
            "email",
        ),
        (
            json!({ "email": "ada@example.com", "password": "p".repeat(1025) }),
            "password",
        ),
        (json!({ "email": "nobody", "password": PASSWORD }), "email"),
    ];
    for (body, field) in cases {
        // More attempts than the per-e-mail limit allows: none of them counts as a failure.
        for _ in 0..12 {
            let response = app.anonymous().post("/api/v1/auth/login", &body).await;
            assert_eq!(
                response.status,
                StatusCode::BAD_REQUEST,
                "{}",
                response.text()
            );
            assert_eq!(response.json()["error"]["details"]["field"], field);
            assert!(response.text().len() < 300, "{}", response.text());
        }
    }
    assert_eq!(
        audit_rows(&app).await,
        0,
        "a refused sign-in is never audited"
    );
    let ok = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
}

#[tokio::test]
async fn a_huge_sign_in_body_is_refused_unread_and_nothing_is_stored() {
    let app = TestApp::new().await;
    // Over the server's general limit, and under it but still far over a sign-in's.
    for local_part in [2 * 1024 * 1024, 100_000] {
        let email = format!("{}@example.com", "a".repeat(local_part));
        let response = app
            .anonymous()
            .post(
                "/api/v1/auth/login",
                &json!({ "email": email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            response.text()
        );
        assert_eq!(response.error_code(), "too_large");
    }
    assert_eq!(audit_rows(&app).await, 0);
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_client_address_across_e_mail_addresses() {
    let config = quire_server::ServerConfig {
        login_failures_per_address: 5,
        ..quire_server::ServerConfig::local(8787, 8788)
    };
    let app = TestApp::with_config(
        quire_test_utils::testing::TestDatabase::sqlite().await,
        config,
    );
    app.user("ada@example.com").await;
    let attempt = |email: String, password: &str, peer: &str| {
        let mut request = app.anonymous().request(
            Method::POST,
            "/api/v1/auth/login",
            Some(&json!({ "email": email, "password": password })),
        );
        let peer: std::net::SocketAddr = peer.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        app.send(request)
    };
    for n in 0..5 {
        let response = attempt(format!("guess{n}@example.com"), "guess", "192.0.2.1:4000").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }
    // A sixth e-mail address, another port: the same address, so refused.
    assert_sign_in_refused_for_now(
        &attempt("ada@example.com".into(), PASSWORD, "192.0.2.1:4001").await,
    );
    // Another client signs in as usual.
    let other = attempt("ada@example.com".into(), PASSWORD, "198.51.100.2:4000").await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text());
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_audited() {
    let app = TestApp::new().await;
    let user = app.user("ada@example.com").await;
    for (email, password) in [
        ("ada@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
    ] {
        let response = app
            .anonymous()
            .post(
                "/api/v1/auth/login",
                &json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.json()["error"]["message"],
            "wrong e-mail or password",
            "the same answer for both"
        );
        assert!(response.header("set-cookie").is_none());
    }
    let client = app.login("ada@example.com").await;
    assert_eq!(client.get("/api/v1/me").await.status, StatusCode::OK);
    let log = app.store().audit_log_for_actor(&user.id, 10).await.unwrap();
    assert_eq!(log[0].action, "login.success");
    let failures: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'login.failure'")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
    assert_eq!(failures, 2);
}

#[tokio::test]
async fn login_rotates_the_session_and_logout_ends_it() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    let first = app.login("ada@example.com").await;
    let Auth::Session {
        cookie: old_cookie, ..
    } = first.auth.clone()
    else {
        unreachable!()
    };

    let mut again = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json");
    again = again.header(header::COOKIE, old_cookie.as_str());
    let response = app
        .send(
            again
                .body(Body::from(
                    json!({ "email": "ada@example.com", "password": PASSWORD }).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_ne!(
        response.session_cookie().unwrap(),
        old_cookie,
        "a new session id on every login"
    );
    assert_eq!(
        first.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED,
        "the old session is gone"
    );

    let second = app.login("ada@example.com").await;
    let logout = second.post("/api/v1/auth/logout", &json!({})).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert!(logout.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(
        second.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn session_writes_need_the_csrf_header_and_never_come_cross_site() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    let client = app.login("ada@example.com").await;
    let Auth::Session { cookie, csrf } = client.auth.clone() else {
        unreachable!()
    };
    let body = json!({ "name": "P", "slug": "p" }).to_string();
    let create = |csrf: Option<&str>, site: Option<&str>| {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/projects")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, cookie.as_str());
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        request.body(Body::from(body.clone())).unwrap()
    };
    for (csrf, site) in [
        (None, None),
        (Some("wrong"), None),
        (Some(csrf.as_str()), Some("cross-site")),
    ] {
        let response = app.send(create(csrf, site)).await;
        assert_eq!(
            response.status,
            StatusCode::FORBIDDEN,
            "csrf {csrf:?}, site {site:?}: {}",
            response.text()
        );
    }
    assert!(
        app.store().project("p").await.unwrap().is_none(),
        "nothing was written"
    );
    assert_eq!(
        app.send(create(Some(&csrf), Some("same-origin")))
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn api_tokens_are_shown_once_work_as_bearer_and_stop_when_revoked() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    let session = app.login("ada@example.com").await;
    // Tokens are for people who edit somewhere: Ada makes a project first.
    let refused = session
        .post("/api/v1/tokens", &json!({ "name": "ci" }))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    session
        .post(
            "/api/v1/projects",
            &json!({ "name": "Ada's", "slug": "ada" }),
        )
        .await;
    let created = session
        .post("/api/v1/tokens", &json!({ "name": "ci" }))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let created = created.json();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(
        token.starts_with("quire_pat_") && token.len() >= 10 + 32,
        "prefixed, 192 random bits: {token}"
    );

    let listed = session.get("/api/v1/tokens").await;
    assert!(
        !listed.text().contains(&token),
        "the secret is never shown again"
    );
    assert_eq!(listed.json()[0]["name"], "ci");
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert_ne!(stored, token, "only a hash is stored");

    let bearer = Client {
        app: &app,
        auth: Auth::Bearer(token.clone()),
    };
    assert_eq!(bearer.get("/api/v1/me").await.status, StatusCode::OK);
    assert_eq!(
        bearer
            .post(
                "/api/v1/projects",
                &json!({ "name": "By token", "slug": "t" })
            )
            .await
            .status,
        StatusCode::CREATED,
        "no CSRF for bearer calls"
    );

    let id = created["id"].as_str().unwrap();
    assert_eq!(
        session.delete(&format!("/api/v1/tokens/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let refused = bearer.get("/api/v1/me").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.text().contains("revoked"), "{}", refused.text());
    assert_eq!(
        session.delete(&format!("/api/v1/tokens/{id}")).await.status,
        StatusCode::NOT_FOUND
    );

    let garbage = Client {
        app: &app,
        auth: Auth::Bearer("quire_pat_nope".into()),
    };
    assert_eq!(
        garbage.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_expired_token_is_refused_with_a_reason() {
    let app = TestApp::new().await;
    let user = app.user("ada@example.com").await;
    let (token, hint) = quire_server::auth::tokens::new_api_token();
    let hash = quire_server::auth::tokens::sha256_hex(&token);
    let new = quire_store::NewApiToken {
        user_id: &user.id,
        project_id: None,
        name: "old",
        token_hash: &hash,
        hint: &hint,
        expires_at: Some(quire_store::now_ms() - 1),
    };
    app.store().create_api_token(&new).await.unwrap();
    let response = Client {
        app: &app,
        auth: Auth::Bearer(token),
    }
    .get("/api/v1/me")
    .await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert!(response.text().contains("expired"), "{}", response.text());
}

#[tokio::test]
async fn a_token_lifetime_outside_one_day_to_ten_years_is_refused() {
    let app = TestApp::new().await;
    let owner = app.user("ada@example.com").await;
    app.store()
        .create_project("acme", "Acme", &owner.id)
        .await
        .unwrap();
    let client = app.login(&owner.email).await;
    for days in [0_u64, 3651, 2_147_483_648] {
        let refused = client
            .post(
                "/api/v1/tokens",
                &serde_json::json!({ "name": "ci", "expires_in_days": days }),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{days}");
        assert!(
            refused.text().contains("expires_in_days"),
            "{}",
            refused.text()
        );
    }
    let made = client
        .post(
            "/api/v1/tokens",
            &serde_json::json!({ "name": "ci", "expires_in_days": 3650 }),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
}

#[tokio::test]
async fn bad_bodies_get_400_with_what_to_change() {
    let app = TestApp::new().await;
    let user = app.user("ada@example.com").await;
    let client = app.token_client(&user, None).await;
    let raw = |body: &str, content_type: &str| {
        let mut request = client.request(Method::POST, "/api/v1/projects", None);
        *request.body_mut() = Body::from(body.to_owned());
        request
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        request
    };
    let cases = [
        (
            raw("{not json", "application/json"),
            StatusCode::BAD_REQUEST,
            "not valid JSON",
        ),
        (
            raw(r#"{"name":"P"}"#, "application/json"),
            StatusCode::BAD_REQUEST,
            "missing field `slug`",
        ),
        (
            raw(
                r#"{"name":"P","slug":"p","colour":"red"}"#,
                "application/json",
            ),
            StatusCode::BAD_REQUEST,
            "unknown field `colour`",
        ),
        (
            raw(r#"{"name":"P","slug":"p"}"#, "text/plain"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type: application/json",
        ),
    ];
    for (request, status, message) in cases {
        let response = app.send(request).await;
        assert_eq!(response.status, status, "{}", response.text());
        assert!(
            response.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(message),
            "{}",
            response.text()
        );
    }
    assert!(
        app.store().memberships(&user.id).await.unwrap().is_empty(),
        "nothing was written"
    );
}

#[tokio::test]
async fn bad_paths_and_query_strings_get_the_json_error_body_echoing_little() {
    let app = TestApp::new().await;
    let user = app.user("ada@example.com").await;
    let client = app.token_client(&user, None).await;
    client
        .post("/api/v1/projects", &json!({ "name": "P", "slug": "p" }))
        .await;
    let long = "x".repeat(10_000);
    // Under the bound of a path value, over what a message repeats.
    let medium = "y".repeat(250);
    let cases = [
        (
            "/api/v1/projects/%FF".to_owned(),
            "the URL path is not valid",
        ),
        (
            "/api/v1/projects/p/pages/%C3%28".to_owned(),
            "the URL path is not valid",
        ),
        (
            format!("/api/v1/projects/{long}"),
            "the p in the path is 10000 bytes",
        ),
        (
            format!("/api/v1/projects/p/pages/{long}"),
            "the page in the path is",
        ),
        (format!("/api/v1/projects/{medium}"), "no project"),
        (
            format!("/api/v1/projects/p/functions/{medium}"),
            "has no function",
        ),
        (format!("/api/v1/projects/p/pages/{medium}"), "no page"),
        (format!("/api/v1/nowhere/{long}"), "no route"),
        (
            "/api/v1/projects/p/audit?limit=abc".to_owned(),
            "the query string does not fit this route",
        ),
        (
            format!("/api/v1/projects/p/audit?{long}=1"),
            "the query string does not fit this route",
        ),
    ];
    for (path, message) in cases {
        let response = client.get(&path).await;
        assert!(
            [StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND].contains(&response.status),
            "{path:.80}: {:.300}",
            response.text()
        );
        assert_eq!(response.header("content-type"), Some("application/json"));
        let text = response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(text.contains(message), "{path:.80}: {text}");
        assert!(
            text.len() < 500 && !text.contains(&medium),
            "the message echoes a bounded part: {text:.600}"
        );
    }
    let response = client.send(Method::DELETE, "/api/v1/me", None).await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.error_code(), "method_not_allowed");
    assert_eq!(response.header("allow"), Some("GET,HEAD,PATCH"));
    // A project named in a body is bounded like one in a path.
    let response = client
        .post(
            "/api/v1/tokens",
            &json!({ "name": "t", "project": "z".repeat(100_000) }),
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::NOT_FOUND,
        "{:.300}",
        response.text()
    );
    assert!(response.body.len() < 400, "{:.600}", response.text());
    // An anonymous caller's path values key the invoke path's caches: bounded before them.
    let response = app
        .anonymous()
        .post(
            &format!("/api/v1/projects/{long}/functions/{long}/invoke"),
            &json!({}),
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::BAD_REQUEST,
        "{:.300}",
        response.text()
    );
    assert_eq!(response.json()["error"]["details"]["field"], "p");
}

#[tokio::test]
async fn names_with_control_or_bidi_characters_and_huge_slugs_are_refused_briefly() {
    let app = TestApp::new().await;
    let user = app.user("ada@example.com").await;
    let client = app.token_client(&user, None).await;
    let long = "x".repeat(100_000);
    for (body, field) in [
        (json!({ "name": "nul\u{0}", "slug": "p" }), "name"),
        (json!({ "name": "\u{1b}[2Jclear", "slug": "p" }), "name"),
        (json!({ "name": "two\nlines", "slug": "p" }), "name"),
        (
            json!({ "name": "invoice\u{202E}fdp.exe", "slug": "p" }),
            "name",
        ),
        (json!({ "name": "P", "slug": long }), "slug"),
    ] {
        let response = client.post("/api/v1/projects", &body).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{:.200}",
            response.text()
        );
        let error = response.json()["error"].clone();
        assert_eq!(error["details"]["field"], field);
        assert!(response.body.len() < 400, "{:.600}", response.text());
    }
    assert!(
        app.store().memberships(&user.id).await.unwrap().is_empty(),
        "nothing was written"
    );
    client
        .post("/api/v1/projects", &json!({ "name": "P", "slug": "p" }))
        .await;
    let page = |description: &str, template: Option<&str>| json!({ "name": "Page", "slug": "page", "description": description, "template": template });
    for (description, template, field) in [
        ("red\u{1b}[31m", None, "description"),
        ("\u{2067}reversed", None, "description"),
        ("fine", Some(long.as_str()), "template"),
    ] {
        let response = client
            .post("/api/v1/projects/p/pages", &page(description, template))
            .await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{:.200}",
            response.text()
        );
        assert_eq!(response.json()["error"]["details"]["field"], field);
        assert!(response.body.len() < 400, "{:.600}", response.text());
    }
    let response = client
        .post(
            "/api/v1/projects/p/pages",
            &page("two lines\n\tand a tab", None),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
}

#[tokio::test]
async fn a_token_records_its_last_use_at_most_once_a_minute() {
    let app = TestApp::new().await;
    let user = app.user("ada@example.com").await;
    let client = app.token_client(&user, None).await;
    let last_used = || async {
        let at: Option<i64> = sqlx::query_scalar("SELECT last_used_at FROM api_tokens")
            .fetch_one(app.store().pool())
            .await
            .unwrap();
        at
    };
    assert_eq!(last_used().await, None);
    assert_eq!(client.get("/api/v1/me").await.status, StatusCode::OK);
    let first = last_used().await.expect("the first use is recorded");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert_eq!(client.get("/api/v1/me").await.status, StatusCode::OK);
    assert_eq!(
        last_used().await,
        Some(first),
        "not rewritten within the minute"
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_the_other_sessions() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    let here = app.login("ada@example.com").await;
    let elsewhere = app.login("ada@example.com").await;
    let new_password = "a much longer passphrase";

    let wrong = here
        .put(
            "/api/v1/me/password",
            &json!({ "current_password": "not it at all", "new_password": new_password }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.text());
    assert!(
        wrong.text().contains("current password is not right"),
        "{}",
        wrong.text()
    );
    let short = here
        .put(
            "/api/v1/me/password",
            &json!({ "current_password": PASSWORD, "new_password": "short" }),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.text().contains("new password"), "{}", short.text());
    assert_eq!(elsewhere.get("/api/v1/me").await.status, StatusCode::OK);

    let changed = here
        .put(
            "/api/v1/me/password",
            &json!({ "current_password": PASSWORD, "new_password": new_password }),
        )
        .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text());
    assert_eq!(
        here.get("/api/v1/me").await.status,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        elsewhere.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED,
        "the other session has ended"
    );
    let old = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({ "email": "ada@example.com", "password": new_password }),
        )
        .await;
    assert_eq!(new.status, StatusCode::OK);
    let audit = here.get("/api/v1/me/audit").await.json();
    let change = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.password_change")
        .expect("the change is in the account's audit log");
    assert_eq!(change["details"]["via"], "api");
    assert!(
        !audit.to_string().contains(new_password),
        "no password in the log"
    );
}

#[tokio::test]
async fn wrong_current_passwords_count_against_the_sign_in_limit() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    let client = app.login("ada@example.com").await;
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        last = client
            .put(
                "/api/v1/me/password",
                &json!({ "current_password": "guess guess", "new_password": "a much longer passphrase" }),
            )
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_but_not_the_tokens() {
    let app = TestApp::new().await;
    let ada = app.user("ada@example.com").await;
    let bob = app.user("bob@example.com").await;
    let here = app.login("ada@example.com").await;
    let elsewhere = app.login("ada@example.com").await;
    let bobs = app.login("bob@example.com").await;
    let token = app.token_client(&ada, None).await;

    let ended = here.delete("/api/v1/me/sessions").await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT, "{}", ended.text());
    assert!(ended.header("set-cookie").unwrap().contains("Max-Age=0"));
    for client in [&here, &elsewhere] {
        assert_eq!(
            client.get("/api/v1/me").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        bobs.get("/api/v1/me").await.status,
        StatusCode::OK,
        "{}",
        bob.email
    );
    assert_eq!(token.get("/api/v1/me").await.status, StatusCode::OK);
    let audit = token.get("/api/v1/me/audit").await.json();
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.sessions_end")
        .expect("audited");
    assert_eq!(entry["details"]["sessions"], 2);
}

#[tokio::test]
async fn an_account_renames_itself_and_the_change_is_in_its_activity() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    let owner = app.login("ada@example.com").await;
    let renamed = owner
        .patch("/api/v1/me", &json!({ "name": "  Ada L.  " }))
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text());
    assert_eq!(renamed.json()["name"], "Ada L.");
    assert_eq!(
        owner.get("/api/v1/me").await.json()["user"]["name"],
        "Ada L."
    );
    let activity = owner.get("/api/v1/me/audit").await.json();
    assert!(
        activity
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "user.rename"),
        "{activity}"
    );

    let empty = owner.patch("/api/v1/me", &json!({ "name": "   " })).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", empty.text());
    let bidi = owner
        .patch("/api/v1/me", &json!({ "name": "Ada\u{202e}" }))
        .await;
    assert_eq!(bidi.status, StatusCode::BAD_REQUEST, "{}", bidi.text());
    assert_eq!(
        owner.get("/api/v1/me").await.json()["user"]["name"],
        "Ada L.",
        "a bad request changes nothing"
    );
}

#[tokio::test]
async fn an_account_changes_its_address_with_its_password() {
    let app = TestApp::new().await;
    app.user("ada@example.com").await;
    app.user("grace@example.com").await;
    let ada = app.login("ada@example.com").await;
    let change =
        |email: &str, password: &str| json!({ "email": email, "current_password": password });

    let wrong = ada
        .put("/api/v1/me/email", &change("ada@new.example", "not it"))
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.text());
    assert!(
        wrong.text().contains("current password"),
        "{}",
        wrong.text()
    );
    let taken = ada
        .put("/api/v1/me/email", &change("Grace@Example.com", PASSWORD))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.text());
    assert!(taken.text().contains("another account"), "{}", taken.text());
    let not_an_address = ada.put("/api/v1/me/email", &change("ada", PASSWORD)).await;
    assert_eq!(not_an_address.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        ada.get("/api/v1/me").await.json()["user"]["email"],
        "ada@example.com",
        "refused changes change nothing"
    );

    let moved = ada
        .put("/api/v1/me/email", &change(" Ada@New.Example ", PASSWORD))
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
    assert_eq!(moved.json()["email"], "ada@new.example");
    assert_eq!(
        ada.get("/api/v1/me").await.json()["user"]["email"],
        "ada@new.example",
        "the session stays and sees the new address"
    );
    let activity = ada.get("/api/v1/me/audit").await.json();
    let entry = activity
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.email_change")
        .expect("audited");
    assert_eq!(entry["details"]["from"], "ada@example.com");
    assert_eq!(entry["details"]["to"], "ada@new.example");

    let old = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({ "email": "ada@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        old.status,
        StatusCode::UNAUTHORIZED,
        "the old address signs in no more"
    );
    app.login("ada@new.example").await;
}
