//! An asset of the built UI: its content type and bytes, compressed once (in the background,
//! so the UI serves as soon as it is bundled), under a name that follows its content so that
//! it can be cached forever.

use std::fmt::Write as _;
use std::sync::OnceLock;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use crate::artifacts::encoding::{self, Accepted, Encoding};

pub(super) const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// An asset's type and bytes, and the same compressed (React makes the script ~230 KB, the
/// TypeScript worker ~3.5 MB). Until [`Asset::compress`] has run, the plain bytes are served.
pub(super) struct Asset {
    pub content_type: &'static str,
    plain: Bytes,
    compressed: OnceLock<Compressed>,
}

/// The compressed copies, each kept only when it is smaller.
struct Compressed {
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
}

impl Asset {
    pub fn new(content_type: &'static str, text: String) -> Self {
        Self {
            content_type,
            plain: Bytes::from(text),
            compressed: OnceLock::new(),
        }
    }

    /// Makes the compressed copies (seconds for the large assets); once is enough.
    pub fn compress(&self) {
        self.compressed.get_or_init(|| {
            let plain = &self.plain;
            Compressed {
                gzip: encoding::gzip(plain),
                brotli: if plain.len() > LARGE {
                    encoding::brotli_large(plain)
                } else {
                    encoding::brotli(plain)
                },
            }
        });
    }

    pub fn len(&self) -> usize {
        self.plain.len()
    }

    /// The best copy `accepted` allows among those made so far, and its coding.
    pub fn body(&self, accepted: Accepted) -> (Bytes, Encoding) {
        let (gzip, brotli) = self
            .compressed
            .get()
            .map_or((None, None), |c| (c.gzip.as_ref(), c.brotli.as_ref()));
        match (brotli, gzip) {
            (Some(brotli), _) if accepted.brotli => (brotli.clone(), Encoding::Brotli),
            (_, Some(gzip)) if accepted.gzip => (gzip.clone(), Encoding::Gzip),
            _ => (self.plain.clone(), Encoding::Identity),
        }
    }
}

/// Past this, an asset (the TypeScript worker and its declarations, some 3.5 MB each) is
/// compressed for speed more than for the last bytes.
const LARGE: usize = 1 << 20;

/// The first eight bytes of `digest`, in hex.
pub(super) fn short_hex(digest: &[u8]) -> String {
    digest[..8].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `app-<hash>.js`: a name that changes with the content, so the asset can be cached forever.
pub(super) fn content_name(stem: &str, kind: &str, body: &str) -> String {
    format!(
        "{stem}-{}.{kind}",
        short_hex(&Sha256::digest(body.as_bytes()))
    )
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn asset_names_follow_the_content() {
        assert_eq!(
            content_name("app", "js", "a"),
            content_name("app", "js", "a")
        );
        assert_ne!(
            content_name("app", "js", "a"),
            content_name("app", "js", "b")
        );
        let name = content_name("app", "css", "a");
        assert_eq!(name, format!("app-{}.css", &name[4..20]));
        let worker = content_name("typescript-worker", "js", "a");
        assert_eq!(worker, format!("typescript-worker-{}.js", &name[4..20]));
    }

    #[test]
    fn an_asset_is_served_in_the_best_coding_accepted() {
        let asset = Asset::new(JAVASCRIPT, "function f() { return 1; }\n".repeat(200));
        let accept = |header: &str| Accepted::parse(Some(&HeaderValue::from_str(header).unwrap()));
        assert_eq!(
            asset.body(accept("gzip, br")).1,
            Encoding::Identity,
            "not compressed yet"
        );
        asset.compress();
        assert_eq!(asset.body(accept("gzip, br")).1, Encoding::Brotli);
        assert_eq!(asset.body(accept("gzip")).1, Encoding::Gzip);
        assert_eq!(asset.body(accept("gzip;q=0.0")).1, Encoding::Identity);
        assert_eq!(asset.body(accept("gzip; q = 0")).1, Encoding::Identity);
        assert_eq!(asset.body(Accepted::default()).1, Encoding::Identity);
        let tiny = Asset::new(JAVASCRIPT, "x".to_owned());
        tiny.compress();
        assert_eq!(tiny.body(accept("br, gzip")).1, Encoding::Identity);
        let large = Asset::new(JAVASCRIPT, "let x = 1;\n".repeat(LARGE / 10));
        large.compress();
        assert!(large.len() > LARGE);
        assert_eq!(large.body(accept("br")).1, Encoding::Brotli);
    }
}
