//! quire-npm: the npm registry client and content-addressed package store behind Quire's page
//! compiler. It resolves npm semver ranges into an npm-style hoisted `node_modules` tree,
//! verifies every tarball's sha512 integrity before extracting it safely, never runs package
//! scripts, records the result as a [`Lock`], and replays a lock offline.
//!
//! ```no_run
//! # async fn demo() -> Result<(), quire_npm::NpmError> {
//! use quire_npm::{InstallRequest, NoProgress, PackageStore, RegistryConfig};
//! let store = PackageStore::open("/var/lib/quire/npm", RegistryConfig::from_environment())?;
//! let mut request = InstallRequest::default();
//! request.dependencies.insert("react".into(), "^19".into());
//! let installation = store.install(&request, &NoProgress).await?;
//! println!("{} at {}", installation.lock.version_of("react").unwrap(), installation.node_modules.display());
//! # Ok(()) }
//! ```

mod config;
mod error;
mod extract;
mod fsutil;
mod lock;
mod manifest;
mod progress;
mod registry;
mod resolve;
mod spec;
mod store;

pub use config::RegistryConfig;
pub use error::NpmError;
pub use extract::ExtractLimits;
pub use lock::{InstallRequest, Installation, Lock, LockedPackage};
pub use progress::{NoProgress, Progress, ProgressEvent};
pub use store::PackageStore;
