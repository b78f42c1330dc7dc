//! The lock: which version of which package sits at which `node_modules` path. It is the
//! record a page version keeps so that the same lock always gives the same tree.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What to install: top-level dependencies (name → npm semver range; `""`, `"*"` and
/// `"latest"` mean the registry's `latest`), and optionally the lock of a previous install.
#[derive(Clone, Debug, Default)]
pub struct InstallRequest {
    pub dependencies: BTreeMap<String, String>,
    pub lock: Option<Lock>,
}

/// The result of an install.
#[derive(Clone, Debug)]
pub struct Installation {
    /// Absolute path of the materialized `node_modules` directory for `lock`.
    pub node_modules: PathBuf,
    pub lock: Lock,
}

/// Resolved packages keyed by install path, e.g. `node_modules/a/node_modules/b`.
/// Serializes deterministically (sorted keys), so its JSON can name the tree built from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Lock {
    pub packages: BTreeMap<String, LockedPackage>,
}

/// One installed package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedPackage {
    pub name: String,
    pub version: String,
    /// The registry's `dist.integrity` (`sha512-…`), which also addresses it in the store.
    pub integrity: String,
}

impl Lock {
    /// The version installed at the top level for `name` (what `import "name"` gets).
    pub fn version_of(&self, name: &str) -> Option<&str> {
        self.packages
            .get(&format!("node_modules/{name}"))
            .map(|package| package.version.as_str())
    }

    /// Canonical JSON bytes; the tree directory is named by their SHA-256.
    pub(crate) fn canonical_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a lock of strings always serializes")
    }
}

/// The path of the `node_modules` entry for `name` inside the package installed at `parent`
/// (`""` is the root).
pub(crate) fn child_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        format!("node_modules/{name}")
    } else {
        format!("{parent}/node_modules/{name}")
    }
}

/// The install path of the package whose `node_modules` holds `path` (`""` for the root).
pub(crate) fn parent_path(path: &str) -> &str {
    path.rfind("/node_modules/").map_or("", |at| &path[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest_and_unnest() {
        let nested = child_path(&child_path("", "a"), "@s/b");
        assert_eq!(nested, "node_modules/a/node_modules/@s/b");
        assert_eq!(parent_path(&nested), "node_modules/a");
        assert_eq!(parent_path("node_modules/a"), "");
    }

    #[test]
    fn json_round_trips_and_is_sorted() {
        let mut lock = Lock::default();
        for (path, name) in [("node_modules/z", "z"), ("node_modules/a", "a")] {
            lock.packages.insert(
                path.to_owned(),
                LockedPackage {
                    name: name.to_owned(),
                    version: "1.0.0".to_owned(),
                    integrity: "sha512-x".to_owned(),
                },
            );
        }
        let json = String::from_utf8(lock.canonical_json()).unwrap();
        assert!(json.find("node_modules/a").unwrap() < json.find("node_modules/z").unwrap());
        assert_eq!(serde_json::from_str::<Lock>(&json).unwrap(), lock);
        assert_eq!(lock.version_of("a"), Some("1.0.0"));
        assert_eq!(lock.version_of("b"), None);
    }
}
