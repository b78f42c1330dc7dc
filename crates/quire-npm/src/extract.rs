//! Tarball verification and safe extraction. The integrity check runs on the downloaded bytes
//! before anything is decompressed; extraction writes regular files and directories only, under
//! caps on size and entry count, and never preserves modes, owners or links.

use std::cell::Cell;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use base64::Engine as _;
use sha2::{Digest as _, Sha512};
use tar::EntryType;

use crate::error::NpmError;

/// Caps applied to every package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtractLimits {
    /// Largest compressed tarball accepted from the registry.
    pub max_tarball_bytes: u64,
    /// Largest total size of a package's extracted files.
    pub max_unpacked_bytes: u64,
    /// Most entries (files, directories, headers) in one tarball.
    pub max_entries: u64,
}

impl Default for ExtractLimits {
    fn default() -> Self {
        Self {
            max_tarball_bytes: 64 * 1024 * 1024,
            max_unpacked_bytes: 200 * 1024 * 1024,
            max_entries: 100_000,
        }
    }
}

/// The hex SHA-512 digest named by an npm integrity string: the package's address in the
/// store. `None` when the string holds no usable sha512 hash.
pub(crate) fn store_key(integrity: &str) -> Option<String> {
    sha512_digest(integrity).map(hex::encode)
}

fn sha512_digest(integrity: &str) -> Option<Vec<u8>> {
    let parsed: ssri::Integrity = integrity.parse().ok()?;
    let hash = parsed
        .hashes
        .iter()
        .find(|h| h.algorithm == ssri::Algorithm::Sha512)?;
    let digest = base64::engine::general_purpose::STANDARD
        .decode(hash.digest.trim())
        .ok()?;
    (digest.len() == 64).then_some(digest)
}

/// Checks `tarball` against `expected` (which must contain a sha512 hash) and returns the
/// store key.
pub(crate) fn verify(
    name: &str,
    version: &str,
    expected: &str,
    tarball: &[u8],
) -> Result<String, NpmError> {
    let wanted = sha512_digest(expected).ok_or_else(|| NpmError::MissingIntegrity {
        name: name.to_owned(),
        version: version.to_owned(),
        found: expected.to_owned(),
    })?;
    let actual = Sha512::digest(tarball);
    if actual.as_slice() != wanted.as_slice() {
        return Err(NpmError::IntegrityMismatch {
            name: name.to_owned(),
            version: version.to_owned(),
            expected: expected.to_owned(),
            actual: format!(
                "sha512-{}",
                base64::engine::general_purpose::STANDARD.encode(actual)
            ),
        });
    }
    Ok(hex::encode(wanted))
}

/// Extracts a gzipped npm tarball into `dest` (an empty directory), dropping the leading folder
/// (`package/` or whatever it is called). On error `dest` may hold a partial tree: the caller
/// extracts into a temp directory and deletes it.
pub(crate) fn extract(
    name: &str,
    version: &str,
    tarball: &[u8],
    dest: &Path,
    limits: &ExtractLimits,
) -> Result<(), NpmError> {
    let too_large = || NpmError::ArchiveTooLarge {
        name: name.to_owned(),
        version: version.to_owned(),
        limit: limits.max_unpacked_bytes,
    };
    let unsafe_entry = |path: &Path, reason: &str| NpmError::UnsafeArchiveEntry {
        name: name.to_owned(),
        version: version.to_owned(),
        path: path.to_string_lossy().into_owned(),
        reason: reason.to_owned(),
    };
    // The decompressed stream is capped as a whole too: tar buffers long-name and pax headers in
    // memory, so a bomb hidden in a header must also stop.
    let stream_cap = limits.max_unpacked_bytes + limits.max_unpacked_bytes / 4 + 1024 * 1024;
    let exceeded = Rc::new(Cell::new(false));
    let reader = CappedReader {
        inner: flate2::read::GzDecoder::new(tarball),
        left: stream_cap,
        exceeded: exceeded.clone(),
    };
    let corrupt = |source: std::io::Error| {
        if exceeded.get() {
            too_large()
        } else {
            NpmError::CorruptArchive {
                name: name.to_owned(),
                version: version.to_owned(),
                source,
            }
        }
    };

    let mut archive = tar::Archive::new(reader);
    let mut unpacked: u64 = 0;
    let mut count: u64 = 0;
    for entry in archive.entries().map_err(&corrupt)? {
        let mut entry = entry.map_err(&corrupt)?;
        count += 1;
        if count > limits.max_entries {
            return Err(NpmError::TooManyEntries {
                name: name.to_owned(),
                version: version.to_owned(),
                limit: limits.max_entries,
            });
        }
        let raw_path = entry.path().map_err(&corrupt)?.into_owned();
        let kind = entry.header().entry_type();
        match kind {
            EntryType::Regular | EntryType::Continuous | EntryType::Directory => {}
            EntryType::XGlobalHeader | EntryType::XHeader => continue,
            other => return Err(unsafe_entry(&raw_path, refusal(other))),
        }
        let relative = match relative_path(&raw_path) {
            Ok(Some(relative)) => relative,
            Ok(None) => continue,
            Err(reason) => return Err(unsafe_entry(&raw_path, reason)),
        };
        let target = dest.join(&relative);
        if kind == EntryType::Directory {
            std::fs::create_dir_all(&target).map_err(NpmError::io("create", &target))?;
            continue;
        }
        // The size tar will read, which a pax header may set instead of the ustar field.
        let declared = entry.size();
        if unpacked.saturating_add(declared) > limits.max_unpacked_bytes {
            return Err(too_large());
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(NpmError::io("create", parent))?;
        }
        let budget = limits.max_unpacked_bytes - unpacked;
        unpacked += write_file(&mut entry, &target, budget + 1).map_err(|error| match error {
            CopyError::Read(source) => corrupt(source),
            CopyError::Write(source) => NpmError::Io {
                action: "write",
                path: target.clone(),
                source,
            },
        })?;
        if unpacked > limits.max_unpacked_bytes {
            return Err(too_large());
        }
    }
    Ok(())
}

