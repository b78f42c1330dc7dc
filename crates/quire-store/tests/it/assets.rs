//! Page assets: names over content-addressed bytes, the project limit, and the contents a
//! version keeps alive.

use std::collections::BTreeMap;

use quire_store::{NewArtifact, NewAsset, NewPage, NewPageVersion, Store, StoreError};
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

fn asset<'a>(project: &'a str, name: &'a str, sha: &'a str, bytes: &'a [u8]) -> NewAsset<'a> {
    NewAsset {
        project_id: project,
        name,
        sha256: sha,
        bytes,
        content_type: "text/plain; charset=utf-8",
    }
}

#[tokio::test]
async fn an_asset_is_stored_listed_replaced_and_deleted_with_its_bytes() {
    each_backend(|store| async move {
        let w = world(&store).await;
        // Every byte value survives the round trip on both backends.
        let bytes: Vec<u8> = (0..=255u8).collect();
        let put = store
            .put_asset(&asset(&w.project, "a.txt", "aaa", &bytes), &w.owner, None)
            .await
            .unwrap();
        assert!(!put.replaced);
        assert_eq!(put.asset.name, "a.txt");
        assert_eq!(put.asset.size, 256);
        assert_eq!(put.asset.created_by.as_deref(), Some(w.owner.as_str()));
        let content = store.asset_content("aaa").await.unwrap().unwrap();
        assert_eq!(content.bytes, bytes);
        assert_eq!(content.content_type, "text/plain; charset=utf-8");

        let by_id = store.asset(&w.project, &put.asset.id).await.unwrap();
        assert_eq!(by_id.as_ref(), Some(&put.asset));
        assert_eq!(store.asset("other", "a.txt").await.unwrap(), None);

        let again = store
            .put_asset(&asset(&w.project, "a.txt", "bbb", b"new"), &w.owner, None)
            .await
            .unwrap();
        assert!(again.replaced);
        assert_eq!(again.asset.id, put.asset.id);
        assert_eq!(again.asset.sha256, "bbb");
        assert_eq!(again.asset.size, 3);
        // No version used the old content, so it went with the replacement.
        assert_eq!(store.asset_content("aaa").await.unwrap(), None);
        assert_eq!(
            store.assets(&w.project).await.unwrap(),
            vec![again.asset.clone()]
        );

        let deleted = store
            .delete_asset(&w.project, "a.txt", &w.owner)
            .await
            .unwrap();
        assert_eq!(deleted.id, put.asset.id);
        assert!(store.assets(&w.project).await.unwrap().is_empty());
        assert_eq!(store.asset_content("bbb").await.unwrap(), None);
        let missing = store
            .delete_asset(&w.project, "a.txt", &w.owner)
            .await
            .unwrap_err();
        assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");

        let actions: Vec<String> = store
            .audit_log(&w.project, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .filter(|a| a.starts_with("asset."))
            .collect();
        assert_eq!(actions, ["asset.delete", "asset.replace", "asset.upload"]);
    })
    .await;
}

#[tokio::test]
async fn the_project_limit_counts_other_assets_and_the_new_size() {
    each_backend(|store| async move {
        let w = world(&store).await;
        store
            .put_asset(&asset(&w.project, "a", "a1", &[0; 6]), &w.owner, Some(10))
            .await
            .unwrap();
        let over = store
            .put_asset(&asset(&w.project, "b", "b1", &[1; 5]), &w.owner, Some(10))
            .await
            .unwrap_err();
        assert!(
            matches!(
                over,
                StoreError::OverQuota {
                    used: 6,
                    size: 5,
                    limit: 10
                }
            ),
            "{over}"
        );
        assert_eq!(store.asset(&w.project, "b").await.unwrap(), None);
        assert_eq!(store.asset_content("b1").await.unwrap(), None);
        // Replacing a counts a at its new size only.
        store
            .put_asset(&asset(&w.project, "a", "a2", &[2; 10]), &w.owner, Some(10))
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_version_keeps_the_contents_it_was_built_with() {
    each_backend(|store| async move {
        let w = world(&store).await;
        store
            .put_asset(
                &asset(&w.project, "logo.png", "old", b"old"),
                &w.owner,
                None,
            )
            .await
            .unwrap();
        let (page, _) = store
            .create_page(
                &NewPage {
                    project_id: &w.project,
                    name: "P",
                    slug: "p",
                    description: "",
                    inbox_mount: false,
                },
                None,
                &w.owner,
            )
            .await
            .unwrap();
        let version = NewPageVersion::new("src", &BTreeMap::new(), &json!([]))
            .with_artifact(NewArtifact {
                sha256: "art",
                html: "<p>",
            })
            .with_assets(vec![("logo.png".to_owned(), "old".to_owned())]);
        let saved = store
            .save_page_version(&page.id, &version, &w.owner, None)
            .await
            .unwrap();
        assert_eq!(
            store.version_assets(&saved.id).await.unwrap(),
            [("logo.png".to_owned(), "old".to_owned())]
        );
        assert_eq!(
            store.asset_users(&w.project).await.unwrap(),
            [("logo.png".to_owned(), "p".to_owned(), "P".to_owned())]
        );

        // Replaced and then deleted, the name's old content stays for the version.
        store
            .put_asset(
                &asset(&w.project, "logo.png", "new", b"new"),
                &w.owner,
                None,
            )
            .await
            .unwrap();
        store
            .delete_asset(&w.project, "logo.png", &w.owner)
            .await
            .unwrap();
        assert_eq!(store.asset_content("new").await.unwrap(), None);
        assert_eq!(store.prune_asset_contents().await.unwrap(), 0);

        // A save built with a content deleted since (the asset went during its compile)
        // fails clearly, and saves nothing.
        let stale = NewPageVersion::new("src 2", &BTreeMap::new(), &json!([]))
            .with_artifact(NewArtifact {
                sha256: "art2",
                html: "<p>2",
            })
            .with_assets(vec![("logo.png".to_owned(), "new".to_owned())]);
        let gone = store
            .save_page_version(&page.id, &stale, &w.owner, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&gone, StoreError::AssetGone { name } if name == "logo.png"),
            "{gone}"
        );
        let versions = store.page_versions(&page.id).await.unwrap();
        assert_eq!(versions.len(), 1, "the failed save left no version");
        assert_eq!(
            store.asset_content("old").await.unwrap().unwrap().bytes,
            b"old"
        );

        // Once the page (and so the version) is gone, pruning takes the content.
        store.delete_page(&page.id, &w.owner).await.unwrap();
        assert_eq!(store.prune_asset_contents().await.unwrap(), 1);
        assert_eq!(store.asset_content("old").await.unwrap(), None);
    })
    .await;
}
