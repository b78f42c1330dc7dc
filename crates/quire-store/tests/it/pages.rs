//! Pages, versions, publishing, the inbox mount point and artifacts.

use std::collections::BTreeMap;

use quire_store::{
    INBOX_MOUNT_POINT, NewArtifact, NewPage, NewPageVersion, PageChanges, PageStatus, Store,
    StoreError,
};
use serde_json::json;

use crate::each_backend;

struct World {
    owner: String,
    project: String,
}

async fn world(store: &Store) -> World {
    let owner = store
        .create_user("owner@example.com", "Owner", "h")
        .await
        .unwrap();
    let project = store.create_project("p", "P", &owner.id).await.unwrap();
    World {
        owner: owner.id,
        project: project.id,
    }
}

fn new_page<'a>(project: &'a str, slug: &'a str) -> NewPage<'a> {
    NewPage {
        project_id: project,
        name: "Orders",
        slug,
        description: "",
        inbox_mount: false,
    }
}

fn built<'a>(source: &'a str, sha: &'a str, html: &'a str) -> NewPageVersion<'a> {
    NewPageVersion::new(source, &BTreeMap::new(), &json!([]))
        .with_artifact(NewArtifact { sha256: sha, html })
        .with_lock(&json!({ "packages": {} }))
}

fn broken(source: &str) -> NewPageVersion<'_> {
    NewPageVersion::new(
        source,
        &BTreeMap::new(),
        &json!([{ "severity": "error", "message": "Unexpected token" }]),
    )
}

#[tokio::test]
async fn a_page_is_created_listed_found_and_its_slug_is_unique_per_project() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (page, first) = store
            .create_page(&new_page(&w.project, "orders"), None, &w.owner)
            .await
            .unwrap();
        assert!(first.is_none());
        assert_eq!(page.status, PageStatus::Draft);
        assert_eq!(page.head_version, None);
        assert_eq!(page.published_version, None);
        assert!(!page.inbox_mount);
        assert_eq!(page.mount_point, None);

        let by_slug = store.page(&w.project, "orders").await.unwrap().unwrap();
        assert_eq!(by_slug.id, page.id);
        assert!(store.page(&w.project, &page.id).await.unwrap().is_some());
        assert!(store.page("other", "orders").await.unwrap().is_none());

        let clash = store
            .create_page(&new_page(&w.project, "orders"), None, &w.owner)
            .await
            .unwrap_err();
        assert!(matches!(clash, StoreError::Conflict { .. }), "{clash}");
        assert!(clash.to_string().contains("\"orders\""), "{clash}");

        // The same slug in another project is fine.
        let other = store.create_project("q", "Q", &w.owner).await.unwrap();
        store
            .create_page(&new_page(&other.id, "orders"), None, &w.owner)
            .await
            .unwrap();
        assert_eq!(store.pages(&w.project).await.unwrap().len(), 1);

        let log = store.audit_log(&w.project, None, 10).await.unwrap();
        assert_eq!(log[0].action, "page.create");
        assert_eq!(log[0].target.as_deref(), Some(page.id.as_str()));
    })
    .await;
}

#[tokio::test]
async fn saves_number_versions_keep_failed_sources_and_never_move_the_published_version() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (page, first) = store
            .create_page(
                &new_page(&w.project, "orders"),
                Some(&built("v1", "aa11", "<p>1</p>")),
                &w.owner,
            )
            .await
            .unwrap();
        let first = first.unwrap();
        assert_eq!(first.number, 1);
        assert!(first.build_ok);
        assert_eq!(first.artifact_size, Some(8));
        assert_eq!(page.head_version, Some(1));

        store.publish_page(&page.id, 1, &w.owner).await.unwrap();
        let failed = store
            .save_page_version(&page.id, &broken("v2 <"), &w.owner, None)
            .await
            .unwrap();
        assert_eq!(failed.number, 2);
        assert!(!failed.build_ok);
        assert_eq!(failed.artifact_sha256, None);

        let page = store.page(&w.project, &page.id).await.unwrap().unwrap();
        assert_eq!(page.head_version, Some(2), "the failed save is the head");
        assert_eq!(
            page.published_version,
            Some(1),
            "what is served did not move"
        );
        assert_eq!(page.status, PageStatus::Published);
        let kept = store.page_version(&page.id, 2).await.unwrap().unwrap();
        assert_eq!(kept.source, "v2 <", "the source of a failed build is kept");
        assert_eq!(kept.diagnostics[0]["message"], "Unexpected token");

        // The same artifact twice is stored once.
        let third = store
            .save_page_version(&page.id, &built("v1", "aa11", "<p>1</p>"), &w.owner, None)
            .await
            .unwrap();
        assert_eq!(third.number, 3);
        assert_eq!(third.artifact_sha256.as_deref(), Some("aa11"));
        let versions = store.page_versions(&page.id).await.unwrap();
        assert_eq!(
            versions.iter().map(|v| v.number).collect::<Vec<_>>(),
            [3, 2, 1]
        );
        assert_eq!(
            store.artifact_html("aa11").await.unwrap().as_deref(),
            Some("<p>1</p>")
        );
        assert_eq!(store.artifact_html("bb22").await.unwrap(), None);

        let actions: Vec<String> = store
            .audit_log(&w.project, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "page.save",
                "page.save",
                "page.publish",
                "page.save",
                "page.create",
                "project.create"
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn versions_cannot_be_rewritten() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (page, _) = store
            .create_page(
                &new_page(&w.project, "orders"),
                Some(&built("v1", "aa11", "<p>1</p>")),
                &w.owner,
            )
            .await
            .unwrap();
        let rewrite = sqlx::query("UPDATE page_versions SET source = 'evil' WHERE page_id = $1")
            .bind(&page.id)
            .execute(store.pool())
            .await;
        assert!(rewrite.is_err(), "the trigger refuses to rewrite a version");
        let kept = store.page_version(&page.id, 1).await.unwrap().unwrap();
        assert_eq!(kept.source, "v1");
    })
    .await;
}

