//! The npm supply-chain rules of SECURITY.md: integrity before extraction, hostile archive
//! entries refused, gzip bombs stopped at the cap, no package script ever run. Each failure
//! must leave nothing behind: no stored package, no temp directory, no tree.

use std::path::Path;

use quire_npm::{ExtractLimits, NpmError, PackageStore};
use serde_json::json;

use crate::fixture::{self, Registry, entries, install, request, sri};
use crate::tarballs::{self, Evil};

fn assert_nothing_installed(root: &Path) {
    assert!(
        entries(&root.join("packages")).is_empty(),
        "no package may be stored: {:?}",
        entries(&root.join("packages"))
    );
    assert!(
        entries(&root.join("tmp")).is_empty(),
        "no temp directory may remain: {:?}",
        entries(&root.join("tmp"))
    );
    assert!(
        entries(&root.join("trees")).is_empty(),
        "no tree may be built"
    );
}

/// Publishes `evil@1.0.0` with this tarball (and a matching integrity) and installs it.
async fn install_evil(
    tarball: Vec<u8>,
    limits: Option<ExtractLimits>,
) -> (NpmError, tempfile::TempDir, std::path::PathBuf) {
    let registry = Registry::start().await;
    let integrity = sri(&tarball);
    registry.publish_raw("evil", "1.0.0", &json!({}), tarball, &integrity);
    let (dir, root) = fixture::store_dir();
    let mut store = PackageStore::open(&root, registry.config()).unwrap();
    if let Some(limits) = limits {
        store = store.with_limits(limits);
    }
    let error = install(&store, &request(&[("evil", "1.0.0")]))
        .await
        .unwrap_err();
    (error, dir, root)
}

fn good_files() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("package.json", br#"{"name":"evil","version":"1.0.0"}"#),
        ("index.js", b"module.exports = 1;\n"),
    ]
}

#[tokio::test]
async fn integrity_mismatch_fails_before_extraction() {
    let registry = Registry::start().await;
    let tarball = tarballs::tgz(&good_files());
    let claimed = sri(b"some other bytes");
    registry.publish_raw("evil", "1.0.0", &json!({}), tarball.clone(), &claimed);
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let error = install(&store, &request(&[("evil", "1.0.0")]))
        .await
        .unwrap_err();
    match &error {
        NpmError::IntegrityMismatch {
            name,
            version,
            expected,
            actual,
        } => {
            assert_eq!((name.as_str(), version.as_str()), ("evil", "1.0.0"));
            assert_eq!(expected, &claimed);
            assert_eq!(actual, &sri(&tarball));
        }
        other => panic!("expected an integrity mismatch, got {other:?}"),
    }
    assert!(
        error.to_string().contains("nothing was extracted"),
        "{error}"
    );
    assert_nothing_installed(&root);
}

#[tokio::test]
async fn a_sha1_only_integrity_is_not_enough() {
    let registry = Registry::start().await;
    registry.publish_raw(
        "old",
        "1.0.0",
        &json!({}),
        tarballs::tgz(&good_files()),
        "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
    );
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let error = install(&store, &request(&[("old", "1")]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, NpmError::MissingIntegrity { .. }),
        "{error:?}"
    );
    assert_nothing_installed(&root);
}

#[tokio::test]
async fn parent_directory_entry_is_refused() {
    let (error, dir, root) = install_evil(
        tarballs::evil_tgz(
            &good_files(),
            &Evil::RawPath("package/../../escaped.txt".into()),
        ),
        None,
    )
    .await;
    assert!(
        matches!(&error, NpmError::UnsafeArchiveEntry { path, reason, .. } if path.contains("..") && reason.contains("..")),
        "{error:?}"
    );
    assert_nothing_installed(&root);
    assert!(!root.join("escaped.txt").exists() && !dir.path().join("escaped.txt").exists());
}

#[tokio::test]
async fn absolute_path_entry_is_refused() {
    let target = std::env::temp_dir().join(format!("quire-npm-absolute-{}", std::process::id()));
    let evil = Evil::RawPath(target.to_str().unwrap().to_owned());
    let (error, _dir, root) = install_evil(tarballs::evil_tgz(&good_files(), &evil), None).await;
    assert!(
        matches!(&error, NpmError::UnsafeArchiveEntry { reason, .. } if reason.contains("absolute")),
        "{error:?}"
    );
    assert_nothing_installed(&root);
    assert!(!target.exists(), "the absolute path must not be written");
}

