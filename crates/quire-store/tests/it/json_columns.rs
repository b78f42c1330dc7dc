//! The JSON columns of page versions and audit entries: written as the text Quire has always
//! written, read back typed, and text that does not read as JSON read as it always was.

use std::collections::BTreeMap;

use quire_store::{NewArtifact, NewPage, NewPageVersion, PageVersion, Store};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::each_backend;

/// A diagnostic as the compiler's serializes: fields in declaration order.
#[derive(Serialize)]
struct Diagnostic {
    severity: &'static str,
    code: &'static str,
    line: u32,
    help: Option<&'static str>,
}

/// A lock as the compiler's serializes: packages by install path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Lock {
    packages: BTreeMap<String, LockedPackage>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct LockedPackage {
    version: String,
}

/// A project with the page "orders" and no version yet: (owner, project, page) ids.
async fn page(store: &Store) -> (String, String, String) {
    let owner = store
        .create_user("owner@example.com", "Owner", "h")
        .await
        .unwrap();
    let project = store.create_project("p", "P", &owner.id).await.unwrap();
    let new = NewPage {
        project_id: &project.id,
        name: "Orders",
        slug: "orders",
        description: "",
        inbox_mount: false,
    };
    let (page, _) = store.create_page(&new, None, &owner.id).await.unwrap();
    (owner.id, project.id, page.id)
}

fn dependencies() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("react".to_owned(), "^18.2.0".to_owned()),
        ("dayjs".to_owned(), "1".to_owned()),
    ])
}

fn lock() -> Lock {
    Lock {
        packages: BTreeMap::from([(
            "node_modules/dayjs".to_owned(),
            LockedPackage {
                version: "1.11.0".to_owned(),
            },
        )]),
    }
}

/// Saves version 1 of `page`, built, with [`dependencies`], a warning and [`lock`].
async fn save_built(store: &Store, page: &str, owner: &str) -> PageVersion {
    let diagnostics = [Diagnostic {
        severity: "warning",
        code: "UNUSED",
        line: 3,
        help: None,
    }];
    let version = NewPageVersion::new("v1", &dependencies(), &diagnostics)
        .with_artifact(NewArtifact {
            sha256: "aa11",
            html: "<p>1</p>",
        })
        .with_lock(&lock());
    store
        .save_page_version(page, &version, owner, None)
        .await
        .unwrap()
}

/// The lock `page_with_head_lock` brings with `page` (id or slug) of `project`.
async fn head_lock<T: DeserializeOwned>(store: &Store, project: &str, page: &str) -> Option<T> {
    let (_, lock) = store
        .page_with_head_lock(project, page)
        .await
        .unwrap()
        .expect("the page");
    lock
}