#[tokio::test]
async fn publish_needs_a_version_that_built_and_rollback_and_unpublish_are_audited() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (page, _) = store
            .create_page(
                &new_page(&w.project, "orders"),
                Some(&built("v1", "aa11", "<p>1</p>")),
                &w.owner,
            )
            .await
            .unwrap();
        store
            .save_page_version(&page.id, &built("v2", "bb22", "<p>2</p>"), &w.owner, None)
            .await
            .unwrap();
        store
            .save_page_version(&page.id, &broken("v3 <"), &w.owner, None)
            .await
            .unwrap();

        for refused in [3, 9] {
            let error = store
                .publish_page(&page.id, refused, &w.owner)
                .await
                .unwrap_err();
            assert!(matches!(error, StoreError::NotFound { .. }), "{error}");
        }
        let unchanged = store.page(&w.project, &page.id).await.unwrap().unwrap();
        assert_eq!(unchanged.published_version, None);
        assert_eq!(unchanged.status, PageStatus::Draft);

        let published = store.publish_page(&page.id, 2, &w.owner).await.unwrap();
        assert_eq!(published.published_version, Some(2));
        assert_eq!(published.status, PageStatus::Published);
        let rolled_back = store.publish_page(&page.id, 1, &w.owner).await.unwrap();
        assert_eq!(rolled_back.published_version, Some(1));
        let log = store.audit_log(&w.project, None, 1).await.unwrap();
        assert_eq!(log[0].action, "page.publish");
        let details = &log[0].details;
        assert_eq!(details["rollback"], true);
        assert_eq!(details["previous"], 2);

        let draft = store.unpublish_page(&page.id, &w.owner).await.unwrap();
        assert_eq!(draft.published_version, None);
        assert_eq!(draft.status, PageStatus::Draft);
        assert_eq!(draft.head_version, Some(3));
        let log = store.audit_log(&w.project, None, 1).await.unwrap();
        assert_eq!(log[0].action, "page.unpublish");
    })
    .await;
}

