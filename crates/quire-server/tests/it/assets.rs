//! Page assets: upload (type read from the bytes, limits), replace, list, delete, audit, and
//! serving on the usercontent origin only.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use quire_server::ServerConfig;
use quire_store::Role;
use quire_test_utils::testing::TestDatabase;
use quire_test_utils::{Client, TestApp, TestResponse};

const ASSETS: &str = "/api/v1/projects/p/assets";

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x60, 0x60, 0xf8,
    0x0f, 0x00, 0x01, 0x04, 0x01, 0x00, 0x5f, 0xe5, 0xc3, 0x4b, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Project "p" with an owner and a member.
pub async fn world(config: ServerConfig) -> TestApp {
    let app = TestApp::with_config(TestDatabase::sqlite().await, config);
    let owner = app.user("owner@example.com").await;
    let member = app.user("member@example.com").await;
    let project = app
        .store()
        .create_project("p", "P", &owner.id)
        .await
        .unwrap();
    app.store()
        .set_member_role(&project.id, &member.id, Role::Member, &owner.id)
        .await
        .unwrap();
    app
}

pub async fn as_<'a>(app: &'a TestApp, email: &str) -> Client<'a> {
    let user = app.store().find_user(email).await.unwrap().unwrap();
    app.token_client(&user, None).await
}

/// Uploads `bytes` as `name` with `client`'s credentials.
pub async fn upload(client: &Client<'_>, name: &str, bytes: &[u8]) -> TestResponse {
    let mut request: Request<Body> =
        client.request(Method::POST, &format!("{ASSETS}?name={name}"), None);
    request
        .headers_mut()
        .insert("content-type", "application/octet-stream".parse().unwrap());
    *request.body_mut() = Body::from(bytes.to_vec());
    client.app.send(request).await
}

async fn usercontent(app: &TestApp, path: &str) -> TestResponse {
    app.send_usercontent(Request::get(path).body(Body::empty()).unwrap())
        .await
}

fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_owned()
}

