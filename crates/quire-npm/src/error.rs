//! The crate's one error type: every way an install can fail, each with a message that says
//! what went wrong and what to do about it.

use std::path::PathBuf;

/// Why an install (or opening the store) failed.
#[derive(thiserror::Error, Debug)]
pub enum NpmError {
    #[error(
        "no npm registry is configured; set QUIRE_NPM_REGISTRY to the registry's URL (or `registry=` in .npmrc)"
    )]
    NoRegistryConfigured,

    #[error(
        "the npm registry URL {url:?} is not usable ({reason}); set QUIRE_NPM_REGISTRY to an http(s) URL"
    )]
    InvalidRegistryUrl { url: String, reason: String },

    #[error("{name:?} is not a valid npm package name; check the import's spelling")]
    InvalidPackageName { name: String },

    #[error(
        "the version specifier {spec:?} for package {name:?} is not supported ({reason}); use a semver range such as \"^1.2.0\" or a dist-tag such as \"latest\""
    )]
    InvalidSpecifier {
        name: String,
        spec: String,
        reason: String,
    },

    #[error(
        "package {name:?} does not exist in the registry {registry}; check the import's spelling"
    )]
    PackageNotFound { name: String, registry: String },

    #[error(
        "no version of package {name:?} matches {range:?}; the newest version is {latest}; change the version range"
    )]
    NoMatchingVersion {
        name: String,
        range: String,
        latest: String,
    },

    #[error(
        "the registry no longer lists version {version} of package {name:?} that the lock pins; update the lock (install without it)"
    )]
    LockedVersionMissing { name: String, version: String },

    #[error(
        "could not reach the npm registry at {url}: {source}; check the network and the registry setting (QUIRE_NPM_REGISTRY), or install once while online so the store has the packages"
    )]
    RegistryUnreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },

    #[error(
        "the npm registry answered {status} for {url}; check the registry setting and its credentials, then retry"
    )]
    RegistryStatus { url: String, status: u16 },

    #[error(
        "the registry's metadata for package {name:?} is malformed ({reason}); retry later or report it to the registry"
    )]
    InvalidPackument { name: String, reason: String },

    #[error(
        "package {name}@{version} has no sha512 integrity in the registry (found {found:?}); Quire installs only packages it can verify, so pick another version"
    )]
    MissingIntegrity {
        name: String,
        version: String,
        found: String,
    },

    #[error(
        "the tarball of {name}@{version} does not match its integrity: expected {expected}, got {actual}; nothing was extracted; the download or the registry was tampered with, retry and report it if it persists"
    )]
    IntegrityMismatch {
        name: String,
        version: String,
        expected: String,
        actual: String,
    },

    #[error(
        "the tarball of {name}@{version} contains an unsafe entry {path:?} ({reason}); nothing was installed from it; do not use this package version"
    )]
    UnsafeArchiveEntry {
        name: String,
        version: String,
        path: String,
        reason: String,
    },

    #[error(
        "the tarball of {name}@{version} is larger than the limit of {} bytes; nothing was installed from it; use a smaller package",
        grouped(*.limit)
    )]
    ArchiveTooLarge {
        name: String,
        version: String,
        limit: u64,
    },

    #[error(
        "the tarball of {name}@{version} has more than {} entries; nothing was installed from it; use a smaller package",
        grouped(*.limit)
    )]
    TooManyEntries {
        name: String,
        version: String,
        limit: u64,
    },

    #[error(
        "the tarball of {name}@{version} is not a valid gzip-compressed tar archive ({source}); nothing was installed from it; retry, and report it if it persists"
    )]
    CorruptArchive {
        name: String,
        version: String,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the dependency tree nests deeper than {limit} levels at {path}; dependencies conflict in a cycle; pin versions that agree"
    )]
    TreeTooDeep { path: String, limit: usize },

    #[error("the lock is inconsistent ({reason}); install without the lock to compute a new one")]
    InvalidLock { reason: String },

    #[error(
        "could not {action} {path}: {source}; check that the package store directory is writable and has free space"
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `1048576` → `1,048,576`: sizes in messages are read by people.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

impl NpmError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_048_576), "1,048,576");
        let error = NpmError::ArchiveTooLarge {
            name: "p".into(),
            version: "1.0.0".into(),
            limit: 209_715_200,
        };
        assert!(
            error.to_string().contains("limit of 209,715,200 bytes"),
            "{error}"
        );
    }
}
