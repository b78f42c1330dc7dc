//! Builds npm tarballs in memory: well-formed ones under `package/`, and malicious ones whose
//! headers are written byte by byte where the `tar` crate's safe setters would refuse.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::write::GzEncoder;
use tar::{EntryType, Header};

/// How to make the extra, hostile entry of a tarball.
pub enum Evil {
    /// A regular file whose header names this raw path (e.g. `package/../x` or `/tmp/x`).
    RawPath(String),
    Symlink,
    Hardlink,
    CharDevice,
    Fifo,
}

fn file_header(size: u64) -> Header {
    let mut header = Header::new_gnu();
    header.set_entry_type(EntryType::Regular);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header
}

fn append_file(builder: &mut tar::Builder<impl Write>, path: &str, data: &[u8]) {
    let mut header = file_header(data.len() as u64);
    header.set_path(format!("package/{path}")).unwrap();
    header.set_cksum();
    builder.append(&header, data).unwrap();
}

fn gzip(tar: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(tar).unwrap();
    encoder.finish().unwrap()
}

/// A well-formed tarball with these files under `package/`.
pub fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in files {
        append_file(&mut builder, path, data);
    }
    gzip(&builder.into_inner().unwrap())
}

/// A tarball with `files` and then one hostile entry.
pub fn evil_tgz(files: &[(&str, &[u8])], evil: &Evil) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in files {
        append_file(&mut builder, path, data);
    }
    let payload: &[u8] = b"pwned\n";
    let mut header = file_header(0);
    match evil {
        Evil::RawPath(path) => {
            header.set_size(payload.len() as u64);
            let name = &mut header.as_old_mut().name;
            name.fill(0);
            name[..path.len()].copy_from_slice(path.as_bytes());
        }
        Evil::Symlink => {
            header.set_entry_type(EntryType::Symlink);
            header.set_path("package/link.js").unwrap();
            header.set_link_name("/etc/passwd").unwrap();
        }
        Evil::Hardlink => {
            header.set_entry_type(EntryType::Link);
            header.set_path("package/hard.js").unwrap();
            header.set_link_name("/etc/passwd").unwrap();
        }
        Evil::CharDevice => {
            header.set_entry_type(EntryType::Char);
            header.set_path("package/null").unwrap();
            header.set_device_major(1).unwrap();
            header.set_device_minor(3).unwrap();
        }
        Evil::Fifo => {
            header.set_entry_type(EntryType::Fifo);
            header.set_path("package/pipe").unwrap();
        }
    }
    header.set_cksum();
    let data = if matches!(evil, Evil::RawPath(_)) {
        payload
    } else {
        &[][..]
    };
    builder.append(&header, data).unwrap();
    gzip(&builder.into_inner().unwrap())
}

/// A tarball whose one file is `size` zero bytes: a few KiB compressed.
pub fn gzip_bomb(manifest: &[u8], size: u64) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    {
        let mut builder = tar::Builder::new(&mut encoder);
        append_file(&mut builder, "package.json", manifest);
        let mut header = file_header(size);
        header.set_path("package/zeros.bin").unwrap();
        header.set_cksum();
        builder
            .append(&header, std::io::repeat(0).take(size))
            .unwrap();
        builder.finish().unwrap();
    }
    encoder.finish().unwrap()
}