#[tokio::test]
async fn one_page_per_mount_point_per_project_and_the_conflict_names_the_holder() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let mut mounted = new_page(&w.project, "sidebar");
        mounted.name = "Customer sidebar";
        mounted.inbox_mount = true;
        let (holder, _) = store.create_page(&mounted, None, &w.owner).await.unwrap();
        assert_eq!(holder.mount_point.as_deref(), Some(INBOX_MOUNT_POINT));

        let mut second = new_page(&w.project, "second");
        second.inbox_mount = true;
        let error = store
            .create_page(&second, None, &w.owner)
            .await
            .unwrap_err();
        assert!(
            matches!(error, StoreError::MountPointTaken { .. }),
            "{error}"
        );
        assert!(
            error.to_string().contains("\"Customer sidebar\" (sidebar)"),
            "{error}"
        );
        assert!(store.page(&w.project, "second").await.unwrap().is_none());

        // Any number of unmounted pages; mounting one of them is refused the same way.
        let (a, _) = store
            .create_page(&new_page(&w.project, "a"), None, &w.owner)
            .await
            .unwrap();
        store
            .create_page(&new_page(&w.project, "b"), None, &w.owner)
            .await
            .unwrap();
        let mount = PageChanges {
            inbox_mount: Some(true),
            ..PageChanges::default()
        };
        let error = store
            .update_page(&a.id, &mount, &w.owner)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("(sidebar)"), "{error}");
        assert!(
            !store
                .page(&w.project, "a")
                .await
                .unwrap()
                .unwrap()
                .inbox_mount
        );

        // Only a published page is served at the mount point.
        assert!(
            store
                .published_page_at_mount(&w.project, INBOX_MOUNT_POINT)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store
                .page_at_mount(&w.project, INBOX_MOUNT_POINT)
                .await
                .unwrap()
                .unwrap()
                .id,
            holder.id
        );
        store
            .save_page_version(&holder.id, &built("v1", "aa11", "<p>1</p>"), &w.owner, None)
            .await
            .unwrap();
        store.publish_page(&holder.id, 1, &w.owner).await.unwrap();
        assert!(
            store
                .published_page_at_mount(&w.project, INBOX_MOUNT_POINT)
                .await
                .unwrap()
                .is_some()
        );

        // Unmount the holder, and the other page may take the mount point.
        let unmount = PageChanges {
            inbox_mount: Some(false),
            ..PageChanges::default()
        };
        let freed = store
            .update_page(&holder.id, &unmount, &w.owner)
            .await
            .unwrap();
        assert_eq!(freed.mount_point, None);
        let taken = store.update_page(&a.id, &mount, &w.owner).await.unwrap();
        assert_eq!(taken.mount_point.as_deref(), Some(INBOX_MOUNT_POINT));
        // Another project has its own mount point.
        let other = store.create_project("q", "Q", &w.owner).await.unwrap();
        let mut elsewhere = new_page(&other.id, "sidebar");
        elsewhere.inbox_mount = true;
        store.create_page(&elsewhere, None, &w.owner).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn settings_change_and_a_slug_clash_changes_nothing() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (page, _) = store
            .create_page(&new_page(&w.project, "orders"), None, &w.owner)
            .await
            .unwrap();
        store
            .create_page(&new_page(&w.project, "taken"), None, &w.owner)
            .await
            .unwrap();
        let changed = store
            .update_page(
                &page.id,
                &PageChanges {
                    name: Some("Open orders"),
                    description: Some("What is waiting"),
                    ..PageChanges::default()
                },
                &w.owner,
            )
            .await
            .unwrap();
        assert_eq!(changed.name, "Open orders");
        assert_eq!(changed.description, "What is waiting");
        assert_eq!(changed.slug, "orders");
        let log = store.audit_log(&w.project, None, 1).await.unwrap();
        assert_eq!(log[0].action, "page.update");

        let clash = store
            .update_page(
                &page.id,
                &PageChanges {
                    name: Some("Renamed"),
                    slug: Some("taken"),
                    ..PageChanges::default()
                },
                &w.owner,
            )
            .await
            .unwrap_err();
        assert!(matches!(clash, StoreError::Conflict { .. }), "{clash}");
        let after = store.page(&w.project, &page.id).await.unwrap().unwrap();
        assert_eq!(after.name, "Open orders", "nothing changed");
        assert_eq!(after.slug, "orders");
    })
    .await;
}

/// A page `orders` with no version yet.
async fn empty_orders_page(store: &Store, w: &World) -> quire_store::Page {
    let (page, _) = store
        .create_page(&new_page(&w.project, "orders"), None, &w.owner)
        .await
        .unwrap();
    page
}

/// `count` saves of `page` at once, each from `base`, in the order they were started.
async fn concurrent_saves(
    store: &Store,
    page: &str,
    owner: &str,
    count: usize,
    base: Option<i64>,
) -> Vec<Result<quire_store::PageVersion, StoreError>> {
    let saves = (0..count).map(|i| {
        let store = store.clone();
        let (page, owner) = (page.to_owned(), owner.to_owned());
        tokio::spawn(async move {
            store
                .save_page_version(&page, &broken(&format!("v{i}")), &owner, base)
                .await
        })
    });
    futures::future::join_all(saves)
        .await
        .into_iter()
        .map(|spawned| spawned.unwrap())
        .collect()
}

#[tokio::test]
async fn fifty_concurrent_saves_of_one_page_get_distinct_numbers_and_no_busy_error() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let page = empty_orders_page(&store, &w).await;
        let mut numbers: Vec<i64> = concurrent_saves(&store, &page.id, &w.owner, 50, None)
            .await
            .into_iter()
            .map(|saved| saved.unwrap().number)
            .collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=50).collect::<Vec<_>>());
        let page = store.page(&w.project, &page.id).await.unwrap().unwrap();
        assert_eq!(page.head_version, Some(50));
    })
    .await;
}

