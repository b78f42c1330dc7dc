//! A page's imports of its project's assets: `import logo from "./logo.png"`. The caller
//! gives the assets it found for the page's imports ([`imported_assets`] lists them); each
//! becomes a module whose default export is a URL (images and fonts; a small one inlined as a
//! `data:` URL), the parsed value (JSON) or a string (CSV, text).

use std::collections::BTreeMap;

use base64::Engine as _;

use crate::PAGE_FILE;
use crate::diagnostic::Diagnostic;
use crate::scan::{self, Target};

/// Images and fonts up to this size are inlined as `data:` URLs: one request fewer costs
/// less than the third more bytes base64 adds.
pub const INLINE_MAX_BYTES: usize = 4096;

/// One of the project's assets, as the page may import it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAsset {
    /// Where the content is served (content-addressed, so it never changes).
    pub url: String,
    /// The type read from its bytes, e.g. `image/png` or `text/csv; charset=utf-8`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The asset a specifier names: `./logo.png` → `logo.png`; other relative paths name none.
pub(crate) fn asset_name(specifier: &str) -> Option<&str> {
    let name = specifier.strip_prefix("./")?;
    (!name.is_empty() && !name.contains('/') && !name.starts_with('.')).then_some(name)
}

/// The asset names `source` imports (`./<name>`), in source order without repeats: the ones
/// the caller should look up and pass in [`crate::CompileInput::assets`]. A source that does
/// not parse imports none.
pub fn imported_assets(source: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for import in scan::scan(source, PAGE_FILE).imports {
        if scan::target(&import.specifier) == Target::Relative
            && let Some(name) = asset_name(&import.specifier)
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_owned());
        }
    }
    names
}

/// The module an asset becomes, or why it cannot be imported.
pub(crate) fn module_code(asset: &PageAsset) -> Result<String, String> {
    let mime = asset
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    let literal = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned());
    if mime.starts_with("image/") || mime.starts_with("font/") {
        let url = if asset.bytes.len() <= INLINE_MAX_BYTES {
            format!(
                "data:{mime};base64,{}",
                base64::engine::general_purpose::STANDARD.encode(&asset.bytes)
            )
        } else {
            asset.url.clone()
        };
        return Ok(format!("export default {};", literal(&url)));
    }
    let text = std::str::from_utf8(&asset.bytes)
        .map_err(|_| format!("its content ({mime}) is not UTF-8 text"))?;
    match mime {
        "application/json" => {
            serde_json::from_str::<serde::de::IgnoredAny>(text)
                .map_err(|e| format!("its content is not JSON: {e}"))?;
            // `JSON.parse`, not a literal: a `"__proto__"` key stays a key.
            Ok(format!("export default JSON.parse({});", literal(text)))
        }
        "text/csv" | "text/plain" => Ok(format!("export default {};", literal(text))),
        other => Err(format!("pages cannot import its type ({other})")),
    }
}

/// The modules of the assets `imports` names, by specifier, and errors for those the page
/// cannot have.
pub(crate) fn modules(
    source: &str,
    imports: &[scan::Import],
    assets: &BTreeMap<String, PageAsset>,
) -> Result<BTreeMap<String, String>, Vec<Diagnostic>> {
    let mut modules = BTreeMap::new();
    let mut errors = Vec::new();
    for import in imports {
        if scan::target(&import.specifier) != Target::Relative {
            continue;
        }
        let found = asset_name(&import.specifier).map(|name| (name, assets.get(name)));
        let help = match found {
            Some((_, Some(asset))) => match module_code(asset) {
                Ok(code) => {
                    modules.insert(import.specifier.clone(), code);
                    continue;
                }
                Err(why) => format!("the asset cannot be imported: {why}"),
            },
            Some((name, None)) if name.contains('.') => format!(
                "the project has no asset named \"{name}\": upload it to the project's assets (images, fonts, JSON, CSV or text), or check the name's spelling"
            ),
            _ => "pages are a single file: inline this code, import it from an npm package or an https:// URL, or import one of the project's assets as \"./<name>\"".to_owned(),
        };
        errors.push(crate::import_error(source, import, &help));
    }
    if errors.is_empty() {
        Ok(modules)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(content_type: &str, bytes: &[u8]) -> PageAsset {
        PageAsset {
            url: "https://u.example/u/abc".to_owned(),
            content_type: content_type.to_owned(),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn names_are_one_file_beside_the_page() {
        assert_eq!(asset_name("./logo.png"), Some("logo.png"));
        assert_eq!(asset_name("./dir/logo.png"), None);
        assert_eq!(asset_name("../logo.png"), None);
        assert_eq!(asset_name("./.env"), None);
    }

    #[test]
    fn images_are_urls_small_ones_inlined_data_is_a_value_or_a_string() {
        assert_eq!(
            module_code(&asset("image/png", b"\x89PNG")).unwrap(),
            "export default \"data:image/png;base64,iVBORw==\";"
        );
        let big = vec![0; INLINE_MAX_BYTES + 1];
        assert_eq!(
            module_code(&asset("font/woff2", &big)).unwrap(),
            "export default \"https://u.example/u/abc\";"
        );
        assert_eq!(
            module_code(&asset("application/json", b"{\"a\":1}")).unwrap(),
            "export default JSON.parse(\"{\\\"a\\\":1}\");"
        );
        assert_eq!(
            module_code(&asset("text/csv; charset=utf-8", b"a,b\n</script>")).unwrap(),
            "export default \"a,b\\n</script>\";"
        );
        assert!(module_code(&asset("application/json", b"{")).is_err());
        assert!(module_code(&asset("application/pdf", b"%PDF")).is_err());
    }

    #[test]
    fn imported_assets_lists_relative_names_once() {
        let source = "import a from \"./a.png\";\nimport b from \"./a.png\";\nimport c from \"react\";\nimport d from \"./x/y.json\";\nconst e = import(\"./e.csv\");";
        assert_eq!(imported_assets(source), ["a.png", "e.csv"]);
    }
}
