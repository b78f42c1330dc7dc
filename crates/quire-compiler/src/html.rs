//! The artifact document: `<div id="root">` and the inline scripts, escaped so no script or
//! style can end early, plus its SHA-256 identity.

use sha2::{Digest, Sha256};

/// The parts of an artifact, in the order the browser runs them.
pub(crate) struct Parts<'a> {
    pub bridge: &'a str,
    pub vendor: Option<&'a str>,
    pub deps: Option<&'a str>,
    pub page: &'a str,
    pub css: &'a str,
}

pub(crate) fn document(parts: &Parts<'_>) -> String {
    let mut html = String::with_capacity(
        parts.bridge.len()
            + parts.vendor.map_or(0, str::len)
            + parts.deps.map_or(0, str::len)
            + parts.page.len()
            + 512,
    );
    html.push_str(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    if !parts.css.is_empty() {
        html.push_str("<style>\n");
        html.push_str(&escape_css(parts.css));
        html.push_str("\n</style>\n");
    }
    html.push_str("</head>\n<body>\n<div id=\"root\"></div>\n<script>");
    html.push_str(&escape_script(parts.bridge));
    html.push_str("</script>\n");
    for script in [parts.vendor, parts.deps].into_iter().flatten() {
        html.push_str("<script>");
        html.push_str(&escape_script(script));
        html.push_str("</script>\n");
    }
    // A module script: static `https://` imports stay real imports, and it runs after parsing.
    html.push_str("<script type=\"module\">");
    html.push_str(&escape_script(parts.page));
    html.push_str("</script>\n</body>\n</html>\n");
    html
}

/// Makes JavaScript safe inside `<script>`: `</script` and `<!--` only occur in string,
/// template, regular-expression literals or comments of minified code, and `\x3C` means `<`
/// in all of them (unlike `<\/`, which is invalid in a `u`-flag regular expression).
pub(crate) fn escape_script(js: &str) -> String {
    replace_lt_before(js, &["</script", "<!--"], "\\x3C")
}

/// Makes CSS safe inside `<style>` (`\3C ` is CSS's escape for `<`).
pub(crate) fn escape_css(css: &str) -> String {
    replace_lt_before(css, &["</style"], "\\3C ")
}

/// Replaces the `<` that starts any of `needles` (ASCII case-insensitive) with `with`.
fn replace_lt_before(text: &str, needles: &[&str], with: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (i, _) in text.match_indices('<') {
        let rest = &bytes[i..];
        if needles
            .iter()
            .any(|n| rest.len() >= n.len() && rest[..n.len()].eq_ignore_ascii_case(n.as_bytes()))
        {
            out.push_str(&text[last..i]);
            out.push_str(with);
            last = i + 1;
        }
    }
    out.push_str(&text[last..]);
    out
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_end_and_comment_open_are_escaped_case_insensitively() {
        assert_eq!(
            escape_script(r#"a("</script>");b("</SCRIPT");c("<!--");d(1<2)"#),
            r#"a("\x3C/script>");b("\x3C/SCRIPT");c("\x3C!--");d(1<2)"#
        );
    }

    #[test]
    fn style_end_is_escaped() {
        assert_eq!(
            escape_css("a{content:\"</style>\"}"),
            "a{content:\"\\3C /style>\"}"
        );
    }

    #[test]
    fn document_orders_root_bridge_vendor_deps_page() {
        let html = document(&Parts {
            bridge: "R",
            vendor: Some("V"),
            deps: Some("D"),
            page: "P",
            css: "",
        });
        let root = html.find("<div id=\"root\">").unwrap();
        let r = html.find("<script>R").unwrap();
        let v = html.find("<script>V").unwrap();
        let d = html.find("<script>D").unwrap();
        let p = html.find("<script type=\"module\">P").unwrap();
        assert!(root < r && r < v && v < d && d < p);
        assert!(!html.contains("<style>"));
    }
}
