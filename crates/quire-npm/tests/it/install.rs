//! Resolution, hoisting, locks, offline use, registry errors and concurrency.

use std::collections::BTreeMap;

use quire_npm::{NpmError, PackageStore, Progress, ProgressEvent, RegistryConfig};
use serde_json::json;

use crate::fixture::{self, Registry, entries, index_of, install, request, versions, with_lock};

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn resolves_the_newest_version() {
    let registry = Registry::start().await;
    for version in ["1.0.0", "2.0.0", "1.5.0", "3.0.0-beta.1"] {
        registry.publish_simple("a", version, &json!({}));
    }
    registry.set_tag("a", "next", "3.0.0-beta.1");
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();

    for newest in ["", "*", "latest"] {
        let done = install(&store, &request(&[("a", newest)])).await.unwrap();
        assert_eq!(
            done.lock.version_of("a"),
            Some("1.5.0"),
            "{newest:?} means dist-tags.latest"
        );
        assert_eq!(
            index_of(&done.node_modules, "a"),
            "module.exports = \"a@1.5.0\";\n"
        );
        assert!(done.node_modules.is_absolute());
        assert!(done.node_modules.ends_with("node_modules"));
    }
    let next = install(&store, &request(&[("a", "next")])).await.unwrap();
    assert_eq!(next.lock.version_of("a"), Some("3.0.0-beta.1"));

    // Packuments are asked for in the abbreviated format.
    let log = registry.log();
    assert!(
        log.iter().any(|(path, accept)| path == "/a"
            && accept.starts_with("application/vnd.npm.install-v1+json")),
        "{log:?}"
    );
}

#[tokio::test]
async fn resolves_a_range() {
    let registry = Registry::start().await;
    for version in ["1.0.0", "1.0.7", "1.2.0", "2.0.0"] {
        registry.publish_simple("a", version, &json!({}));
    }
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let cases = [
        ("^1.0.0", "1.2.0"),
        ("~1.0.0", "1.0.7"),
        ("1.0.0", "1.0.0"),
        (">=1.0.1 <1.1", "1.0.7"),
        ("1.x || >=2", "2.0.0"),
    ];
    for (range, expected) in cases {
        let done = install(&store, &request(&[("a", range)])).await.unwrap();
        assert_eq!(done.lock.version_of("a"), Some(expected), "range {range}");
        assert_eq!(
            index_of(&done.node_modules, "a"),
            format!("module.exports = \"a@{expected}\";\n")
        );
    }
}

/// a → c@^1, b → c@^2 and shared@^1, root → shared@^1.1: one `c` hoisted, the other nested
/// under its dependent, `shared` once at the top.
#[tokio::test]
async fn hoists_transitive_dependencies_and_nests_conflicts() {
    let registry = Registry::start().await;
    registry.publish_simple("a", "1.0.0", &json!({"c": "^1.0.0", "shared": "^1.0.0"}));
    registry.publish_simple("b", "1.0.0", &json!({"c": "^2.0.0", "shared": "^1.0.0"}));
    registry.publish_simple("c", "1.3.0", &json!({}));
    registry.publish_simple("c", "2.1.0", &json!({"leaf": "1"}));
    registry.publish_simple("leaf", "1.0.0", &json!({}));
    registry.publish_simple("shared", "1.0.0", &json!({}));
    registry.publish_simple("shared", "1.1.0", &json!({}));
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();

    let done = install(
        &store,
        &request(&[("a", "^1"), ("b", "^1"), ("shared", "^1.1")]),
    )
    .await
    .unwrap();
    assert_eq!(
        versions(&done.lock),
        map(&[
            ("node_modules/a", "1.0.0"),
            ("node_modules/b", "1.0.0"),
            ("node_modules/b/node_modules/c", "2.1.0"),
            ("node_modules/c", "1.3.0"),
            ("node_modules/leaf", "1.0.0"),
            ("node_modules/shared", "1.1.0"),
        ])
    );
    let nm = &done.node_modules;
    assert_eq!(index_of(nm, "c"), "module.exports = \"c@1.3.0\";\n");
    assert_eq!(
        index_of(nm, "b/node_modules/c"),
        "module.exports = \"c@2.1.0\";\n"
    );
    assert_eq!(index_of(nm, "leaf"), "module.exports = \"leaf@1.0.0\";\n");
    fixture::assert_tree_resolves(&done);

    // A top-level request takes the top spot; the dependency that disagrees gets its own copy.
    let done = install(&store, &request(&[("a", "^1"), ("c", "^2")]))
        .await
        .unwrap();
    assert_eq!(done.lock.version_of("c"), Some("2.1.0"));
    assert_eq!(
        index_of(&done.node_modules, "a/node_modules/c"),
        "module.exports = \"c@1.3.0\";\n"
    );
}

