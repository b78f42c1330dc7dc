//! A registry that drops a connection or answers 5xx now and then must not fail an install:
//! such requests are tried again, a few times, and the user is told. Failures that another
//! try cannot mend (404, a full set of tries) still fail clearly.

use std::sync::Mutex;

use quire_npm::{NpmError, PackageStore, Progress, ProgressEvent};
use serde_json::json;

use crate::fixture::{self, Failure, Registry, index_of, request};

#[derive(Default)]
struct Retries(Mutex<Vec<(String, u32)>>);

impl Progress for Retries {
    fn event(&self, event: ProgressEvent) {
        if let ProgressEvent::Retrying { url, attempt, .. } = event {
            self.0.lock().unwrap().push((url, attempt));
        }
    }
}

fn paths(registry: &Registry) -> Vec<String> {
    registry.log().into_iter().map(|(path, _)| path).collect()
}

#[tokio::test]
async fn a_packument_cut_short_and_a_tarball_cut_short_are_fetched_again() {
    let registry = Registry::start().await;
    registry.publish_simple("left-pad", "1.3.0", &json!({}));
    registry.fail_next(1, "/left-pad", Failure::CutBody);
    registry.fail_next(2, "/tarballs/", Failure::CutBody);
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let retries = Retries::default();

    let done = store
        .install(&request(&[("left-pad", "^1")]), &retries)
        .await
        .unwrap();

    assert_eq!(
        index_of(&done.node_modules, "left-pad"),
        "module.exports = \"left-pad@1.3.0\";\n"
    );
    let paths = paths(&registry);
    assert_eq!(
        paths.iter().filter(|p| *p == "/left-pad").count(),
        2,
        "{paths:?}"
    );
    assert_eq!(
        paths.iter().filter(|p| p.starts_with("/tarballs/")).count(),
        3,
        "{paths:?}"
    );
    let retries = retries.0.lock().unwrap();
    let attempts: Vec<u32> = retries.iter().map(|(_, attempt)| *attempt).collect();
    assert_eq!(attempts, [1, 1, 2], "each retry is reported: {retries:?}");
}

#[tokio::test]
async fn a_registry_that_keeps_failing_gives_up_after_three_tries() {
    let registry = Registry::start().await;
    registry.publish_simple("left-pad", "1.3.0", &json!({}));
    registry.fail_next(5, "/left-pad", Failure::Status(503));
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();

    let error = store
        .install(&request(&[("left-pad", "^1")]), &Retries::default())
        .await
        .unwrap_err();

    assert!(
        matches!(error, NpmError::RegistryStatus { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(paths(&registry), ["/left-pad"; 3]);
}

#[tokio::test]
async fn what_another_try_cannot_mend_is_not_tried_again() {
    let registry = Registry::start().await;
    registry.fail_next(1, "/left-pad", Failure::Status(403));
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let retries = Retries::default();

    let forbidden = store
        .install(&request(&[("left-pad", "^1")]), &retries)
        .await
        .unwrap_err();
    let missing = store
        .install(&request(&[("left-pad", "^1")]), &retries)
        .await
        .unwrap_err();

    assert!(
        matches!(forbidden, NpmError::RegistryStatus { status: 403, .. }),
        "{forbidden:?}"
    );
    assert!(
        matches!(missing, NpmError::PackageNotFound { .. }),
        "{missing:?}"
    );
    assert_eq!(paths(&registry), ["/left-pad"; 2], "one request each");
    assert!(retries.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn with_a_cached_packument_a_cut_connection_uses_the_cache_at_once() {
    let registry = Registry::start().await;
    registry.publish_simple("left-pad", "1.3.0", &json!({}));
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    store
        .install(&request(&[("left-pad", "^1")]), &Retries::default())
        .await
        .unwrap();
    let before = registry.requests();
    registry.fail_next(1, "/left-pad", Failure::CutBody);

    let done = store
        .install(&request(&[("left-pad", "^1")]), &Retries::default())
        .await
        .unwrap();

    assert_eq!(done.lock.version_of("left-pad"), Some("1.3.0"));
    assert_eq!(
        registry.requests() - before,
        1,
        "no retry when the cache answers"
    );
}