/// Why an entry of this type is refused.
fn refusal(kind: EntryType) -> &'static str {
    match kind {
        EntryType::Symlink => "symbolic links are not allowed",
        EntryType::Link => "hard links are not allowed",
        EntryType::Char | EntryType::Block => "device files are not allowed",
        EntryType::Fifo => "FIFOs are not allowed",
        _ => "only regular files and directories are allowed",
    }
}

/// Writes at most `cap` bytes of `entry` to a new read-only file at `target`.
fn write_file(entry: &mut impl Read, target: &Path, cap: u64) -> Result<u64, CopyError> {
    if target.is_file() {
        // A repeated entry replaces the earlier one, as tar does; the earlier copy is read-only.
        std::fs::remove_file(target).map_err(CopyError::Write)?;
    }
    let mut file = std::fs::File::create(target).map_err(CopyError::Write)?;
    let written = copy_capped(entry, &mut file, cap)?;
    // Trees hard-link these files: read-only keeps a write through a tree out of the store.
    let mut permissions = file.metadata().map_err(CopyError::Write)?.permissions();
    permissions.set_readonly(true);
    file.set_permissions(permissions)
        .map_err(CopyError::Write)?;
    Ok(written)
}

/// The entry's path below the package folder, or `None` for the package folder itself (and
/// for entries that sit beside it, which npm drops too).
fn relative_path(path: &Path) -> Result<Option<PathBuf>, &'static str> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err("`..` components are not allowed"),
            Component::RootDir | Component::Prefix(_) => {
                return Err("absolute paths are not allowed");
            }
        }
    }
    if parts.len() < 2 {
        return Ok(None);
    }
    Ok(Some(parts[1..].iter().collect()))
}

enum CopyError {
    Read(std::io::Error),
    Write(std::io::Error),
}

fn copy_capped(from: &mut impl Read, to: &mut impl Write, cap: u64) -> Result<u64, CopyError> {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    while total < cap {
        let n = match from.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(CopyError::Read(error)),
        };
        to.write_all(&buffer[..n]).map_err(CopyError::Write)?;
        total += n as u64;
    }
    Ok(total)
}

/// Stops the decompressed stream after a fixed number of bytes.
struct CappedReader<R> {
    inner: R,
    left: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One probe byte tells a stream that ends exactly here from one that goes on.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.exceeded.set(true);
            return Err(std::io::Error::other(
                "the decompressed archive exceeds the size cap",
            ));
        }
        let max = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_drop_the_package_folder() {
        assert_eq!(
            relative_path(Path::new("package/a/b.js")).unwrap(),
            Some(PathBuf::from("a/b.js"))
        );
        assert_eq!(
            relative_path(Path::new("other-name/index.js")).unwrap(),
            Some(PathBuf::from("index.js"))
        );
        assert_eq!(
            relative_path(Path::new("./package/x")).unwrap(),
            Some(PathBuf::from("x"))
        );
        assert_eq!(relative_path(Path::new("package")).unwrap(), None);
        assert!(relative_path(Path::new("package/../../x")).is_err());
        assert!(relative_path(Path::new("/etc/passwd")).is_err());
    }

    #[test]
    fn verify_accepts_the_right_digest_only() {
        let data = b"tarball bytes";
        let integrity = format!(
            "sha512-{}",
            base64::engine::general_purpose::STANDARD.encode(Sha512::digest(data))
        );
        let key = verify("p", "1.0.0", &integrity, data).unwrap();
        assert_eq!(Some(key), store_key(&integrity));
        assert!(matches!(
            verify("p", "1.0.0", &integrity, b"other"),
            Err(NpmError::IntegrityMismatch { .. })
        ));
        let sha1_only = "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=";
        assert!(matches!(
            verify("p", "1.0.0", sha1_only, data),
            Err(NpmError::MissingIntegrity { .. })
        ));
    }

    /// tar keeps long-name and pax headers in memory, so a bomb hidden in one must stop at
    /// the cap on the decompressed stream, not at the (never reached) file size check.
    #[test]
    fn a_bomb_in_a_long_name_header_stops_at_the_stream_cap() {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(EntryType::GNULongName);
        header.set_path("././@LongLink").unwrap();
        header.set_size(8 * 1024 * 1024);
        header.set_cksum();
        builder
            .append(&header, std::io::repeat(b'a').take(8 * 1024 * 1024))
            .unwrap();
        let tarball = builder.into_inner().unwrap().finish().unwrap();
        let dest = tempfile::tempdir().unwrap();
        let limits = ExtractLimits {
            max_unpacked_bytes: 1024 * 1024,
            ..ExtractLimits::default()
        };
        let error = extract("p", "1.0.0", &tarball, dest.path(), &limits).unwrap_err();
        assert!(
            matches!(error, NpmError::ArchiveTooLarge { .. }),
            "{error:?}"
        );
    }
}