#[tokio::test]
async fn a_version_is_stored_as_the_json_text_quire_always_wrote() {
    each_backend(|store| async move {
        let (owner, _, page) = page(&store).await;
        save_built(&store, &page, &owner).await;

        let (stored_dependencies, stored_diagnostics, stored_lock): (
            String,
            String,
            Option<String>,
        ) = sqlx::query_as(
            "SELECT dependencies, diagnostics, lock FROM page_versions WHERE page_id = $1",
        )
        .bind(&page)
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(stored_dependencies, r#"{"dayjs":"1","react":"^18.2.0"}"#);
        assert_eq!(
            stored_diagnostics,
            r#"[{"severity":"warning","code":"UNUSED","line":3,"help":null}]"#
        );
        assert_eq!(
            stored_lock.as_deref(),
            Some(r#"{"packages":{"node_modules/dayjs":{"version":"1.11.0"}}}"#)
        );
        let page_dependencies: String =
            sqlx::query_scalar("SELECT dependencies FROM pages WHERE id = $1")
                .bind(&page)
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(
            page_dependencies, stored_dependencies,
            "the head's, on the page"
        );
    })
    .await;
}

#[tokio::test]
async fn a_version_reads_back_typed_and_a_page_comes_with_its_heads_lock() {
    each_backend(|store| async move {
        let (owner, project, page) = page(&store).await;
        let saved = save_built(&store, &page, &owner).await;

        let read = store.page_version(&page, 1).await.unwrap().unwrap();
        assert_eq!(read.dependencies, dependencies());
        assert_eq!(
            read.diagnostics,
            json!([{ "severity": "warning", "code": "UNUSED", "line": 3, "help": null }])
        );
        assert_eq!(read.lock::<Lock>(), Some(lock()));
        assert_eq!(
            saved.dependencies, read.dependencies,
            "a save answers what a read gives"
        );
        assert_eq!(saved.diagnostics, read.diagnostics);
        assert_eq!(saved.lock::<Lock>(), Some(lock()));
        let found = store.page(&project, "orders").await.unwrap().unwrap();
        assert_eq!(found.dependencies, dependencies());

        let (found, found_lock) = store
            .page_with_head_lock::<Lock>(&project, "orders")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.id.as_str(), found.head_version),
            (page.as_str(), Some(1))
        );
        assert_eq!(
            found_lock,
            Some(lock()),
            "the head's lock comes with the page"
        );
        let failed = NewPageVersion::new("v2 <", &dependencies(), &json!([]));
        store
            .save_page_version(&page, &failed, &owner, None)
            .await
            .unwrap();
        assert_eq!(
            head_lock::<Lock>(&store, &project, &page).await,
            None,
            "a head that did not build has no lock"
        );
        assert!(
            store
                .page_with_head_lock::<Lock>(&project, "missing")
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn text_that_is_not_json_reads_as_no_dependencies_no_diagnostics_no_lock_and_null_details() {
    each_backend(|store| async move {
        let (_, project, page) = page(&store).await;
        assert_eq!(
            head_lock::<Value>(&store, &project, &page).await,
            None,
            "no lock before the first save"
        );
        sqlx::query("UPDATE pages SET dependencies = 'not json', head_version = 1 WHERE id = $1")
            .bind(&page)
            .execute(store.pool())
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO page_versions (id, page_id, number, source, dependencies, author_id, \
             created_at, build_ok, diagnostics, artifact_sha256, lock) \
             VALUES ('v1', $1, 1, 'src', 'not json', NULL, 0, 0, 'not json', NULL, 'not json')",
        )
        .bind(&page)
        .execute(store.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO audit_log (at, project_id, actor_id, action, target, details) \
             VALUES (0, $1, NULL, 'test.unreadable', NULL, 'not json')",
        )
        .bind(&project)
        .execute(store.pool())
        .await
        .unwrap();

        let found = store.page(&project, &page).await.unwrap().unwrap();
        assert!(found.dependencies.is_empty());
        let version = store.page_version(&page, 1).await.unwrap().unwrap();
        assert!(version.dependencies.is_empty());
        assert_eq!(version.diagnostics, json!([]));
        assert_eq!(version.lock::<Value>(), None);
        assert_eq!(head_lock::<Value>(&store, &project, &page).await, None);
        let log = store.audit_log(&project, None, 1).await.unwrap();
        assert_eq!(log[0].action, "test.unreadable");
        assert_eq!(log[0].details, Value::Null);
    })
    .await;
}

#[tokio::test]
async fn a_generated_version_keeps_its_record_and_a_saved_one_has_none() {
    each_backend(|store| async move {
        let (owner, _, page) = page(&store).await;
        let person = save_built(&store, &page, &owner).await;
        assert_eq!(person.generation, None);
        let record = json!({ "run": "r1", "attempt": 2, "prompt": "a list of orders" });
        let generated = NewPageVersion::new("v2", &dependencies(), &Vec::<Value>::new())
            .with_generation(&record);
        let saved = store
            .save_page_version(&page, &generated, &owner, None)
            .await
            .unwrap();
        assert_eq!(saved.generation.as_ref(), Some(&record));
        let versions = store.page_versions(&page).await.unwrap();
        assert_eq!(versions[0].generation.as_ref(), Some(&record), "read back");
        assert_eq!(versions[1].generation, None);
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT generation FROM page_versions WHERE page_id = $1 AND number = 2",
        )
        .bind(&page)
        .fetch_one(store.pool())
        .await
        .unwrap();
        // JSON text (its key order is serde_json's, which a feature of another crate may change).
        let stored: Value = serde_json::from_str(&stored.expect("a generation record")).unwrap();
        assert_eq!(stored, record);
    })
    .await;
}
