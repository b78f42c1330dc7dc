//! The data directory's lock file, `<data_dir>/quire.lock`: `quire serve`, `quire backup`,
//! `quire user` and `quire token` hold it shared while they run (any number at once);
//! `quire restore` holds it exclusive, so it never swaps a database from under any of them,
//! and none starts mid-restore.
//! The operating system releases the lock when its process ends, even on `kill -9`.

use std::fs::{File, TryLockError};
use std::path::Path;

use anyhow::{Context, bail};

/// Held until dropped.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// For a server, a backup or an account command: fails while a restore runs on `data_dir`.
    pub fn shared(data_dir: &Path) -> anyhow::Result<Self> {
        let file = open(data_dir)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => bail!(
                "a `quire restore` is replacing the database in {}; wait for it to finish",
                data_dir.display()
            ),
            Err(TryLockError::Error(error)) => {
                Err(error).with_context(|| format!("cannot lock {}", data_dir.join(NAME).display()))
            }
        }
    }

    /// For a restore: fails while a server (or a backup) runs on `data_dir`.
    pub fn exclusive(data_dir: &Path) -> anyhow::Result<Self> {
        let file = open(data_dir)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => bail!(
                "a `quire serve` (or `quire backup`) is running on {}: stop it first; a restore replaces the database under it",
                data_dir.display()
            ),
            Err(TryLockError::Error(error)) => {
                Err(error).with_context(|| format!("cannot lock {}", data_dir.join(NAME).display()))
            }
        }
    }
}

const NAME: &str = "quire.lock";

fn open(data_dir: &Path) -> anyhow::Result<File> {
    let path = data_dir.join(NAME);
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_and_backups_share_the_directory_and_a_restore_has_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let server = DataDirLock::shared(dir.path()).unwrap();
        let backup = DataDirLock::shared(dir.path()).unwrap();
        let refused = DataDirLock::exclusive(dir.path()).unwrap_err();
        assert!(refused.to_string().contains("stop it first"), "{refused}");
        drop((server, backup));
        let restore = DataDirLock::exclusive(dir.path()).unwrap();
        let refused = DataDirLock::shared(dir.path()).unwrap_err();
        assert!(refused.to_string().contains("wait for it"), "{refused}");
        drop(restore);
        DataDirLock::shared(dir.path()).unwrap();
    }
}
