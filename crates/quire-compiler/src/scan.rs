//! The first pass over a page: parse it with oxc (types stripped, never checked), report syntax
//! errors, and list what it imports so the npm packages can be installed before bundling.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use oxc::allocator::Allocator;
use oxc::ast::ast::Program;
use oxc::parser::Parser;
use oxc::semantic::{Reference, SemanticBuilder};
use oxc::span::SourceType;
use oxc::str::Ident;
use oxc::syntax::module_record::ImportImportName;
use oxc::syntax::module_record::ModuleRecord;

use crate::diagnostic::Diagnostic;

/// One module request of the scanned file, with the byte range of its specifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Import {
    pub specifier: String,
    pub start: usize,
    pub end: usize,
    pub kind: ImportKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImportKind {
    Static,
    Dynamic,
}

/// What a specifier points at, as far as a page is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// An npm package (the name, without any subpath).
    Package(String),
    /// Left for the browser to load at run time.
    Remote,
    /// A path relative to the importing file.
    Relative,
    /// Anything a browser page cannot import (`node:fs`, `http:`, `/abs`, a malformed name).
    Unsupported,
}

#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Value imports in source order (type-only imports are erased and not listed).
    pub imports: Vec<Import>,
    /// What the file takes from each specifier, for pre-bundling its packages.
    pub uses: BTreeMap<String, Uses>,
    pub errors: Vec<Diagnostic>,
}

/// The bindings a file imports from one specifier.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Uses {
    /// Named imports (`default` included); type-only ones are not listed.
    pub names: BTreeSet<String>,
    /// The whole module is needed: `import * as`, `import()`, `export … from`.
    pub namespace: bool,
    /// Imported for its side effects only (`import "x"`).
    pub side_effect: bool,
}

/// Parses `source` as TSX and collects its imports, or its syntax errors.
/// Said when a page does not parse from its first line on.
pub(crate) const NOT_TSX_HELP: &str = "Pages are written in TSX (TypeScript with JSX): one file that renders a React component, e.g. `function App() { return <h1>Hello</h1>; }`";

pub(crate) fn scan(source: &str, file: &str) -> Scan {
    let allocator = Allocator::default();
    let source_type = source_type_for(file);
    let ret = Parser::new(&allocator, source, source_type).parse();
    let mut out = Scan::default();
    for error in ret.diagnostics.errors() {
        let (offset, len) = error
            .labels
            .iter()
            .next()
            .map_or((0, 0), |l| (l.offset() as usize, l.span().size() as usize));
        let mut d = Diagnostic::error_at(
            "SYNTAX_ERROR",
            error.message.to_string(),
            file,
            source,
            offset,
            len,
        );
        d.help = error.help.as_ref().map(ToString::to_string).or_else(|| {
            error.labels.iter().find_map(|l| {
                l.label()
                    .map(|s| format!("{s}; fix the syntax and save again"))
            })
        });
        out.errors.push(d);
    }
    // Stuck on the very first line: most likely not TSX at all (HTML, plain JSON, another
    // language pasted in), so say what a page is.
    let first_line = source
        .lines()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(0)
        + 1;
    if let Some(first) = out.errors.first_mut()
        && usize::try_from(first.line).is_ok_and(|line| line == first_line)
    {
        let help = first
            .help
            .take()
            .map_or_else(String::new, |h| format!("{h}. "));
        first.help = Some(format!("{help}{NOT_TSX_HELP}"));
    }
    if !out.errors.is_empty() {
        return out;
    }
    for (specifier, requests) in &ret.module_record.requested_modules {
        for request in requests.iter().filter(|r| !r.is_type) {
            out.imports.push(Import {
                specifier: specifier.to_string(),
                start: request.span.start as usize,
                end: request.span.end as usize,
                kind: ImportKind::Static,
            });
        }
    }
    for dynamic in &ret.module_record.dynamic_imports {
        let (start, end) = (
            dynamic.module_request.start as usize,
            dynamic.module_request.end as usize,
        );
        if let Some(specifier) = string_literal(&source[start..end]) {
            out.imports.push(Import {
                specifier,
                start,
                end,
                kind: ImportKind::Dynamic,
            });
        }
    }
    out.imports.sort_by_key(|i| i.start);
    out.uses = collect_uses(&ret.program, &ret.module_record, &out.imports);
    out
}

