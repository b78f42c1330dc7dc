//! Integration tests of quire-compiler: the fixture folders (`tests/fixtures/<case>/`) and the
//! properties a fixture cannot express (determinism, lock reuse, limits, the app bundler).
//!
//! Packages come from the configured npm registry into a store shared by test runs
//! (`<target>/tmp/quire-test-npm-store`), so only the first run needs the network.

mod app;
mod bridge;
mod compile;
mod fixtures;

use std::path::PathBuf;
use std::sync::OnceLock;

use quire_compiler::{Artifact, Compiler};
use quire_npm::{PackageStore, RegistryConfig};

/// The npm store shared by every test run.
pub fn store_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("quire-test-npm-store")
}

/// A vendor cache private to this test process, so the vendor build itself is exercised.
fn cache_dir() -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
        .path()
        .to_path_buf()
}

/// A compiler on the shared store; one per test, since each test has its own tokio runtime.
pub fn compiler() -> Compiler {
    let store = PackageStore::open(store_dir(), RegistryConfig::from_environment())
        .expect("the test package store opens");
    Compiler::new(store, cache_dir())
}

/// The configured registry URL, to redact it from snapshots.
pub fn registry_url() -> String {
    RegistryConfig::from_environment().resolved().url
}

/// The page's own script (the last, module, script) of an artifact.
pub fn page_script(artifact: &Artifact) -> &str {
    let start = artifact
        .html
        .rfind("<script type=\"module\">")
        .expect("a page script")
        + "<script type=\"module\">".len();
    let end = artifact.html[start..]
        .find("</script>")
        .expect("the page script ends")
        + start;
    &artifact.html[start..end]
}