#[tokio::test]
async fn symlink_entry_is_refused() {
    let (error, _dir, root) =
        install_evil(tarballs::evil_tgz(&good_files(), &Evil::Symlink), None).await;
    assert!(
        matches!(&error, NpmError::UnsafeArchiveEntry { path, reason, .. } if path == "package/link.js" && reason.contains("symbolic")),
        "{error:?}"
    );
    assert_nothing_installed(&root);
}

#[tokio::test]
async fn hardlink_entry_is_refused() {
    let (error, _dir, root) =
        install_evil(tarballs::evil_tgz(&good_files(), &Evil::Hardlink), None).await;
    assert!(
        matches!(&error, NpmError::UnsafeArchiveEntry { reason, .. } if reason.contains("hard link")),
        "{error:?}"
    );
    assert_nothing_installed(&root);
}

#[tokio::test]
async fn device_and_fifo_entries_are_refused() {
    let (error, _dir, root) =
        install_evil(tarballs::evil_tgz(&good_files(), &Evil::CharDevice), None).await;
    assert!(
        matches!(&error, NpmError::UnsafeArchiveEntry { reason, .. } if reason.contains("device")),
        "{error:?}"
    );
    assert_nothing_installed(&root);
    let (error, _dir, root) =
        install_evil(tarballs::evil_tgz(&good_files(), &Evil::Fifo), None).await;
    assert!(
        matches!(&error, NpmError::UnsafeArchiveEntry { reason, .. } if reason.contains("FIFO")),
        "{error:?}"
    );
    assert_nothing_installed(&root);
}

#[tokio::test]
async fn gzip_bomb_stops_at_the_size_cap() {
    let size = 64 * 1024 * 1024;
    let bomb = tarballs::gzip_bomb(br#"{"name":"evil","version":"1.0.0"}"#, size);
    assert!(
        bomb.len() < 1024 * 1024,
        "the fixture is a bomb: {} compressed bytes for {size}",
        bomb.len()
    );
    let limits = ExtractLimits {
        max_unpacked_bytes: 4 * 1024 * 1024,
        ..ExtractLimits::default()
    };
    let (error, _dir, root) = install_evil(bomb, Some(limits)).await;
    assert!(
        matches!(&error, NpmError::ArchiveTooLarge { limit, .. } if *limit == 4 * 1024 * 1024),
        "{error:?}"
    );
    assert!(error.to_string().contains("4,194,304"), "{error}");
    assert_nothing_installed(&root);
}

#[tokio::test]
async fn too_many_entries_and_oversized_downloads_are_refused() {
    let files: Vec<(String, Vec<u8>)> = (0..50)
        .map(|i| (format!("f{i}.js"), b"x".to_vec()))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect();
    let limits = ExtractLimits {
        max_entries: 20,
        ..ExtractLimits::default()
    };
    let (error, _dir, root) = install_evil(tarballs::tgz(&refs), Some(limits)).await;
    assert!(
        matches!(error, NpmError::TooManyEntries { limit: 20, .. }),
        "{error:?}"
    );
    assert_nothing_installed(&root);

    let limits = ExtractLimits {
        max_tarball_bytes: 64,
        ..ExtractLimits::default()
    };
    let (error, _dir, root) = install_evil(tarballs::tgz(&refs), Some(limits)).await;
    assert!(
        matches!(error, NpmError::ArchiveTooLarge { limit: 64, .. }),
        "{error:?}"
    );
    assert_nothing_installed(&root);
}

#[tokio::test]
async fn lifecycle_scripts_never_run() {
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("ran");
    let script = format!(
        "node -e \"require('fs').writeFileSync('{0}', 'x')\" ; touch {0}",
        marker.display()
    );
    let registry = Registry::start().await;
    registry.publish(
        "scripted",
        "1.0.0",
        &json!({"scripts": {"preinstall": script, "install": script, "postinstall": script, "prepare": script}}),
        &[("index.js", b"module.exports = 1;\n")],
    );
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let done = install(&store, &request(&[("scripted", "1")]))
        .await
        .unwrap();
    let manifest =
        std::fs::read_to_string(done.node_modules.join("scripted/package.json")).unwrap();
    assert!(
        manifest.contains("postinstall"),
        "the package with the script is installed"
    );
    assert!(!marker.exists(), "no lifecycle script may run");
}