/// What the code takes from each specifier it imports.
fn collect_uses(
    program: &Program<'_>,
    record: &ModuleRecord<'_>,
    imports: &[Import],
) -> BTreeMap<String, Uses> {
    let mut uses: BTreeMap<String, Uses> = BTreeMap::new();
    // Which imported bindings the code reads as values: TypeScript drops the others (and an
    // import declaration left with none), so the page never asks its packages for them.
    let semantic = SemanticBuilder::new().build(program).semantic;
    let scoping = semantic.scoping();
    let is_read = |local: &str| {
        scoping
            .get_root_binding(Ident::from(local))
            .is_some_and(|symbol| {
                scoping
                    .get_resolved_references(symbol)
                    .any(Reference::is_value)
            })
    };
    let mut with_bindings = BTreeSet::new();
    for entry in &record.import_entries {
        with_bindings.insert(entry.statement_span.start);
        if entry.is_type || !is_read(entry.local_name.name.as_str()) {
            continue;
        }
        let taken = uses
            .entry(entry.module_request.name.to_string())
            .or_default();
        match &entry.import_name {
            ImportImportName::Name(name) => {
                taken.names.insert(name.name.to_string());
            }
            ImportImportName::Default(_) => {
                taken.names.insert("default".to_owned());
            }
            ImportImportName::NamespaceObject => taken.namespace = true,
        }
    }
    for (specifier, requests) in &record.requested_modules {
        let side_effect = requests
            .iter()
            .any(|r| r.is_import && !r.is_type && !with_bindings.contains(&r.statement_span.start));
        if side_effect {
            uses.entry(specifier.to_string()).or_default().side_effect = true;
        }
    }
    for import in imports.iter().filter(|i| i.kind == ImportKind::Dynamic) {
        uses.entry(import.specifier.clone()).or_default().namespace = true;
    }
    let reexports = record
        .indirect_export_entries
        .iter()
        .chain(&record.star_export_entries);
    for entry in reexports {
        if let Some(request) = &entry.module_request {
            uses.entry(request.name.to_string()).or_default().namespace = true;
        }
    }
    uses
}

fn source_type_for(file: &str) -> SourceType {
    // `.ts` files must not be parsed as TSX: `<T>(x: T) => x` means something else there.
    let ext = file.rsplit('.').next().unwrap_or("tsx");
    match ext {
        "ts" | "mts" | "cts" => SourceType::ts(),
        "js" | "mjs" | "cjs" | "jsx" => SourceType::jsx(),
        _ => SourceType::tsx(),
    }
}

/// The value of a plain string literal or an expression-free template literal.
fn string_literal(text: &str) -> Option<String> {
    let text = text.trim();
    let quote = text.chars().next()?;
    if !matches!(quote, '"' | '\'' | '`') || !text.ends_with(quote) || text.len() < 2 {
        return None;
    }
    let inner = &text[1..text.len() - 1];
    if inner.contains('\\') || (quote == '`' && inner.contains("${")) {
        return None;
    }
    Some(inner.to_owned())
}

/// Classifies a specifier written in a page.
pub(crate) fn target(specifier: &str) -> Target {
    if specifier.starts_with("https://") {
        return Target::Remote;
    }
    if specifier.starts_with("./") || specifier.starts_with("../") || specifier == "." {
        return Target::Relative;
    }
    match package_name(specifier) {
        Some(name) => Target::Package(name.to_owned()),
        None => Target::Unsupported,
    }
}

/// The npm package a bare specifier names: `@scope/pkg/sub` → `@scope/pkg`, `date-fns/format`
/// → `date-fns`. `None` when it is not a valid npm package name.
pub(crate) fn package_name(specifier: &str) -> Option<&str> {
    let end = if specifier.starts_with('@') {
        let slash = specifier.find('/')?;
        specifier[slash + 1..]
            .find('/')
            .map_or(specifier.len(), |i| slash + 1 + i)
    } else {
        specifier.find('/').unwrap_or(specifier.len())
    };
    let name = &specifier[..end];
    let valid_part = |part: &str| {
        !part.is_empty()
            && !part.starts_with('.')
            && !part.starts_with('_')
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-._~".contains(c))
    };
    let ok = match name.strip_prefix('@') {
        Some(scoped) => scoped
            .split_once('/')
            .is_some_and(|(s, p)| valid_part(s) && valid_part(p)),
        None => valid_part(name),
    };
    (ok && name.len() <= 214).then_some(name)
}

