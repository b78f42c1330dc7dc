//! The artifact document: `<div id="root">` and the inline scripts, escaped so no script or
//! style can end early, plus its SHA-256 identity; and the same document taken apart again
//! into a shell and its page, for the studio's warm preview frames ([`split_artifact`]).

use sha2::{Digest, Sha256};

use crate::Artifact;

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
    html.push_str(HEAD_START);
    html.push_str(
        "<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    if !parts.css.is_empty() {
        html.push_str(STYLE_START);
        html.push_str(&escape_css(parts.css));
        html.push_str(STYLE_END);
    }
    html.push_str(BODY_START);
    html.push_str(&escape_script(parts.bridge));
    html.push_str("</script>\n");
    for script in [parts.vendor, parts.deps].into_iter().flatten() {
        html.push_str("<script>");
        html.push_str(&escape_script(script));
        html.push_str("</script>\n");
    }
    // A module script: static `https://` imports stay real imports, and it runs after parsing.
    html.push_str(PAGE_START);
    html.push_str(&escape_script(parts.page));
    html.push_str(PAGE_END);
    html
}

const HEAD_START: &str = "<!doctype html>\n<html lang=\"en\">\n";
const STYLE_START: &str = "<style>\n";
const STYLE_END: &str = "\n</style>\n";
const BODY_START: &str = "</head>\n<body>\n<div id=\"root\"></div>\n<script>";
const PAGE_START: &str = "<script type=\"module\">";
const PAGE_END: &str = "</script>\n</body>\n</html>\n";
/// Marks a shell: its bridge takes one page over the port (bridge/page.ts).
const SHELL_START: &str = "<!doctype html>\n<html lang=\"en\" data-quire-shell>\n";

/// An artifact taken apart: the shell (the document with the bridge, React and the other
/// packages, but no page) and what the page adds to it. A warm frame loads the shell ahead of
/// time and runs the next build's page in it when that arrives, so a repaint skips the
/// document's download and React's start. Two builds of the same dependencies share a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitArtifact {
    pub shell: Artifact,
    /// The page's module script, as escaped in the artifact (it means the same).
    pub script: String,
    /// The page's CSS (from imported stylesheets), as escaped in the artifact.
    pub css: String,
}

/// Takes apart an artifact that [`document`] wrote; `None` for any other layout (an artifact
/// from an older compiler), which is then only ever shown whole.
pub fn split_artifact(html: &str) -> Option<SplitArtifact> {
    let rest = html.strip_prefix(HEAD_START)?;
    let (head, body) = rest.split_once(BODY_START)?;
    let (meta, css) = match head.split_once(STYLE_START) {
        Some((meta, style)) => (meta, style.strip_suffix(STYLE_END)?),
        None => (head, ""),
    };
    // Escaping keeps `</script` out of every script, so the page is the text after the last
    // module script's start.
    let body = body.strip_suffix(PAGE_END)?;
    let at = body.rfind(PAGE_START)?;
    let (scripts, script) = (&body[..at], &body[at + PAGE_START.len()..]);
    let shell = format!("{SHELL_START}{meta}{BODY_START}{scripts}</body>\n</html>\n");
    Some(SplitArtifact {
        shell: Artifact {
            sha256: sha256_hex(shell.as_bytes()),
            html: shell,
        },
        script: script.to_owned(),
        css: css.to_owned(),
    })
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

    fn parts<'a>(page: &'a str, css: &'a str) -> Parts<'a> {
        Parts {
            bridge: "R",
            vendor: Some("V"),
            deps: Some("D"),
            page,
            css,
        }
    }

    #[test]
    fn split_takes_out_the_page_and_its_css_and_marks_the_shell() {
        let html = document(&parts("P(\"</script>\")", "a{b:c}"));
        let split = split_artifact(&html).unwrap();
        assert_eq!(split.script, "P(\"\\x3C/script>\")");
        assert_eq!(split.css, "a{b:c}");
        let shell = &split.shell.html;
        assert!(shell.starts_with("<!doctype html>\n<html lang=\"en\" data-quire-shell>"));
        assert!(
            shell.contains("<script>R</script>\n<script>V</script>\n<script>D</script>\n</body>")
        );
        assert!(!shell.contains('P') && !shell.contains("<style>"));
        assert_eq!(split.shell.sha256, sha256_hex(shell.as_bytes()));
    }

    #[test]
    fn builds_of_the_same_dependencies_share_a_shell() {
        let one = split_artifact(&document(&parts("one()", ""))).unwrap();
        let two = split_artifact(&document(&parts("two()", "x{}"))).unwrap();
        assert_eq!(one.shell, two.shell);
        assert_eq!((one.script.as_str(), two.css.as_str()), ("one()", "x{}"));
        let other = document(&Parts {
            deps: None,
            ..parts("one()", "")
        });
        assert_ne!(split_artifact(&other).unwrap().shell, one.shell);
    }

    #[test]
    fn split_refuses_another_layout() {
        assert_eq!(split_artifact("<!doctype html><p>hi</p>"), None);
        let html = document(&parts("P", ""));
        assert_eq!(split_artifact(&html.replace("type=\"module\"", "")), None);
    }
}