#[tokio::test]
async fn a_save_from_a_version_that_is_no_longer_the_head_changes_nothing() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let page = empty_orders_page(&store, &w).await;
        let first = store
            .save_page_version(&page.id, &broken("mine"), &w.owner, Some(0))
            .await
            .unwrap();
        assert_eq!(first.number, 1);
        let clash = store
            .save_page_version(&page.id, &broken("theirs"), &w.owner, Some(0))
            .await
            .unwrap_err();
        let StoreError::HeadMoved {
            base,
            head,
            author,
            saved_at,
        } = clash
        else {
            panic!("{clash}");
        };
        assert_eq!((base, head), (0, 1));
        assert_eq!(author.as_deref(), Some("Owner"));
        assert_eq!(saved_at, first.created_at);
        let page = store.page(&w.project, &page.id).await.unwrap().unwrap();
        assert_eq!(page.head_version, Some(1), "nothing was saved");
        assert_eq!(store.page_versions(&page.id).await.unwrap().len(), 1);
        let next = store
            .save_page_version(&page.id, &broken("merged"), &w.owner, Some(1))
            .await
            .unwrap();
        assert_eq!(next.number, 2, "a save from the head goes through");
    })
    .await;
}

#[tokio::test]
async fn of_concurrent_saves_from_one_base_exactly_one_is_kept() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let page = empty_orders_page(&store, &w).await;
        let outcomes = concurrent_saves(&store, &page.id, &w.owner, 20, Some(0)).await;
        assert_eq!(outcomes.iter().filter(|saved| saved.is_ok()).count(), 1);
        for outcome in outcomes {
            if let Err(error) = outcome {
                assert!(
                    matches!(error, StoreError::HeadMoved { head: 1, .. }),
                    "{error}"
                );
            }
        }
        assert_eq!(store.page_versions(&page.id).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn deleting_a_page_takes_its_versions_and_the_artifacts_no_other_version_built() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (doomed, _) = store
            .create_page(
                &new_page(&w.project, "doomed"),
                Some(&built("v1", "aa11", "<p>shared</p>")),
                &w.owner,
            )
            .await
            .unwrap();
        store
            .save_page_version(
                &doomed.id,
                &built("v2", "bb22", "<p>own</p>"),
                &w.owner,
                None,
            )
            .await
            .unwrap();
        store.publish_page(&doomed.id, 2, &w.owner).await.unwrap();
        let (kept, _) = store
            .create_page(
                &new_page(&w.project, "kept"),
                Some(&built("v1", "aa11", "<p>shared</p>")),
                &w.owner,
            )
            .await
            .unwrap();

        assert_eq!(store.delete_page(&doomed.id, &w.owner).await.unwrap(), 2);
        assert!(store.page(&w.project, &doomed.id).await.unwrap().is_none());
        assert!(store.page_versions(&doomed.id).await.unwrap().is_empty());
        assert!(
            store.artifact_html("bb22").await.unwrap().is_none(),
            "its own artifact went"
        );
        assert_eq!(
            store.artifact_html("aa11").await.unwrap().as_deref(),
            Some("<p>shared</p>"),
            "an artifact another page's version built stays"
        );
        assert_eq!(store.page_versions(&kept.id).await.unwrap().len(), 1);
        let audit = store.audit_log(&w.project, None, 10).await.unwrap();
        let entry = audit.iter().find(|e| e.action == "page.delete").unwrap();
        assert_eq!(entry.details["versions"], 2, "{}", entry.details);
        assert!(matches!(
            store.delete_page(&doomed.id, &w.owner).await,
            Err(StoreError::NotFound { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn unsaved_artifacts_are_pruned_and_those_a_version_built_are_kept() {
    each_backend(|store| async move {
        let w = world(&store).await;
        store
            .create_page(
                &new_page(&w.project, "orders"),
                Some(&built("v1", "aa11", "<p>saved</p>")),
                &w.owner,
            )
            .await
            .unwrap();
        let preview = NewArtifact {
            sha256: "cc33",
            html: "<p>previewed</p>",
        };
        store.put_artifact(&preview).await.unwrap();
        let before = quire_store::now_ms() - 60_000;
        assert_eq!(
            store.prune_artifacts(before).await.unwrap(),
            0,
            "too recent"
        );
        assert_eq!(
            store
                .prune_artifacts(quire_store::now_ms() + 1)
                .await
                .unwrap(),
            1
        );
        assert!(store.artifact_html("cc33").await.unwrap().is_none());
        assert!(
            store.artifact_html("aa11").await.unwrap().is_some(),
            "a version's stays"
        );
    })
    .await;
}

#[tokio::test]
async fn each_pages_head_is_listed_with_its_author_and_build() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let page = empty_orders_page(&store, &w).await;
        assert!(store.page_heads(&w.project).await.unwrap().is_empty());
        store
            .save_page_version(&page.id, &broken("v1 <"), &w.owner, None)
            .await
            .unwrap();
        let heads = store.page_heads(&w.project).await.unwrap();
        assert_eq!(heads.len(), 1);
        assert_eq!((heads[0].number, heads[0].build_ok), (1, false));
        assert_eq!(heads[0].author_name.as_deref(), Some("Owner"));
        assert_eq!(heads[0].page_id, page.id);
    })
    .await;
}
