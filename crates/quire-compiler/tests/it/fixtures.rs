//! The fixture runner: every folder under `tests/fixtures/` is a case with an `input.tsx`, an
//! optional `dependencies.json` (as in package.json) and one expectation beside them:
//! `diagnostics.snap` (the compile must fail with exactly these) or `page.snap` (it must
//! succeed; the page's own script, its CSS and any warnings). Files in an `assets/` folder
//! are the project's assets the page may import (`./<name>`), served at
//! `https://usercontent.test/u/<name>`. A new case needs no Rust: add the
//! folder and run `cargo insta test --accept` (or accept the `.snap.new` file) once.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use quire_compiler::{CompileInput, CompileOutput, PageAsset};
use quire_npm::NoProgress;

use crate::{compiler, page_script, registry_url};

/// Page scripts longer than this are cut in snapshots (bundled packages make them long).
const MAX_SNAPSHOT_SCRIPT: usize = 4000;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/fixtures exists")
        .map(|e| e.expect("a fixture entry").path())
        .filter(|p| p.join("input.tsx").is_file())
        .collect();
    cases.sort();
    cases
}

fn input(case: &Path) -> CompileInput {
    let source = std::fs::read_to_string(case.join("input.tsx")).expect("input.tsx is readable");
    let dependencies: BTreeMap<String, String> =
        match std::fs::read_to_string(case.join("dependencies.json")) {
            Ok(json) => {
                serde_json::from_str(&json).expect("dependencies.json maps names to ranges")
            }
            Err(_) => BTreeMap::new(),
        };
    CompileInput {
        source,
        dependencies,
        lock: None,
        assets: assets(&case.join("assets")),
    }
}

/// The fixture's assets, typed by extension (the server reads the type from the bytes).
fn assets(dir: &Path) -> BTreeMap<String, PageAsset> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|entry| entry.expect("an asset entry").path())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let content_type = match path.extension().and_then(|e| e.to_str()) {
                Some("png") => "image/png",
                Some("svg") => "image/svg+xml",
                Some("woff2") => "font/woff2",
                Some("json") => "application/json",
                Some("csv") => "text/csv; charset=utf-8",
                _ => "text/plain; charset=utf-8",
            };
            let asset = PageAsset {
                url: format!("https://usercontent.test/u/{name}"),
                content_type: content_type.to_owned(),
                bytes: std::fs::read(&path).expect("the asset is readable"),
            };
            (name, asset)
        })
        .collect()
}

fn redact(text: &str) -> String {
    let url = registry_url();
    let text = text.replace(&url, "[registry]");
    text.replace(url.trim_end_matches('/'), "[registry]")
}

fn diagnostics_snapshot(output: &CompileOutput) -> String {
    redact(&serde_json::to_string_pretty(&output.diagnostics).expect("diagnostics serialize"))
}

fn page_snapshot(output: &CompileOutput) -> String {
    let artifact = output.artifact.as_ref().expect("an artifact");
    let script = page_script(artifact);
    let mut out = String::new();
    let vendor = artifact.html.contains("globalThis.__quireVendor=");
    let _ = writeln!(out, "vendor script: {}", if vendor { "yes" } else { "no" });
    if let Some(deps) = scripts(&artifact.html).find(|s| s.contains("globalThis.__quireDeps=")) {
        let _ = writeln!(
            out,
            "dependencies script ({} bytes):\n{}",
            deps.len(),
            cut(deps, MAX_SNAPSHOT_SCRIPT)
        );
    }
    if let Some(start) = artifact.html.find("<style>\n") {
        let end = artifact.html.find("\n</style>").expect("the style ends");
        let css = &artifact.html[start + 8..end];
        let _ = writeln!(out, "css ({} bytes):\n{}", css.len(), cut(css, 600));
    }
    for d in &output.diagnostics {
        let _ = writeln!(
            out,
            "{:?} {} at {}:{}: {}",
            d.severity, d.code, d.line, d.column, d.message
        );
    }
    let _ = writeln!(
        out,
        "page script ({} bytes):\n{}",
        script.len(),
        cut(script, MAX_SNAPSHOT_SCRIPT)
    );
    out
}

/// The contents of the artifact's script elements.
fn scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("</script>").filter_map(|part| {
        let start = part.find("<script")?;
        let open_end = part[start..].find('>')? + start + 1;
        Some(&part[open_end..])
    })
}

fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [cut at {max} of {} bytes]", &text[..end], text.len())
}

#[tokio::test]
async fn fixtures() {
    let compiler = compiler();
    let cases = cases();
    assert!(cases.len() >= 10, "the fixture folders are missing");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let output = compiler.compile(&input(&case), &NoProgress).await;
        let expects_failure = case.join("diagnostics.snap").exists();
        let expects_success = case.join("page.snap").exists();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&case);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(case.join("input.tsx"));
        settings.set_description(format!("fixture {name}"));
        settings.bind(|| {
            if output.ok() {
                assert!(
                    !expects_failure,
                    "fixture {name} was expected to fail but compiled"
                );
                insta::assert_snapshot!("page", page_snapshot(&output));
            } else {
                assert!(
                    !expects_success,
                    "fixture {name} was expected to compile but failed:\n{}",
                    quire_compiler::render_diagnostics(&output.diagnostics)
                );
                assert!(output.artifact.is_none() && output.lock.is_none());
                insta::assert_snapshot!("diagnostics", diagnostics_snapshot(&output));
            }
        });
    }
}
