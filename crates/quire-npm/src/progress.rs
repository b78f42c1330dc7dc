//! Progress reporting: the installer tells a [`Progress`] what it is doing, so a CLI can draw
//! bars and a server can log.

/// Receives install events; called from the installing task, so keep it quick.
pub trait Progress: Send + Sync {
    fn event(&self, event: ProgressEvent);
}

/// One step of an install.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgressEvent {
    /// Fetching the registry's metadata for a package.
    Resolving { name: String },
    /// A tarball is arriving; `bytes` received so far.
    Downloading {
        name: String,
        version: String,
        bytes: u64,
    },
    /// A registry request failed in a way that may pass; it is tried again shortly.
    Retrying {
        url: String,
        /// The try that failed, from 1.
        attempt: u32,
        reason: String,
    },
    /// A tarball was verified and extracted into the store.
    Downloaded { name: String, version: String },
    /// The `node_modules` tree for the lock is ready.
    Materialized { packages: usize },
}

/// A [`Progress`] that ignores every event.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _event: ProgressEvent) {}
}
