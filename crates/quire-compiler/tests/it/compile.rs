//! Properties of compiles that fixtures cannot express: determinism, lock reuse, the size
//! limit, the artifact's layout and escaping, and diagnostics as data.

use std::collections::BTreeMap;

use quire_compiler::{CompileInput, MAX_SOURCE_BYTES, Severity};
use quire_npm::NoProgress;

use crate::{compiler, page_script};

const SEED: &str = include_str!("../fixtures/seed-page/input.tsx");

fn page(source: &str) -> CompileInput {
    CompileInput {
        source: source.to_owned(),
        ..CompileInput::default()
    }
}

#[tokio::test]
async fn seed_page_artifact_has_root_then_runtime_vendor_and_page() {
    let output = compiler().compile(&page(SEED), &NoProgress).await;
    assert!(
        output.ok(),
        "{}",
        quire_compiler::render_diagnostics(&output.diagnostics)
    );
    assert!(output.diagnostics.is_empty(), "{:?}", output.diagnostics);
    let artifact = output.artifact.unwrap();
    let html = &artifact.html;
    let root = html
        .find("<div id=\"root\"></div>")
        .expect("the root element");
    // Script elements start right after the previous one ends (React's own code contains
    // "<script>" in strings, which is harmless inside a script).
    let mut scripts = vec![html.find("<script>").unwrap()];
    scripts.extend(
        html.match_indices("</script>\n<script")
            .map(|(i, _)| i + 10),
    );
    assert_eq!(scripts.len(), 3, "runtime, vendor and page scripts");
    assert_eq!(html.matches("</script>").count(), 3);
    assert!(root < scripts[0]);
    // The bridge runs first; React's vendor script defines the global the page reads.
    assert!(html[scripts[0]..scripts[1]].contains("kapso:hello"));
    assert!(html[scripts[1]..scripts[2]].contains("__quireVendor"));
    assert!(html[scripts[1]..scripts[2]].contains("react-dom.production"));
    let script = page_script(&artifact);
    assert!(
        script.contains("__quireVendor"),
        "the page reads React from the vendor global"
    );
    assert!(
        !script.contains("react.production"),
        "React is not bundled into the page"
    );
    assert!(script.contains("kapso.invokeFunction"));
    assert_eq!(artifact.sha256.len(), 64);
    assert_eq!(artifact.sha256, sha256_hex(html.as_bytes()));
    let lock = output.lock.expect("a lock");
    assert!(lock.version_of("react").is_some() && lock.version_of("react-dom").is_some());
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn same_source_and_lock_give_the_same_artifact() {
    let first = compiler().compile(&page(SEED), &NoProgress).await;
    let lock = first.lock.clone().expect("a lock");
    // A new compiler: nothing shared in memory but the store and the vendor cache directory.
    let again = CompileInput {
        lock: Some(lock.clone()),
        ..page(SEED)
    };
    let second = compiler().compile(&again, &NoProgress).await;
    let third = compiler().compile(&again, &NoProgress).await;
    let sha = |o: &quire_compiler::CompileOutput| o.artifact.as_ref().unwrap().sha256.clone();
    assert_eq!(sha(&first), sha(&second));
    assert_eq!(sha(&second), sha(&third));
    assert_eq!(first.artifact.unwrap().html, second.artifact.unwrap().html);
    assert_eq!(second.lock.unwrap(), lock);
}

#[tokio::test]
async fn a_lock_is_reused_instead_of_taking_the_newest() {
    let source = "import { clsx } from \"clsx\";\nconsole.log(clsx(\"a\"));\n";
    let pinned = CompileInput {
        dependencies: BTreeMap::from([("clsx".to_owned(), "2.0.0".to_owned())]),
        ..page(source)
    };
    let first = compiler().compile(&pinned, &NoProgress).await;
    assert!(first.ok(), "{:?}", first.diagnostics);
    let lock = first.lock.unwrap();
    assert_eq!(lock.version_of("clsx"), Some("2.0.0"));
    // Without the pin but with the lock, the locked (older) version stays.
    let relocked = CompileInput {
        lock: Some(lock.clone()),
        ..page(source)
    };
    let second = compiler().compile(&relocked, &NoProgress).await;
    assert!(second.ok(), "{:?}", second.diagnostics);
    assert_eq!(second.lock.unwrap().version_of("clsx"), Some("2.0.0"));
    assert_eq!(
        first.artifact.unwrap().sha256,
        second.artifact.unwrap().sha256
    );
}

#[tokio::test]
async fn a_source_over_the_limit_is_refused_before_anything_else() {
    let mut source = String::from("// padding\n");
    source.push_str(&"x".repeat(MAX_SOURCE_BYTES));
    let output = compiler().compile(&page(&source), &NoProgress).await;
    assert!(!output.ok() && output.artifact.is_none());
    let d = &output.diagnostics[0];
    assert_eq!(d.code, "SOURCE_TOO_LARGE");
    assert_eq!(
        d.message,
        "page source is 1,048,587 bytes; the limit is 1,048,576"
    );
    assert_eq!((d.line, d.column), (1, 1));
    assert!(d.frame.starts_with("> 1 | // padding"));
    // Exactly at the limit is fine as far as the limit goes.
    let at_limit = format!("//{}", " ".repeat(MAX_SOURCE_BYTES - 2));
    let output = compiler().compile(&page(&at_limit), &NoProgress).await;
    assert!(
        output
            .diagnostics
            .iter()
            .all(|d| d.code != "SOURCE_TOO_LARGE")
    );
}

#[tokio::test]
async fn closing_script_tags_in_strings_cannot_end_the_script() {
    let source = "const s = \"</script><script>alert(1)</script><!--\";\nconsole.log(s, /<\\/script>/u.test(s));\n";
    let output = compiler().compile(&page(source), &NoProgress).await;
    assert!(output.ok(), "{:?}", output.diagnostics);
    let artifact = output.artifact.unwrap();
    let script = page_script(&artifact);
    assert!(!script.to_ascii_lowercase().contains("</script"));
    assert!(!script.contains("<!--"));
    // The minifier already writes `<\/script`; the artifact escapes whatever it would not.
    assert!(script.contains(r"<\/script>") || script.contains(r"\x3C/script>"));
    // Every script element closes where it should: one opening tag per closing tag.
    assert_eq!(
        artifact.html.matches("</script>").count(),
        2,
        "runtime and page only"
    );
}

#[tokio::test]
async fn subpath_imports_of_a_package_with_an_exports_map_bundle() {
    let source = "import { format } from \"date-fns/format\";\nconsole.log(format(new Date(0), \"yyyy\"));\n";
    let output = compiler().compile(&page(source), &NoProgress).await;
    assert!(
        output.ok(),
        "{}",
        quire_compiler::render_diagnostics(&output.diagnostics)
    );
    let artifact = output.artifact.unwrap();
    assert!(output.lock.unwrap().version_of("date-fns").is_some());
    // Runtime, the pre-bundled dependencies and the page; no React in a page that does not use it.
    assert_eq!(artifact.html.matches("</script>").count(), 3);
    assert!(artifact.html.contains("__quireDeps"));
    assert!(!artifact.html.contains("__quireVendor"));
}

#[tokio::test]
async fn diagnostics_serialize_as_the_editor_expects() {
    let output = compiler().compile(&page("let a = ;\n"), &NoProgress).await;
    assert!(!output.ok());
    let json = serde_json::to_value(&output.diagnostics[0]).unwrap();
    assert_eq!(json["severity"], "error");
    assert_eq!(json["code"], "SYNTAX_ERROR");
    assert_eq!(json["file"], "page.tsx");
    assert_eq!(
        (json["line"].as_u64(), json["column"].as_u64()),
        (Some(1), Some(9))
    );
    assert!(json["frame"].as_str().unwrap().contains('^'));
    assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(output.diagnostics[0].severity, Severity::Error);
}

#[tokio::test]
async fn a_source_that_is_not_tsx_fails_with_help_that_says_pages_are_tsx() {
    let python = "def main():\n    print(\"hello\")\n";
    let output = compiler().compile(&page(python), &NoProgress).await;
    assert!(!output.ok());
    let help = output.diagnostics[0].help.as_deref().unwrap_or_default();
    assert!(help.contains("Pages are written in TSX"), "{help}");

    // A typo further down a real page gets no such lecture.
    let typo = "function App() {\n  return <h1>Hi</h2>;\n}\n";
    let output = compiler().compile(&page(typo), &NoProgress).await;
    assert!(!output.ok());
    let help = output.diagnostics[0].help.as_deref().unwrap_or_default();
    assert!(!help.contains("Pages are written in TSX"), "{help}");
}

#[tokio::test]
async fn an_unreachable_registry_is_a_diagnostic_at_the_import() {
    let dir = tempfile::tempdir().unwrap();
    let registry = quire_npm::RegistryConfig {
        url: "http://127.0.0.1:9/".to_owned(),
        auth_token: None,
        ask_npm: false,
    };
    let store = quire_npm::PackageStore::open(dir.path().join("npm"), registry).unwrap();
    let compiler = quire_compiler::Compiler::new(store, dir.path().join("cache"));
    let source = "import { clsx } from \"clsx\";\nconsole.log(clsx(\"a\"));\n";
    let output = compiler.compile(&page(source), &NoProgress).await;
    assert!(!output.ok());
    let d = &output.diagnostics[0];
    assert_eq!(d.code, "REGISTRY_UNAVAILABLE");
    assert_eq!((d.line, d.column), (1, 22));
    assert!(d.frame.contains("^^^^^^"));
}

#[tokio::test]
async fn with_a_lock_and_a_filled_store_no_registry_is_needed() {
    let online = compiler().compile(&page(SEED), &NoProgress).await;
    assert!(online.ok(), "{:?}", online.diagnostics);
    let dead = quire_npm::RegistryConfig {
        url: "http://127.0.0.1:9/".to_owned(),
        auth_token: None,
        ask_npm: false,
    };
    let store = quire_npm::PackageStore::open(crate::store_dir(), dead).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let offline = quire_compiler::Compiler::new(store, cache.path());
    let input = CompileInput {
        lock: online.lock.clone(),
        ..page(SEED)
    };
    let output = offline.compile(&input, &NoProgress).await;
    assert!(
        output.ok(),
        "{}",
        quire_compiler::render_diagnostics(&output.diagnostics)
    );
    assert_eq!(
        output.artifact.unwrap().sha256,
        online.artifact.unwrap().sha256
    );
}

#[test]
fn the_compiler_and_its_futures_can_move_between_threads() {
    fn assert_send<T: Send>(_: &T) {}
    fn assert_shared<T: Clone + Send + Sync + 'static>() {}
    assert_shared::<quire_compiler::Compiler>();
    let compiler = compiler();
    let input = page("");
    let compile = compiler.compile(&input, &NoProgress);
    assert_send(&compile);
    let deps = BTreeMap::new();
    let app = compiler.bundle_app(std::path::Path::new("main.tsx"), &deps, &NoProgress);
    assert_send(&app);
}
