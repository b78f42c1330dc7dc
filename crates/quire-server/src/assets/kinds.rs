//! What an asset is, read from its bytes: the binary formats by their magic numbers (the
//! `infer` crate), SVG, JSON, CSV and plain text by reading them as text. The name's extension
//! only says what the uploader expects; bytes that are something else are refused.

/// The kinds of file a page may import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssetKind {
    Png,
    Jpeg,
    Gif,
    Webp,
    Avif,
    Svg,
    Woff2,
    Woff,
    Json,
    Csv,
    Text,
}

/// The extensions a name may end in, and what each promises.
const EXTENSIONS: [(&str, AssetKind); 12] = [
    ("png", AssetKind::Png),
    ("jpg", AssetKind::Jpeg),
    ("jpeg", AssetKind::Jpeg),
    ("gif", AssetKind::Gif),
    ("webp", AssetKind::Webp),
    ("avif", AssetKind::Avif),
    ("svg", AssetKind::Svg),
    ("woff2", AssetKind::Woff2),
    ("woff", AssetKind::Woff),
    ("json", AssetKind::Json),
    ("csv", AssetKind::Csv),
    ("txt", AssetKind::Text),
];

/// The extensions, for messages.
pub fn extensions() -> String {
    EXTENSIONS
        .iter()
        .map(|(ext, _)| format!(".{ext}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl AssetKind {
    /// The kind a file name's extension promises, if it is one a page may import.
    pub fn of_name(name: &str) -> Option<Self> {
        let (_, ext) = name.rsplit_once('.')?;
        EXTENSIONS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(ext))
            .map(|(_, kind)| *kind)
    }

    /// The `Content-Type` it is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Avif => "image/avif",
            Self::Svg => "image/svg+xml",
            Self::Woff2 => "font/woff2",
            Self::Woff => "font/woff",
            Self::Json => "application/json",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Text => "text/plain; charset=utf-8",
        }
    }

    /// What to call it in a message.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Png => "a PNG image",
            Self::Jpeg => "a JPEG image",
            Self::Gif => "a GIF image",
            Self::Webp => "a WebP image",
            Self::Avif => "an AVIF image",
            Self::Svg => "an SVG image",
            Self::Woff2 => "a WOFF2 font",
            Self::Woff => "a WOFF font",
            Self::Json => "JSON",
            Self::Csv => "CSV text",
            Self::Text => "plain text",
        }
    }

    /// The binary kinds, each known by its magic number.
    fn binary(bytes: &[u8]) -> Option<Self> {
        use infer::{font, image};
        type Matcher = fn(&[u8]) -> bool;
        let matchers: [(Matcher, Self); 7] = [
            (image::is_png, Self::Png),
            (image::is_jpeg, Self::Jpeg),
            (image::is_gif, Self::Gif),
            (image::is_webp, Self::Webp),
            (image::is_avif, Self::Avif),
            (font::is_woff2, Self::Woff2),
            (font::is_woff, Self::Woff),
        ];
        matchers
            .iter()
            .find(|(matches, _)| matches(bytes))
            .map(|(_, kind)| *kind)
            .or_else(|| Self::web_font(bytes))
    }

    /// WOFF and WOFF2 of any flavor: `infer` knows only TrueType's (`00 01 00 00`), not CFF
    /// outlines (`OTTO`) or Apple's `true`.
    fn web_font(bytes: &[u8]) -> Option<Self> {
        let flavor = bytes.get(4..8)?;
        if !matches!(flavor, b"\0\x01\0\0" | b"OTTO" | b"true") {
            return None;
        }
        match bytes.get(..4)? {
            b"wOF2" => Some(Self::Woff2),
            b"wOFF" => Some(Self::Woff),
            _ => None,
        }
    }
}

/// Why bytes are not what their name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub expected: AssetKind,
    /// What they look like instead.
    pub found: String,
}

