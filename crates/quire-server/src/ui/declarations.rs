//! The declaration files the studio's TypeScript worker checks pages against, read from the
//! UI's installed packages: TypeScript's libs for ES2022 and the DOM (with every lib they
//! reference), and the types of React, React DOM and `csstype` (which React's import). One
//! JSON object, path under `node_modules` → text, that the worker fetches as an asset.

use std::collections::BTreeMap;
use std::path::Path;

/// The libs pages are checked with, as `lib` names them (ui/typescript/pageService.ts).
const LIBS: &[&str] = &["es2022", "dom", "dom.iterable"];

/// Packages whose top-level declarations and `package.json` (which resolution reads) ship.
const TYPE_PACKAGES: &[&str] = &["@types/react", "@types/react-dom", "csstype"];

/// The declarations under `node_modules`, as JSON; the same files always give the same text.
pub(super) fn collect(node_modules: &Path) -> Result<String, String> {
    let mut files = BTreeMap::new();
    let mut wanted: Vec<String> = LIBS.iter().map(|lib| (*lib).to_owned()).collect();
    while let Some(lib) = wanted.pop() {
        let path = format!("typescript/lib/lib.{lib}.d.ts");
        if files.contains_key(&path) {
            continue;
        }
        let text = read(node_modules, &path)?;
        wanted.extend(referenced_libs(&text));
        files.insert(path, text);
    }
    for package in TYPE_PACKAGES {
        let dir = node_modules.join(package);
        let entries = std::fs::read_dir(&dir).map_err(|e| {
            format!(
                "cannot list {}: {e}; is {package} in package.json's dependencies?",
                dir.display()
            )
        })?;
        for entry in entries {
            let name = entry
                .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
                .file_name()
                .to_string_lossy()
                .into_owned();
            if name.ends_with(".d.ts") || name == "package.json" {
                let path = format!("{package}/{name}");
                let text = read(node_modules, &path)?;
                files.insert(path, text);
            }
        }
    }
    serde_json::to_string(&files).map_err(|e| format!("cannot write the declarations: {e}"))
}

fn read(node_modules: &Path, path: &str) -> Result<String, String> {
    let file = node_modules.join(path);
    std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

/// The libs a lib file pulls in: `/// <reference lib="es2021" />`.
fn referenced_libs(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines().filter_map(|line| {
        let rest = line.trim().strip_prefix("/// <reference lib=\"")?;
        rest.split('"').next().map(ToOwned::to_owned)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }

    fn installed() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let lib = "typescript/lib/lib.";
        write(
            root,
            &format!("{lib}es2022.d.ts"),
            "/// <reference lib=\"es2021\" />\n",
        );
        write(
            root,
            &format!("{lib}es2021.d.ts"),
            "/// <reference lib=\"es5\" />\n",
        );
        write(root, &format!("{lib}es5.d.ts"), "interface Array<T> {}\n");
        write(
            root,
            &format!("{lib}dom.d.ts"),
            "/// <reference lib=\"es5\" />\n",
        );
        write(root, &format!("{lib}dom.iterable.d.ts"), "");
        write(root, &format!("{lib}es2023.d.ts"), "not referenced");
        for package in TYPE_PACKAGES {
            write(root, &format!("{package}/index.d.ts"), "export {};\n");
            write(root, &format!("{package}/package.json"), "{}");
            write(root, &format!("{package}/README.md"), "# not shipped");
            write(root, &format!("{package}/ts5.0/index.d.ts"), "// older TS");
        }
        dir
    }

    #[test]
    fn the_libs_follow_their_references_and_packages_ship_their_declarations() {
        let dir = installed();
        let json = collect(dir.path()).unwrap();
        let files: BTreeMap<String, String> = serde_json::from_str(&json).unwrap();
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "@types/react-dom/index.d.ts",
                "@types/react-dom/package.json",
                "@types/react/index.d.ts",
                "@types/react/package.json",
                "csstype/index.d.ts",
                "csstype/package.json",
                "typescript/lib/lib.dom.d.ts",
                "typescript/lib/lib.dom.iterable.d.ts",
                "typescript/lib/lib.es2021.d.ts",
                "typescript/lib/lib.es2022.d.ts",
                "typescript/lib/lib.es5.d.ts",
            ]
        );
        assert_eq!(
            files["typescript/lib/lib.es5.d.ts"],
            "interface Array<T> {}\n"
        );
        assert_eq!(collect(dir.path()).unwrap(), json, "the same every time");
    }

    #[test]
    fn a_missing_file_is_named() {
        let dir = installed();
        std::fs::remove_file(dir.path().join("typescript/lib/lib.es2021.d.ts")).unwrap();
        let error = collect(dir.path()).unwrap_err();
        assert!(error.contains("lib.es2021.d.ts"), "{error}");
        std::fs::remove_dir_all(dir.path().join("csstype")).unwrap();
        std::fs::write(dir.path().join("typescript/lib/lib.es2021.d.ts"), "").unwrap();
        let error = collect(dir.path()).unwrap_err();
        assert!(error.contains("csstype"), "{error}");
    }
}
