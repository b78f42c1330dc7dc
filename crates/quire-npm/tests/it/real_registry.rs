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

#[tokio::test]
#[ignore = "needs the configured npm registry over the network"]
async fn installs_the_libraries_pages_import() {
    let dir = tempfile::tempdir().unwrap();
    let store = PackageStore::open(dir.path(), RegistryConfig::from_environment()).unwrap();
    let deps = [
        ("react", "^19"),
        ("react-dom", "^19"),
        ("date-fns", "*"),
        ("zustand", "*"),
        ("clsx", "*"),
        ("recharts", "*"),
        ("lucide-react", "*"),
        ("@tanstack/react-query", "*"),
    ];
    let started = Instant::now();
    let done = store.install(&request(&deps), &NoProgress).await.unwrap();
    let cold = started.elapsed();
    for (name, _) in deps {
        assert!(
            done.lock.version_of(name).is_some(),
            "{name} is installed at the top"
        );
    }
    for path in done.lock.packages.keys() {
        let manifest = done
            .node_modules
            .parent()
            .unwrap()
            .join(path)
            .join("package.json");
        assert!(manifest.is_file(), "{} is materialized", manifest.display());
    }
    assert_eq!(
        done.lock.version_of("react"),
        done.lock.version_of("react-dom"),
        "one React for every library"
    );
    assert!(
        !done
            .lock
            .packages
            .keys()
            .any(|path| path.ends_with("node_modules/react") && path != "node_modules/react"),
        "React is never nested"
    );

    crate::fixture::assert_tree_resolves(&done);

    let started = Instant::now();
    let again = store
        .install(&with_lock(&deps, &done.lock), &NoProgress)
        .await
        .unwrap();
    let warm = started.elapsed();
    assert_eq!(again.lock, done.lock);

    // The tree rebuilt from the store alone (hard links), as for a lock seen for the first time.
    std::fs::remove_dir_all(dir.path().join("trees")).unwrap();
    std::fs::create_dir(dir.path().join("trees")).unwrap();
    let started = Instant::now();
    let rebuilt = store
        .install(&with_lock(&deps, &done.lock), &NoProgress)
        .await
        .unwrap();
    let relinked = started.elapsed();
    assert_eq!(rebuilt.node_modules, done.node_modules);
    crate::fixture::assert_tree_resolves(&rebuilt);
    eprintln!(
        "cold install {cold:?}, from lock with its tree {warm:?}, from lock rebuilding the tree {relinked:?}, {} packages",
        done.lock.packages.len()
    );
}
