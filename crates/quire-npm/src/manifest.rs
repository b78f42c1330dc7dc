//! Reading a stored package's `package.json` for the edges the installer follows:
//! `dependencies`, `optionalDependencies` and non-optional `peerDependencies`. Scripts and
//! everything else are ignored; nothing in a package is ever run.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// How a package depends on another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DepKind {
    Regular,
    /// Skipped when it cannot be installed.
    Optional,
    /// Installed only when nothing of that name is visible from the dependent already.
    Peer,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dep {
    pub name: String,
    pub spec: String,
    pub kind: DepKind,
}

/// The dependency edges of the package stored in `dir`, regular and optional ones first (in
/// name order), then peers. A missing or malformed `package.json` has none.
pub(crate) fn dependencies(dir: &Path) -> Vec<Dep> {
    let manifest = match std::fs::read(dir.join("package.json")) {
        Ok(bytes) => serde_json::from_slice::<Value>(&bytes).unwrap_or_else(|error| {
            tracing::warn!(dir = %dir.display(), %error, "package.json is not valid JSON; treating it as having no dependencies");
            Value::Null
        }),
        Err(_) => Value::Null,
    };
    from_manifest(&manifest)
}

pub(crate) fn from_manifest(manifest: &Value) -> Vec<Dep> {
    let optional = string_map(manifest, "optionalDependencies");
    let regular = string_map(manifest, "dependencies");
    let peers = string_map(manifest, "peerDependencies");
    let optional_peer = |name: &str| {
        manifest
            .get("peerDependenciesMeta")
            .and_then(|meta| meta.get(name))
            .and_then(|meta| meta.get("optional"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let mut deps: Vec<Dep> = regular
        .iter()
        .filter(|(name, _)| !optional.contains_key(*name))
        .map(|(name, spec)| Dep {
            name: name.clone(),
            spec: spec.clone(),
            kind: DepKind::Regular,
        })
        .chain(optional.iter().map(|(name, spec)| Dep {
            name: name.clone(),
            spec: spec.clone(),
            kind: DepKind::Optional,
        }))
        .collect();
    deps.sort_by(|a, b| a.name.cmp(&b.name));
    deps.extend(
        peers
            .iter()
            .filter(|(name, _)| {
                !regular.contains_key(*name)
                    && !optional.contains_key(*name)
                    && !optional_peer(name)
            })
            .map(|(name, spec)| Dep {
                name: name.clone(),
                spec: spec.clone(),
                kind: DepKind::Peer,
            }),
    );
    deps
}

fn string_map(manifest: &Value, key: &str) -> BTreeMap<String, String> {
    manifest
        .get(key)
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(name, spec)| Some((name.clone(), spec.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_by_kind() {
        let manifest = serde_json::json!({
            "dependencies": {"b": "^1", "fsevents": "^2", "a": "1.0.0"},
            "optionalDependencies": {"fsevents": "^2"},
            "peerDependencies": {"react": ">=18", "types": "*", "a": "*"},
            "peerDependenciesMeta": {"types": {"optional": true}},
            "scripts": {"postinstall": "node evil.js"}
        });
        let deps: Vec<(String, DepKind)> = from_manifest(&manifest)
            .into_iter()
            .map(|d| (d.name, d.kind))
            .collect();
        assert_eq!(
            deps,
            vec![
                ("a".to_owned(), DepKind::Regular),
                ("b".to_owned(), DepKind::Regular),
                ("fsevents".to_owned(), DepKind::Optional),
                ("react".to_owned(), DepKind::Peer),
            ]
        );
    }
}
