//! Embeds the UI's sources: every file under `ui/` and the host side of the bridge, listed in
//! `$OUT_DIR/ui_sources.rs` as `(path relative to the repository root, include_str!(…))`, so a
//! new UI file is carried by the binary without being listed by hand.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Files outside `ui/` that the UI imports.
const EXTRA: &[&str] = &["bridge/host.ts", "package.json"];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest.join("../..");
    let mut files = Vec::new();
    collect(&root, Path::new("ui"), &mut files);
    files.extend(EXTRA.iter().map(|path| (*path).to_owned()));
    files.sort();

    let mut out = String::from("&[\n");
    for path in &files {
        let absolute = root.join(path).canonicalize().expect("a UI source exists");
        writeln!(
            out,
            "    ({path:?}, include_str!({:?})),",
            absolute.display()
        )
        .unwrap();
    }
    out.push(']');
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("ui_sources.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");

    println!("cargo:rerun-if-changed=../../ui");
    for path in EXTRA {
        println!("cargo:rerun-if-changed=../../{path}");
    }
}

/// Every file under `root/dir`, as paths relative to `root` with `/` separators.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let entries = std::fs::read_dir(root.join(dir)).expect("ui/ is readable");
    for entry in entries {
        let entry = entry.expect("ui/ is readable");
        let relative = dir.join(entry.file_name());
        if entry.file_type().expect("ui/ is readable").is_dir() {
            collect(root, &relative, files);
        } else {
            files.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}
