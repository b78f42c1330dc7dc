//! Against the registry this machine is configured for (`QUIRE_NPM_REGISTRY`, npm's own
//! configuration or `npm config get registry`). Needs the network, so it is ignored by default:
//! `cargo test -p quire-npm -- --ignored real_registry`.

use std::time::Instant;

use quire_npm::{NoProgress, PackageStore, RegistryConfig};

use crate::fixture::{request, with_lock};

#[tokio::test]
#[ignore = "needs the configured npm registry over the network"]
async fn installs_react_and_react_dom_from_the_configured_registry() {
    let dir = tempfile::tempdir().unwrap();
    let store = PackageStore::open(dir.path(), RegistryConfig::from_environment()).unwrap();
    let req = request(&[("react", "^19"), ("react-dom", "^19")]);
    let started = Instant::now();
    let done = store.install(&req, &NoProgress).await.unwrap();
    let cold = started.elapsed();
    assert!(done.lock.version_of("react").unwrap().starts_with("19."));
    assert!(
        done.lock.version_of("scheduler").is_some(),
        "react-dom's dependency is hoisted"
    );
    assert!(done.node_modules.join("react-dom/client.js").is_file());
    assert!(done.node_modules.join("react/jsx-runtime.js").is_file());

    let started = Instant::now();
    let again = store
        .install(
            &with_lock(&[("react", "^19"), ("react-dom", "^19")], &done.lock),
            &NoProgress,
        )
        .await
        .unwrap();
    let warm = started.elapsed();
    assert_eq!(again.lock, done.lock);
    eprintln!(
        "cold install {cold:?}, install from lock {warm:?}, {} packages",
        done.lock.packages.len()
    );
}
