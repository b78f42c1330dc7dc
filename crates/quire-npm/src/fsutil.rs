//! File system helpers for crash-safe writes: unique temp names beside the destination and
//! atomic renames, plus the hard-link-or-copy used to build trees from the store.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::NpmError;

/// A name no other thread or process will pick: pid, a counter and the clock.
pub(crate) fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Writes `bytes` to `path` through a temp file and a rename, so readers see all or nothing.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), NpmError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(unique_name(".tmp"));
    std::fs::write(&temp, bytes).map_err(NpmError::io("write", &temp))?;
    std::fs::rename(&temp, path).map_err(|source| {
        let _ = std::fs::remove_file(&temp);
        NpmError::Io {
            action: "rename into",
            path: path.to_owned(),
            source,
        }
    })
}

/// Moves the finished directory `temp` to `dest`. Returns `false` (and removes `temp`) when
/// another install put `dest` there first; its content is the same by construction.
pub(crate) fn publish_dir(temp: &Path, dest: &Path) -> Result<bool, NpmError> {
    match std::fs::rename(temp, dest) {
        Ok(()) => Ok(true),
        Err(_) if dest.is_dir() => {
            remove_dir_quietly(temp);
            Ok(false)
        }
        Err(source) => {
            remove_dir_quietly(temp);
            Err(NpmError::Io {
                action: "move into place",
                path: dest.to_owned(),
                source,
            })
        }
    }
}

pub(crate) fn remove_dir_quietly(dir: &Path) {
    if let Err(error) = std::fs::remove_dir_all(dir)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(dir = %dir.display(), %error, "could not remove a temporary directory");
    }
}

/// Recreates the files of `from` under `to`, hard-linking each file and copying when linking
/// fails (another file system, or a link limit). Existing files in `to` are replaced.
pub(crate) fn link_tree(from: &Path, to: &Path) -> Result<usize, NpmError> {
    std::fs::create_dir_all(to).map_err(NpmError::io("create", to))?;
    let mut files = 0;
    let entries = std::fs::read_dir(from).map_err(NpmError::io("read", from))?;
    for entry in entries {
        let entry = entry.map_err(NpmError::io("read", from))?;
        let kind = entry
            .file_type()
            .map_err(NpmError::io("inspect", entry.path()))?;
        let target: PathBuf = to.join(entry.file_name());
        if kind.is_dir() {
            files += link_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            if target.exists() {
                std::fs::remove_file(&target).map_err(NpmError::io("replace", &target))?;
            }
            if std::fs::hard_link(entry.path(), &target).is_err() {
                std::fs::copy(entry.path(), &target).map_err(NpmError::io("copy into", &target))?;
            }
            files += 1;
        }
    }
    Ok(files)
}

/// Removes leftovers of crashed installs in `tmp` that are older than a day (a live install
/// never takes that long, so this cannot pull a directory from under one).
pub(crate) fn sweep_stale(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > Duration::from_hours(24));
        if stale {
            remove_dir_quietly(&entry.path());
        }
    }
}