/// Checks that `bytes` are the `expected` kind (from the name) and answers the kind to serve.
pub fn check(expected: AssetKind, bytes: &[u8]) -> Result<AssetKind, Mismatch> {
    let mismatch = |found: &str| Mismatch {
        expected,
        found: found.to_owned(),
    };
    if let Some(found) = AssetKind::binary(bytes) {
        return if found == expected {
            Ok(found)
        } else {
            Err(mismatch(found.describe()))
        };
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(mismatch("binary data of a kind pages cannot import"));
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // NUL and the other C0 controls but tab, line feed, form feed and carriage return mean
    // binary data, whatever the name.
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}') && (c as u32) < 0x20)
    {
        return Err(mismatch("binary data of a kind pages cannot import"));
    }
    match expected {
        AssetKind::Svg if is_svg(text) => Ok(expected),
        AssetKind::Svg => Err(mismatch("text without an <svg> root element")),
        AssetKind::Json => match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => Ok(expected),
            Err(error) => Err(mismatch(&format!("text that is not JSON ({error})"))),
        },
        AssetKind::Csv | AssetKind::Text => Ok(expected),
        _ => Err(mismatch("text")),
    }
}

/// Whether `text` is an SVG document: after an XML declaration, comments and a doctype, its
/// first element is `<svg`.
fn is_svg(text: &str) -> bool {
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            let Some(end) = after.find("?>") else {
                return false;
            };
            rest = after[end + 2..].trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            let Some(end) = after.find("-->") else {
                return false;
            };
            rest = after[end + 3..].trim_start();
        } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case("<!doctype") {
            let Some(end) = rest.find('>') else {
                return false;
            };
            rest = rest[end + 1..].trim_start();
        } else {
            let Some(after) = rest.strip_prefix("<svg") else {
                return false;
            };
            return after.starts_with(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0";

    #[test]
    fn names_promise_kinds_by_extension_in_any_case() {
        assert_eq!(AssetKind::of_name("logo.PNG"), Some(AssetKind::Png));
        assert_eq!(AssetKind::of_name("a.b.jpeg"), Some(AssetKind::Jpeg));
        assert_eq!(AssetKind::of_name("font.woff2"), Some(AssetKind::Woff2));
        assert_eq!(AssetKind::of_name("page.html"), None);
        assert_eq!(AssetKind::of_name("noext"), None);
    }

    #[test]
    fn binary_kinds_are_read_from_their_magic_numbers() {
        assert_eq!(check(AssetKind::Png, PNG), Ok(AssetKind::Png));
        let wrong = check(AssetKind::Png, JPEG).unwrap_err();
        assert_eq!(wrong.found, "a JPEG image");
        assert_eq!(
            check(AssetKind::Woff2, b"wOF2\0\x01\0\0rest"),
            Ok(AssetKind::Woff2)
        );
        assert_eq!(
            check(AssetKind::Woff, b"wOFF\0\x01\0\0rest"),
            Ok(AssetKind::Woff)
        );
        assert_eq!(
            check(AssetKind::Woff2, b"wOF2OTTOrest"),
            Ok(AssetKind::Woff2)
        );
        assert_eq!(check(AssetKind::Woff, b"wOFFtruerest"), Ok(AssetKind::Woff));
        assert!(check(AssetKind::Woff2, b"wOF2\0\0\0\0rest").is_err());
        let text_as_png = check(AssetKind::Png, b"hello").unwrap_err();
        assert_eq!(text_as_png.found, "text");
        // An image named .txt is not text.
        assert!(check(AssetKind::Text, PNG).is_err());
    }

    #[test]
    fn svg_json_csv_and_text_are_read_as_text() {
        let svg = "\u{feff}<?xml version=\"1.0\"?>\n<!-- logo -->\n<!DOCTYPE svg>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        assert_eq!(check(AssetKind::Svg, svg.as_bytes()), Ok(AssetKind::Svg));
        assert!(check(AssetKind::Svg, b"<html><svg></svg></html>").is_err());
        assert!(check(AssetKind::Svg, b"<svgx>").is_err());
        assert_eq!(
            check(AssetKind::Json, b"{\"a\": [1, 2]}"),
            Ok(AssetKind::Json)
        );
        let bad = check(AssetKind::Json, b"{\"a\": ").unwrap_err();
        assert!(
            bad.found.starts_with("text that is not JSON"),
            "{}",
            bad.found
        );
        assert_eq!(check(AssetKind::Csv, b"a,b\n1,2\n"), Ok(AssetKind::Csv));
        assert_eq!(
            check(AssetKind::Text, "héllo\tworld\r\n".as_bytes()),
            Ok(AssetKind::Text)
        );
        assert!(check(AssetKind::Text, b"a\0b").is_err());
        assert!(check(AssetKind::Csv, b"\xff\xfe").is_err());
    }
}