/// A nested package's dependency must not be hoisted to where it would hide, from a package
/// already resolved above it, the version that package needs.
#[tokio::test]
async fn never_hoists_over_an_edge_already_resolved() {
    let registry = Registry::start().await;
    registry.publish_simple("a", "1.0.0", &json!({"x": "^2", "y": "^1"}));
    registry.publish_simple("x", "1.0.0", &json!({}));
    registry.publish_simple("x", "2.0.0", &json!({"y": "^2"}));
    registry.publish_simple("y", "1.0.0", &json!({}));
    registry.publish_simple("y", "2.0.0", &json!({}));
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let done = install(&store, &request(&[("a", "1"), ("x", "1"), ("y", "1")]))
        .await
        .unwrap();
    assert_eq!(
        versions(&done.lock),
        map(&[
            ("node_modules/a", "1.0.0"),
            ("node_modules/a/node_modules/x", "2.0.0"),
            ("node_modules/a/node_modules/x/node_modules/y", "2.0.0"),
            ("node_modules/x", "1.0.0"),
            ("node_modules/y", "1.0.0"),
        ])
    );
    fixture::assert_tree_resolves(&done);
}

#[tokio::test]
async fn installs_peers_that_are_missing_and_skips_failing_optionals() {
    let registry = Registry::start().await;
    registry.publish(
        "widget",
        "1.0.0",
        &json!({
            "peerDependencies": {"host": "^1", "maybe": "*"},
            "peerDependenciesMeta": {"maybe": {"optional": true}},
            "optionalDependencies": {"ghost": "^1", "extra": "^1"}
        }),
        &[("index.js", b"module.exports = 1;\n")],
    );
    registry.publish_simple("host", "1.4.0", &json!({}));
    registry.publish_simple("maybe", "1.0.0", &json!({}));
    registry.publish_simple("extra", "1.0.0", &json!({}));
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();

    let done = install(&store, &request(&[("widget", "1")])).await.unwrap();
    assert_eq!(
        versions(&done.lock),
        map(&[
            ("node_modules/extra", "1.0.0"),
            ("node_modules/host", "1.4.0"),
            ("node_modules/widget", "1.0.0")
        ]),
        "the missing peer is installed, the optional peer is not, the unknown optional is skipped"
    );
}

#[tokio::test]
async fn the_same_lock_gives_the_same_tree_without_the_network() {
    let registry = Registry::start().await;
    registry.publish_simple("a", "1.0.0", &json!({"c": "^1"}));
    registry.publish_simple("c", "1.0.0", &json!({}));
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let first = install(&store, &request(&[("a", "^1")])).await.unwrap();

    // Newer versions appear; the lock still satisfies the ranges, so it holds.
    registry.publish_simple("a", "1.1.0", &json!({"c": "^1"}));
    registry.publish_simple("c", "1.9.0", &json!({}));
    let before = registry.requests();
    let again = install(&store, &with_lock(&[("a", "^1")], &first.lock))
        .await
        .unwrap();
    assert_eq!(
        registry.requests(),
        before,
        "a lock whose packages are stored needs no request"
    );
    assert_eq!(again.lock, first.lock);
    assert_eq!(again.node_modules, first.node_modules);
    assert_eq!(
        first.node_modules.parent().unwrap().parent().unwrap(),
        root.canonicalize().unwrap().join("trees")
    );

    // Without the lock the newest versions win; a range the lock no longer satisfies moves too.
    let fresh = install(&store, &request(&[("a", "^1")])).await.unwrap();
    assert_eq!(
        versions(&fresh.lock),
        map(&[("node_modules/a", "1.1.0"), ("node_modules/c", "1.9.0")])
    );
    let moved = install(
        &store,
        &with_lock(&[("a", "^1"), ("c", "^1.5")], &first.lock),
    )
    .await
    .unwrap();
    assert_eq!(
        versions(&moved.lock),
        map(&[("node_modules/a", "1.0.0"), ("node_modules/c", "1.9.0")])
    );
    assert_ne!(moved.node_modules, first.node_modules);
}