#[tokio::test]
async fn an_upload_is_typed_by_its_bytes_replaced_listed_and_deleted() {
    let app = world(ServerConfig::local(0, 1)).await;
    let owner = as_(&app, "owner@example.com").await;
    let created = upload(&owner, "logo.png", PNG).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let body = created.json();
    assert_eq!(body["name"], "logo.png");
    assert_eq!(body["size"], PNG.len());
    assert_eq!(body["content_type"], "image/png");
    let sha = body["sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha.len(), 64);
    assert_eq!(
        body["url"].as_str().unwrap(),
        format!("http://127.0.0.1:1/u/{sha}")
    );

    // The same name again is a replacement: 200, same id, new content.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>"#;
    let wrong = upload(&owner, "logo.png", svg).await;
    assert_eq!(wrong.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(wrong.error_code(), "asset_type_mismatch");
    assert!(wrong.text().contains("a PNG image"), "{}", wrong.text());
    let data = upload(&owner, "rows.json", b"[1, 2, 3]").await;
    assert_eq!(data.status, StatusCode::CREATED, "{}", data.text());
    let replaced = upload(&owner, "rows.json", b"[4]").await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text());
    assert_eq!(replaced.json()["id"], data.json()["id"]);
    assert_eq!(replaced.json()["size"], 3);

    let member = as_(&app, "member@example.com").await;
    let list = member.get(ASSETS).await;
    assert_eq!(list.status, StatusCode::OK);
    let listed = list.json();
    let names: Vec<&str> = listed["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["logo.png", "rows.json"]);
    assert_eq!(list.json()["total_size"], PNG.len() + 3);
    assert_eq!(
        upload(&member, "x.txt", b"x").await.status,
        StatusCode::FORBIDDEN
    );

    let deleted = owner.delete(&format!("{ASSETS}/rows.json")).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(
        owner.delete(&format!("{ASSETS}/rows.json")).await.status,
        StatusCode::NOT_FOUND
    );
    let by_id = owner
        .delete(&format!(
            "{ASSETS}/{}",
            created.json()["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_id.status, StatusCode::OK);

    let audit = owner.get("/api/v1/projects/p/audit").await.json();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| a.starts_with("asset."))
        .collect();
    assert_eq!(
        actions,
        [
            "asset.delete",
            "asset.delete",
            "asset.replace",
            "asset.upload",
            "asset.upload"
        ]
    );
}

#[tokio::test]
async fn names_and_types_outside_the_list_are_refused() {
    let app = world(ServerConfig::local(0, 1)).await;
    let owner = as_(&app, "owner@example.com").await;
    let html = upload(&owner, "page.html", b"<p>hi</p>").await;
    assert_eq!(html.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(html.error_code(), "asset_type_unsupported");
    assert!(html.text().contains(".woff2"), "{}", html.text());
    for bad in ["..%2Fx.png", ".hidden.png", "a%20b.png"] {
        let refused = upload(&owner, bad, PNG).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{bad}: {}",
            refused.text()
        );
    }
    // A PNG named as a font, a script named as text, text named as an image.
    assert_eq!(
        upload(&owner, "f.woff2", PNG).await.error_code(),
        "asset_type_mismatch"
    );
    assert_eq!(
        upload(&owner, "bin.txt", b"\x00\x01\x02")
            .await
            .error_code(),
        "asset_type_mismatch"
    );
    let not_svg = upload(&owner, "x.svg", b"<html><script>alert(1)</script></html>").await;
    assert_eq!(not_svg.error_code(), "asset_type_mismatch");
    let not_json = upload(&owner, "x.json", b"{oops").await;
    assert_eq!(not_json.error_code(), "asset_type_mismatch");
    assert!(not_json.text().contains("not JSON"), "{}", not_json.text());
    assert!(
        owner.get(ASSETS).await.json()["assets"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_file_and_project_limits_answer_413() {
    let mut config = ServerConfig::local(0, 1);
    config.asset_max_bytes = 100;
    config.project_assets_max_bytes = 150;
    let app = world(config).await;
    let owner = as_(&app, "owner@example.com").await;
    let big = upload(&owner, "big.txt", &[b'a'; 101]).await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(big.error_code(), "asset_too_large");
    assert!(big.text().contains("at most 100 bytes"), "{}", big.text());
    assert_eq!(
        upload(&owner, "a.txt", &[b'a'; 100]).await.status,
        StatusCode::CREATED
    );
    let full = upload(&owner, "b.txt", &[b'b'; 60]).await;
    assert_eq!(full.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(full.error_code(), "project_assets_too_large");
    assert!(full.text().contains("limit of 150"), "{}", full.text());
    // Replacing a.txt with less makes room.
    assert_eq!(upload(&owner, "a.txt", b"a").await.status, StatusCode::OK);
    assert_eq!(
        upload(&owner, "b.txt", &[b'b'; 60]).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn contents_are_served_on_the_usercontent_origin_only_immutable_and_inert() {
    let app = world(ServerConfig::local(0, 1)).await;
    let owner = as_(&app, "owner@example.com").await;
    let png = upload(&owner, "logo.png", PNG).await.json();
    let path = path_of(png["url"].as_str().unwrap());
    let served = usercontent(&app, &path).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.body, PNG);
    assert_eq!(served.header("content-type"), Some("image/png"));
    assert_eq!(
        served.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(served.header("access-control-allow-origin"), Some("*"));

    let svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>"#;
    let svg = upload(&owner, "evil.svg", svg).await.json();
    let served = usercontent(&app, &path_of(svg["url"].as_str().unwrap())).await;
    assert_eq!(served.header("content-type"), Some("image/svg+xml"));
    let csp = served.header("content-security-policy").unwrap();
    assert_eq!(
        csp,
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    );

    // The app origin has nothing of it, and unknown or malformed hashes are 404.
    let on_app = app.anonymous().get(&path).await;
    assert_eq!(on_app.status, StatusCode::NOT_FOUND);
    assert!(!on_app.text().contains("<script"), "{}", on_app.text());
    let unknown = format!("/u/{}", "0".repeat(64));
    assert_eq!(
        usercontent(&app, &unknown).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        usercontent(&app, "/u/..%2F").await.status,
        StatusCode::NOT_FOUND
    );
}

/// The page's artifact HTML of a save's answer.
async fn artifact_of(app: &TestApp, saved: &serde_json::Value) -> String {
    let sha = saved["build"]["artifact"]["sha256"]
        .as_str()
        .unwrap_or_else(|| panic!("the save built: {saved}"));
    app.store().artifact_html(sha).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_page_imports_assets_and_its_versions_keep_the_contents_they_were_built_with() {
    let app = world(ServerConfig::local(0, 1)).await;
    let owner = as_(&app, "owner@example.com").await;
    // Over the inlining size, so the page links to it.
    let mut first_png = PNG.to_vec();
    first_png.resize(quire_compiler::INLINE_MAX_BYTES + 10, 1);
    let first = upload(&owner, "logo.png", &first_png).await.json();
    upload(&owner, "data.json", br#"{"title": "Orders"}"#).await;
    let source = "import logo from \"./logo.png\";\nimport data from \"./data.json\";\nconsole.log(logo, data.title);\n";
    let created = owner
        .post(
            "/api/v1/projects/p/pages",
            &serde_json::json!({ "name": "Pg", "slug": "pg", "source": source }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let v1 = created.json()["first"].clone();
    let html = artifact_of(&app, &v1).await;
    let first_url = first["url"].as_str().unwrap();
    assert!(html.contains(first_url), "{html}");
    assert!(html.contains("Orders"), "the JSON is in the page");
    let publish = owner
        .post(
            "/api/v1/projects/p/pages/pg/publish",
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(publish.status, StatusCode::OK, "{}", publish.text());
    let listed = owner.get(ASSETS).await.json();
    let logo = listed["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "logo.png")
        .unwrap();
    assert_eq!(
        logo["used_by"],
        serde_json::json!([{ "slug": "pg", "name": "Pg" }])
    );

    // A new logo: the published page keeps the old one, which stays served.
    let mut second_png = PNG.to_vec();
    second_png.resize(quire_compiler::INLINE_MAX_BYTES + 10, 2);
    let second = upload(&owner, "logo.png", &second_png).await.json();
    assert_ne!(second["sha256"], first["sha256"]);
    assert_eq!(usercontent(&app, &path_of(first_url)).await.body, first_png);
    let v2 = owner
        .put(
            "/api/v1/projects/p/pages/pg/source",
            &serde_json::json!({ "source": source }),
        )
        .await
        .json();
    let html = artifact_of(&app, &v2).await;
    assert!(html.contains(second["url"].as_str().unwrap()), "{html}");
    assert!(!html.contains(first_url));

    // Deleted, the name's contents stay for the versions built with them; rolling back to
    // version 1 brings the first logo back.
    owner.delete(&format!("{ASSETS}/logo.png")).await;
    let rollback = owner
        .post(
            "/api/v1/projects/p/pages/pg/publish",
            &serde_json::json!({ "version": 1 }),
        )
        .await;
    assert_eq!(rollback.status, StatusCode::OK, "{}", rollback.text());
    assert_eq!(
        usercontent(&app, &path_of(first_url)).await.status,
        StatusCode::OK
    );
    let second_path = path_of(second["url"].as_str().unwrap());
    assert_eq!(usercontent(&app, &second_path).await.status, StatusCode::OK);

    // Now the import is of a name the project no longer has: an error at its line.
    let broken = owner
        .put(
            "/api/v1/projects/p/pages/pg/source",
            &serde_json::json!({ "source": source }),
        )
        .await
        .json();
    assert_eq!(broken["build"]["ok"], false, "{broken}");
    let error = &broken["build"]["diagnostics"][0];
    assert_eq!(error["code"], "UNRESOLVED_IMPORT");
    assert_eq!(error["line"], 1);
    assert!(
        error["help"]
            .as_str()
            .unwrap()
            .contains("no asset named \"logo.png\""),
        "{error}"
    );
}
