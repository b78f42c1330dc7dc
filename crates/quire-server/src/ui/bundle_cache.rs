//! The UI's bundles kept on disk beside the compiler's caches, so a restart (and every test
//! server after the first) serves at once instead of bundling for twenty seconds. The key
//! names the UI's sources and pinned packages, and the binary that bundled them: a new build
//! of Quire bundles afresh.

use std::path::{Path, PathBuf};

use super::build::Bundles;

/// The file the bundles of `sources` (a hash of the UI's sources) are kept in.
pub(super) fn path(cache_dir: &Path, sources: &str) -> PathBuf {
    cache_dir
        .join("ui")
        .join(format!("{sources}-{}.json", binary_identity()))
}

/// The bundles kept at `path`, if any are and they read.
pub(super) fn load(path: &Path) -> Option<Bundles> {
    let text = std::fs::read(path).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Keeps `bundles` at `path`, written whole or not at all; a failure only costs the next start
/// a rebuild, so it is logged, not returned.
pub(super) fn store(path: &Path, bundles: &Bundles) {
    let write = || -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer(&mut file, bundles)?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    };
    if let Err(error) = write() {
        tracing::warn!(path = %path.display(), %error, "cannot keep the built UI for the next start; it will be built again");
    }
}

/// The running binary's size and modification time: what tells two builds of Quire apart.
fn binary_identity() -> String {
    let meta = std::env::current_exe().and_then(std::fs::metadata);
    match meta {
        Ok(meta) => {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            format!("{:x}-{modified:x}", meta.len())
        }
        Err(_) => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::build::TypeScript;

    #[test]
    fn bundles_come_back_as_they_were_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = path(dir.path(), "abc");
        assert!(load(&file).is_none());
        let bundles = Bundles {
            js: "console.log(1)".to_owned(),
            css: "a{}".to_owned(),
            typescript: Some(TypeScript {
                worker: "w".to_owned(),
                declarations: "{}".to_owned(),
            }),
        };
        store(&file, &bundles);
        let loaded = load(&file).unwrap();
        assert_eq!(loaded.js, bundles.js);
        assert_eq!(loaded.typescript.unwrap().worker, "w");
        assert_ne!(path(dir.path(), "abc"), path(dir.path(), "abd"));
    }
}