#[tokio::test]
async fn works_offline_after_the_first_install() {
    let registry = Registry::start().await;
    registry.publish_simple("@scope/a", "1.0.0", &json!({"c": "^1"}));
    registry.publish_simple("c", "1.0.0", &json!({}));
    let (_dir, root) = fixture::store_dir();
    let config = registry.config();
    let first = {
        let store = PackageStore::open(&root, config.clone()).unwrap();
        install(&store, &request(&[("@scope/a", "^1")]))
            .await
            .unwrap()
    };
    registry.stop().await;

    let store = PackageStore::open(&root, config).unwrap();
    let with = install(&store, &with_lock(&[("@scope/a", "^1")], &first.lock))
        .await
        .unwrap();
    assert_eq!(with.lock, first.lock);
    // Without a lock the cached packuments stand in for the registry.
    let without = install(&store, &request(&[("@scope/a", "^1")]))
        .await
        .unwrap();
    assert_eq!(without.lock, first.lock);
    assert_eq!(
        index_of(&without.node_modules, "c"),
        "module.exports = \"c@1.0.0\";\n"
    );

    // Something never fetched cannot come from nowhere.
    let missing = install(&store, &request(&[("d", "*")])).await.unwrap_err();
    assert!(
        matches!(missing, NpmError::RegistryUnreachable { .. }),
        "{missing:?}"
    );
}

#[tokio::test]
async fn unknown_package_is_reported_by_name() {
    let registry = Registry::start().await;
    registry.publish_simple("react", "19.0.0", &json!({}));
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let error = install(&store, &request(&[("reactt", "^19")]))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, NpmError::PackageNotFound { name, .. } if name == "reactt"),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("\"reactt\" does not exist in the registry")
            && message.contains("check the import's spelling"),
        "{message}"
    );

    // So is one that only a dependency names.
    registry.publish_simple("broken", "1.0.0", &json!({"nope": "^1"}));
    let error = install(&store, &request(&[("broken", "1")]))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, NpmError::PackageNotFound { name, .. } if name == "nope"),
        "{error:?}"
    );
}

#[tokio::test]
async fn no_matching_version_names_the_newest() {
    let registry = Registry::start().await;
    registry.publish_simple("a", "1.0.0", &json!({}));
    registry.publish_simple("a", "2.3.1", &json!({}));
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let error = install(&store, &request(&[("a", "^9.0.0")]))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, NpmError::NoMatchingVersion { name, range, latest } if name == "a" && range == "^9.0.0" && latest == "2.3.1"),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("the newest version is 2.3.1"),
        "{error}"
    );
}

#[tokio::test]
async fn invalid_names_and_specifiers_are_refused_before_any_request() {
    let registry = Registry::start().await;
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let error = install(&store, &request(&[("../etc", "*")]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, NpmError::InvalidPackageName { .. }),
        "{error:?}"
    );
    let error = install(&store, &request(&[("a", "git+ssh://host/repo.git")]))
        .await
        .unwrap_err();
    assert!(
        matches!(error, NpmError::InvalidSpecifier { .. }),
        "{error:?}"
    );
    assert_eq!(registry.requests(), 0);
}

#[tokio::test]
async fn unreachable_registry_is_a_clear_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (_dir, root) = fixture::store_dir();
    let config = RegistryConfig {
        url: format!("http://127.0.0.1:{port}/"),
        auth_token: None,
        ask_npm: false,
    };
    let store = PackageStore::open(&root, config).unwrap();
    let error = install(&store, &request(&[("a", "^1")])).await.unwrap_err();
    assert!(
        matches!(&error, NpmError::RegistryUnreachable { url, .. } if url.contains(&port.to_string())),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("could not reach the npm registry at http://127.0.0.1:"),
        "{error}"
    );
}

#[tokio::test]
async fn scoped_packages_install_under_their_scope() {
    let registry = Registry::start().await;
    registry.publish_simple(
        "@tanstack/react-query",
        "5.0.0",
        &json!({"@tanstack/query-core": "5.0.0"}),
    );
    registry.publish_simple("@tanstack/query-core", "5.0.0", &json!({}));
    let (_dir, root) = fixture::store_dir();
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let done = install(&store, &request(&[("@tanstack/react-query", "^5")]))
        .await
        .unwrap();
    assert_eq!(done.lock.version_of("@tanstack/react-query"), Some("5.0.0"));
    assert_eq!(
        index_of(&done.node_modules, "@tanstack/query-core"),
        "module.exports = \"@tanstack/query-core@5.0.0\";\n"
    );
    assert_eq!(
        entries(&done.node_modules.join("@tanstack")),
        ["query-core", "react-query"]
    );
    let paths: Vec<String> = registry.log().into_iter().map(|(path, _)| path).collect();
    assert!(
        paths.iter().any(|p| p == "/@tanstack%2freact-query"),
        "{paths:?}"
    );
}

#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<ProgressEvent>>);

impl Progress for Recorder {
    fn event(&self, event: ProgressEvent) {
        self.0.lock().unwrap().push(event);
    }
}