/// Scans a multi-file app from its entry, following relative imports, and returns the npm
/// packages it imports plus any syntax errors (files named relative to the entry's folder).
pub(crate) async fn scan_app(entry: &Path) -> (BTreeSet<String>, Vec<Diagnostic>) {
    let root = entry.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut packages = BTreeSet::new();
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    let mut queue = vec![entry.to_path_buf()];
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        if !matches!(ext, "ts" | "tsx" | "js" | "jsx" | "mjs" | "mts") {
            continue;
        }
        let name = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let source = match tokio::fs::read_to_string(&path).await {
            Ok(source) => source,
            Err(e) => {
                errors.push(Diagnostic::error_at(
                    "READ_ERROR",
                    format!("cannot read {}: {e}", path.display()),
                    &name,
                    "",
                    0,
                    0,
                ));
                continue;
            }
        };
        let scanned = scan(&source, &name);
        errors.extend(scanned.errors);
        for import in scanned.imports {
            match target(&import.specifier) {
                Target::Package(name) => {
                    packages.insert(name);
                }
                Target::Relative => {
                    let base = path.parent().unwrap_or(&root).join(&import.specifier);
                    if let Some(file) = resolve_relative(&base).await {
                        queue.push(file);
                    }
                }
                // rolldown reports what cannot be resolved, with its location.
                Target::Remote | Target::Unsupported => {}
            }
        }
    }
    (packages, errors)
}

async fn resolve_relative(base: &Path) -> Option<PathBuf> {
    let is_file = |p: PathBuf| async move {
        tokio::fs::metadata(&p)
            .await
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|_| p)
    };
    if let Some(p) = is_file(base.to_path_buf()).await {
        return Some(p);
    }
    for ext in ["tsx", "ts", "jsx", "js", "mjs", "mts", "json", "css"] {
        let mut name = base.as_os_str().to_owned();
        name.push(".");
        name.push(ext);
        if let Some(p) = is_file(PathBuf::from(name)).await {
            return Some(p);
        }
    }
    for index in ["index.tsx", "index.ts", "index.jsx", "index.js"] {
        if let Some(p) = is_file(base.join(index)).await {
            return Some(p);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_drop_subpaths() {
        assert_eq!(package_name("react"), Some("react"));
        assert_eq!(package_name("react-dom/client"), Some("react-dom"));
        assert_eq!(package_name("date-fns/format"), Some("date-fns"));
        assert_eq!(
            package_name("@tanstack/react-query"),
            Some("@tanstack/react-query")
        );
        assert_eq!(package_name("@scope/pkg/deep/x.js"), Some("@scope/pkg"));
        assert_eq!(package_name("@scope"), None);
        assert_eq!(package_name("node:fs"), None);
        assert_eq!(package_name("/abs"), None);
        assert_eq!(package_name("Upper"), None);
    }

    #[test]
    fn targets() {
        assert_eq!(target("https://esm.sh/x"), Target::Remote);
        assert_eq!(target("./x"), Target::Relative);
        assert_eq!(target("http://x"), Target::Unsupported);
        assert_eq!(target("clsx"), Target::Package("clsx".into()));
    }

    #[test]
    fn scan_lists_value_imports_in_order_and_skips_types() {
        let src = r#"
import type { Foo } from "types-only";
import React from "react";
import { format } from "date-fns/format";
const m = import("https://example.com/m.js");
const n = import(`clsx`);
const o = import(someVariable);
"#;
        let scan = scan(src, "page.tsx");
        assert!(scan.errors.is_empty());
        let specs: Vec<_> = scan.imports.iter().map(|i| i.specifier.as_str()).collect();
        assert_eq!(
            specs,
            [
                "react",
                "date-fns/format",
                "https://example.com/m.js",
                "clsx"
            ]
        );
        assert_eq!(scan.imports[2].kind, ImportKind::Dynamic);
        assert!(scan.uses["clsx"].namespace);
        // Imported but never read as a value: TypeScript elides these.
        assert!(!scan.uses.contains_key("react") && !scan.uses.contains_key("types-only"));
    }

    #[test]
    fn uses_list_value_reads_only() {
        let src = r#"
import React, { useState, type FC } from "react";
import { LineChart, TooltipProps } from "recharts";
import * as dates from "date-fns";
import "modern-normalize";
import { unused } from "clsx";
const Chart: FC<TooltipProps> = () => <LineChart />;
console.log(useState, dates.format);
"#;
        let scan = scan(src, "page.tsx");
        assert!(scan.errors.is_empty());
        let names = |s: &str| {
            scan.uses[s]
                .names
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        };
        assert_eq!(names("react"), ["useState"]);
        assert_eq!(names("recharts"), ["LineChart"]);
        assert!(scan.uses["date-fns"].namespace);
        assert!(scan.uses["modern-normalize"].side_effect);
        assert!(!scan.uses.contains_key("clsx"));
    }

    #[test]
    fn scan_reports_syntax_errors_with_location() {
        let scan = scan("const a = 1;\nconst b = ;\n", "page.tsx");
        assert_eq!(scan.errors.len(), 1);
        let d = &scan.errors[0];
        assert_eq!((d.line, d.column), (2, 11));
        assert_eq!(d.code, "SYNTAX_ERROR");
    }
}
