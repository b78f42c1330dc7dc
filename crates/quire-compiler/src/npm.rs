//! Installing a page's packages through `quire-npm`, and turning install failures into
//! diagnostics located at the import that asked for the package.

use std::collections::BTreeMap;

use quire_npm::{InstallRequest, Installation, Lock, NpmError, PackageStore, Progress};

use crate::PAGE_FILE;
use crate::diagnostic::Diagnostic;
use crate::scan::{self, Import, Target};

pub(crate) async fn install(
    store: &PackageStore,
    dependencies: BTreeMap<String, String>,
    lock: Option<Lock>,
    progress: &dyn Progress,
    source: &str,
    imports: &[Import],
) -> Result<Installation, Vec<Diagnostic>> {
    let request = InstallRequest { dependencies, lock };
    store
        .install(&request, progress)
        .await
        .map_err(|error| vec![install_error(&error, source, imports)])
}

/// The package an install error is about, when it names one.
fn package_of(error: &NpmError) -> Option<&str> {
    match error {
        NpmError::InvalidPackageName { name }
        | NpmError::InvalidSpecifier { name, .. }
        | NpmError::PackageNotFound { name, .. }
        | NpmError::NoMatchingVersion { name, .. }
        | NpmError::LockedVersionMissing { name, .. }
        | NpmError::InvalidPackument { name, .. }
        | NpmError::MissingIntegrity { name, .. }
        | NpmError::IntegrityMismatch { name, .. }
        | NpmError::UnsafeArchiveEntry { name, .. }
        | NpmError::ArchiveTooLarge { name, .. }
        | NpmError::TooManyEntries { name, .. }
        | NpmError::CorruptArchive { name, .. } => Some(name),
        _ => None,
    }
}

fn code_of(error: &NpmError) -> &'static str {
    match error {
        NpmError::PackageNotFound { .. } | NpmError::InvalidPackageName { .. } => "UNKNOWN_PACKAGE",
        NpmError::NoMatchingVersion { .. }
        | NpmError::InvalidSpecifier { .. }
        | NpmError::LockedVersionMissing { .. } => "NO_MATCHING_VERSION",
        NpmError::RegistryUnreachable { .. }
        | NpmError::RegistryStatus { .. }
        | NpmError::NoRegistryConfigured
        | NpmError::InvalidRegistryUrl { .. } => "REGISTRY_UNAVAILABLE",
        NpmError::IntegrityMismatch { .. } | NpmError::MissingIntegrity { .. } => {
            "INTEGRITY_MISMATCH"
        }
        _ => "INSTALL_FAILED",
    }
}

fn install_error(error: &NpmError, source: &str, imports: &[Import]) -> Diagnostic {
    // A transitive dependency's failure is located at the first package import: that is the
    // import which pulled it in as far as the page can tell.
    let named = package_of(error);
    let at = imports
        .iter()
        .find(|i| {
            named.is_some_and(|n| scan::target(&i.specifier) == Target::Package(n.to_owned()))
        })
        .or_else(|| {
            imports
                .iter()
                .find(|i| matches!(scan::target(&i.specifier), Target::Package(_)))
        });
    let (offset, len) = at.map_or((0, 0), |i| (i.start, i.end - i.start));
    Diagnostic::error_at(
        code_of(error),
        error.to_string(),
        PAGE_FILE,
        source,
        offset,
        len,
    )
}