#[tokio::test]
async fn concurrent_installs_of_the_same_request_agree() {
    let registry = Registry::start().await;
    for name in ["a", "b", "c", "d"] {
        registry.publish_simple(name, "1.0.0", &json!({"shared": "^1"}));
    }
    registry.publish_simple("shared", "1.0.0", &json!({}));
    let (_dir, root) = fixture::store_dir();
    let one = PackageStore::open(&root, registry.config()).unwrap();
    // A second handle on the same directory stands in for another process.
    let other = PackageStore::open(&root, registry.config()).unwrap();
    let req = request(&[("a", "1"), ("b", "1"), ("c", "1"), ("d", "1")]);
    let progress = Recorder::default();
    let same_process = one.clone();
    let (x, y, z) = tokio::join!(
        one.install(&req, &progress),
        same_process.install(&req, &progress),
        other.install(&req, &progress)
    );
    let (x, y, z) = (x.unwrap(), y.unwrap(), z.unwrap());
    assert_eq!(x.lock, y.lock);
    assert_eq!(x.lock, z.lock);
    assert_eq!(x.node_modules, y.node_modules);
    assert_eq!(x.node_modules, z.node_modules);
    assert_eq!(entries(&x.node_modules), ["a", "b", "c", "d", "shared"]);
    for name in ["a", "b", "c", "d", "shared"] {
        assert_eq!(
            index_of(&x.node_modules, name),
            format!("module.exports = \"{name}@1.0.0\";\n")
        );
    }
    assert_eq!(
        entries(&root.join("packages")).len(),
        5,
        "one stored copy per package"
    );
    assert!(
        entries(&root.join("tmp")).is_empty(),
        "no temp directory is left behind"
    );
    assert_eq!(entries(&root.join("trees")).len(), 1);
    let events = progress.0.lock().unwrap();
    assert!(events.contains(&ProgressEvent::Materialized { packages: 5 }));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ProgressEvent::Downloaded { name, .. } if name == "shared"))
    );
}

/// Two other processes and this one install the same request into one store at once: all
/// three get the same lock and the same tree, and the store holds one copy of each package.
#[tokio::test]
async fn concurrent_installs_across_processes_agree() {
    let registry = Registry::start().await;
    for name in ["a", "b", "c"] {
        registry.publish_simple(name, "1.0.0", &json!({"shared": "^1"}));
    }
    registry.publish_simple("shared", "1.0.0", &json!({}));
    let (_dir, root) = fixture::store_dir();
    let spawn = || {
        tokio::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "install::child_process_install",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("QUIRE_NPM_TEST_CHILD_ROOT", &root)
            .env("QUIRE_NPM_TEST_CHILD_REGISTRY", &registry.url)
            .output()
    };
    let store = PackageStore::open(&root, registry.config()).unwrap();
    let req = request(&[("a", "1"), ("b", "1"), ("c", "1")]);
    let (first, second, here) = tokio::join!(spawn(), spawn(), install(&store, &req));
    let here = here.unwrap();
    for output in [first.unwrap(), second.unwrap()] {
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // libtest prints the test's name on the same line, so look for the marker anywhere.
        let line = stdout
            .split("CHILD-RESULT ")
            .nth(1)
            .and_then(|rest| rest.lines().next())
            .expect("the child reports");
        let (node_modules, lock) = line.split_once('\t').unwrap();
        assert_eq!(std::path::Path::new(node_modules), here.node_modules);
        assert_eq!(
            serde_json::from_str::<quire_npm::Lock>(lock).unwrap(),
            here.lock
        );
    }
    assert_eq!(entries(&root.join("packages")).len(), 4);
    assert_eq!(entries(&root.join("trees")).len(), 1);
    assert!(entries(&root.join("tmp")).is_empty());
    fixture::assert_tree_resolves(&here);
}

/// The other process of `concurrent_installs_across_processes_agree`.
#[tokio::test]
#[ignore = "run as a child process by concurrent_installs_across_processes_agree"]
async fn child_process_install() {
    let root = std::env::var("QUIRE_NPM_TEST_CHILD_ROOT")
        .expect("run through concurrent_installs_across_processes_agree");
    let url = std::env::var("QUIRE_NPM_TEST_CHILD_REGISTRY")
        .expect("run through concurrent_installs_across_processes_agree");
    let store = PackageStore::open(
        root,
        RegistryConfig {
            url,
            auth_token: None,
            ask_npm: false,
        },
    )
    .unwrap();
    let done = install(&store, &request(&[("a", "1"), ("b", "1"), ("c", "1")]))
        .await
        .unwrap();
    let lock = serde_json::to_string(&done.lock).unwrap();
    println!("CHILD-RESULT {}\t{lock}", done.node_modules.display());
}
