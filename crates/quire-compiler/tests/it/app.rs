//! `Compiler::bundle_app`: a multi-file TSX app from disk into one script with React inside.

use std::collections::BTreeMap;

use quire_npm::NoProgress;

use crate::compiler;

#[tokio::test]
async fn a_multi_file_app_bundles_into_one_script() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "main.tsx",
        "import { createRoot } from \"react-dom/client\";\nimport { Greeting } from \"./components/Greeting\";\n\
         createRoot(document.getElementById(\"root\")!).render(<Greeting name=\"Quire\" />);\n",
    );
    write(
        "components/Greeting.tsx",
        "import { clsx } from \"clsx\";\nexport function Greeting({ name }: { name: string }) {\n  \
         return <h1 className={clsx(\"greeting\")}>Hello {name}, from the app bundle</h1>;\n}\n",
    );
    let deps = BTreeMap::from([("clsx".to_owned(), "2.1.1".to_owned())]);
    let bundle = compiler()
        .bundle_app(&dir.path().join("main.tsx"), &deps, &NoProgress)
        .await
        .unwrap_or_else(|d| panic!("{}", quire_compiler::render_diagnostics(&d)));
    assert!(bundle.js.contains("from the app bundle"));
    assert!(
        bundle.js.contains("react-dom.production") || bundle.js.len() > 100_000,
        "React is inside"
    );
    assert!(!bundle.js.contains("__quireVendor"));
    assert_eq!(bundle.lock.version_of("clsx"), Some("2.1.1"));
    assert!(
        bundle.node_modules.join("clsx/package.json").is_file(),
        "the installation it was made from is named"
    );
}

#[tokio::test]
async fn app_syntax_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tsx"), "import \"./other\";\n").unwrap();
    std::fs::write(dir.path().join("other.ts"), "export const x = ;\n").unwrap();
    let errors = compiler()
        .bundle_app(&dir.path().join("main.tsx"), &BTreeMap::new(), &NoProgress)
        .await
        .unwrap_err();
    assert_eq!(errors[0].file, "other.ts");
    assert_eq!((errors[0].line, errors[0].column), (1, 18));
}
