//! Keeping a function's secret values out of what leaves the server: the error a caller gets,
//! and the error, stack and console output of its invocation record, which members read.
//!
//! A [`Redactor`] is made once per opened set of secrets and looks, in one pass, for every form
//! of every value a function produces without effort: the raw text, JSON-escaped once and twice
//! (`JSON.stringify(env)`, a stringified string), base64 and base64url (`btoa(secret)`, and the
//! run of characters that encodes it inside a longer base64 string at each of the three byte
//! alignments), and all of these percent-encoded (`encodeURIComponent`, form encoding with `+`,
//! either case of hex digits). A value of [`MIN_CUT_BYTES`] or more is cut out where it appears;
//! a shorter one cannot be (cutting every `x` out of a message leaves the rest unreadable and
//! the value guessable from what surrounds it), so a text in which it appears is withheld
//! whole. What a function transforms otherwise (reversed, hashed, spaced out, encrypted) cannot
//! be recognised and is not caught.

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// Values at least this long are cut out of a text; a text holding a shorter one is withheld.
pub const MIN_CUT_BYTES: usize = 4;

/// What stands in for a value cut out: the first that no secret's forms match.
const MARKERS: [&str; 4] = ["[secret]", "[redacted]", "***", "\u{2588}"];

/// What stands in for a withheld text: the first that no secret's forms match.
const NOTICES: [&str; 3] = [
    "[withheld: this text contains the value of a secret shorter than 4 bytes, which cannot be \
     cut out of text; give that secret a longer value]",
    "[withheld]",
    "",
];

/// Cuts a function's secret values out of texts; see the module header.
pub struct Redactor {
    /// Every form of every value; `None` without secrets.
    forms: Option<AhoCorasick>,
    /// By pattern: whether it is a form of a value too short to cut out.
    short: Vec<bool>,
    marker: &'static str,
    notice: &'static str,
}

/// Where forms of secrets were found in a text.
struct Found {
    ranges: Vec<(usize, usize)>,
    short: bool,
}

impl Redactor {
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut patterns: Vec<(Vec<u8>, bool)> = Vec::new();
        for value in values.into_iter().filter(|value| !value.is_empty()) {
            let short = value.len() < MIN_CUT_BYTES;
            for form in forms(value, short) {
                if !patterns.iter().any(|(known, _)| *known == form) {
                    patterns.push((form, short));
                }
            }
        }
        let forms = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(patterns.iter().map(|(form, _)| form))
                .expect("secret values make a valid automaton")
        });
        let mut redactor = Self {
            forms,
            short: patterns.into_iter().map(|(_, short)| short).collect(),
            marker: MARKERS[0],
            notice: NOTICES[0],
        };
        let clean = |text: &str| redactor.find(text).ranges.is_empty();
        let marker = MARKERS.into_iter().find(|marker| clean(marker));
        let notice = NOTICES
            .into_iter()
            .find(|notice| clean(notice))
            .unwrap_or("");
        redactor.notice = notice;
        // Without a clean marker every cut would be found again, and the text withheld.
        redactor.marker = marker.unwrap_or(notice);
        redactor
    }

    /// `text` with every form of every value cut out, or withheld whole when it holds a value
    /// too short to cut out, or when cutting left a form behind (a value overlapping the
    /// marker).
    pub fn redact(&self, text: &str) -> String {
        let found = self.find(text);
        if found.ranges.is_empty() {
            return text.to_owned();
        }
        if found.short {
            return self.notice.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in merged(found.ranges, text) {
            out.push_str(&text[at..start]);
            out.push_str(self.marker);
            at = end;
        }
        out.push_str(&text[at..]);
        if self.find(&out).ranges.is_empty() {
            out
        } else {
            self.notice.to_owned()
        }
    }

    fn find(&self, text: &str) -> Found {
        let mut found = Found {
            ranges: Vec::new(),
            short: false,
        };
        let Some(forms) = &self.forms else {
            return found;
        };
        for hit in forms.find_overlapping_iter(text.as_bytes()) {
            found.ranges.push((hit.start(), hit.end()));
            found.short |= self.short[hit.pattern().as_usize()];
        }
        if let Some((decoded, starts)) = percent_decoded(text.as_bytes()) {
            for hit in forms.find_overlapping_iter(&decoded) {
                found.ranges.push((starts[hit.start()], starts[hit.end()]));
                found.short |= self.short[hit.pattern().as_usize()];
            }
        }
        found
    }
}

/// The forms of `value` looked for; see the module header. The whole padded base64 string too,
/// so that its last characters (a few bits of the value) go with the rest; of a short value
/// only that: the few characters inside a longer base64 string would match by chance.
fn forms(value: &str, short: bool) -> Vec<Vec<u8>> {
    let json = json_escaped(value);
    let mut forms = vec![
        value.as_bytes().to_vec(),
        json_escaped(&json).into_bytes(),
        json.into_bytes(),
    ];
    forms.push(STANDARD.encode(value).into_bytes());
    forms.push(URL_SAFE.encode(value).into_bytes());
    if short {
        return forms;
    }
    let bits = value.len() * 8;
    for offset in 0..3 {
        let mut aligned = vec![0; offset];
        aligned.extend_from_slice(value.as_bytes());
        // The characters whose six bits all come from the value.
        let first = (offset * 8).div_ceil(6);
        let end = (offset * 8 + bits) / 6;
        for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&aligned);
            forms.push(encoded.as_bytes()[first..end].to_vec());
        }
    }
    forms
}

/// `value` as it appears inside a JSON string.
fn json_escaped(value: &str) -> String {
    let quoted = serde_json::to_string(value).expect("a string serializes");
    quoted[1..quoted.len() - 1].to_owned()
}

/// `text` with `%XX` and `+` decoded, and where each decoded byte starts in `text` (one entry
/// more, the end); `None` when there is nothing to decode.
fn percent_decoded(text: &[u8]) -> Option<(Vec<u8>, Vec<usize>)> {
    if !text.iter().any(|&byte| byte == b'%' || byte == b'+') {
        return None;
    }
    let mut decoded = Vec::with_capacity(text.len());
    let mut starts = Vec::with_capacity(text.len() + 1);
    let mut at = 0;
    while at < text.len() {
        starts.push(at);
        let hex = |i: usize| text.get(i).and_then(|&b| char::from(b).to_digit(16));
        match (text[at], hex(at + 1), hex(at + 2)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push(u8::try_from(high * 16 + low).expect("two hex digits are a byte"));
                at += 3;
            }
            (b'+', _, _) => {
                decoded.push(b' ');
                at += 1;
            }
            (byte, _, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    starts.push(text.len());
    Some((decoded, starts))
}

/// `ranges` sorted, overlapping ones joined, each widened to whole characters of `text`.
fn merged(mut ranges: Vec<(usize, usize)>, text: &str) -> Vec<(usize, usize)> {
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (mut start, mut end) in ranges {
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: &str = "sk_live_0123456789abcdefghij+/=?&";

    fn redactor() -> Redactor {
        Redactor::new([LONG, "a\"b\\c", "x"])
    }

    #[test]
    fn a_long_value_is_cut_out_in_each_form() {
        let redactor = Redactor::new([LONG, "a\"b\\c"]);
        let forms = [
            LONG.to_owned(),
            serde_json::to_string(&serde_json::json!({ "k": LONG })).unwrap(),
            serde_json::to_string(&serde_json::json!({ "k": "a\"b\\c" })).unwrap(),
            serde_json::to_string(&serde_json::to_string(&[LONG]).unwrap()).unwrap(),
            "a%22b%5Cc".to_owned(),
            "sk_live_0123456789abcdefghij%2B%2F%3D%3F%26".to_owned(),
            "sk_live_0123456789abcdefghij%2b%2f%3d%3f%26".to_owned(),
            "q=sk_live_0123456789abcdefghij%2B%2F%3D%3F%26&r=1".to_owned(),
            STANDARD.encode(LONG),
            URL_SAFE.encode(LONG),
            STANDARD.encode(format!("!{LONG}")),
            STANDARD.encode(format!("!?{LONG}!?")),
            URL_SAFE_NO_PAD.encode(format!("{{\"user\":1,\"key\":\"{LONG}\"}}")),
            STANDARD.encode("a\"b\\c"),
        ];
        for form in forms {
            let text = format!("before {form} after");
            let cut = redactor.redact(&text);
            assert!(cut.starts_with("before "), "{text} -> {cut}");
            assert!(cut.ends_with(" after"), "{text} -> {cut}");
            assert!(cut.contains("[secret]"), "{text} -> {cut}");
            assert!(!cut.contains(&form), "{text} -> {cut}");
        }
    }

    #[test]
    fn form_encoding_with_plus_is_decoded() {
        let redactor = Redactor::new(["open sesame"]);
        assert_eq!(
            redactor.redact("GET /?pw=open+sesame&x=1"),
            "GET /?pw=[secret]&x=1"
        );
        assert_eq!(redactor.redact("pw=open%20sesame"), "pw=[secret]");
    }

    #[test]
    fn a_text_holding_a_short_value_is_withheld_whole() {
        let redactor = redactor();
        for text in ["unexpected token", "{\"X\":\"x\"}", "eA==", "the key is eA"] {
            let out = redactor.redact(text);
            let with_x = text.contains('x') || text.contains("eA==");
            if with_x {
                assert!(out.starts_with("[withheld"), "{text} -> {out}");
                assert!(!out.contains('x'), "{text} -> {out}");
            } else {
                assert_eq!(out, text);
            }
        }
    }

    #[test]
    fn texts_without_values_are_left_alone() {
        let redactor = Redactor::new([LONG]);
        for text in ["", "plain", "100% sure + more", "aGVsbG8="] {
            assert_eq!(redactor.redact(text), text);
        }
        assert_eq!(Redactor::new([]).redact("x"), "x");
        assert_eq!(
            Redactor::new([""]).redact("x"),
            "x",
            "an empty value hides nothing"
        );
    }

    #[test]
    fn the_marker_and_the_notice_never_hold_a_value() {
        // Cutting out "secret" with "[secret]" would put it back.
        let redactor = Redactor::new(["secret"]);
        assert_eq!(
            redactor.redact("the secret is out"),
            "the [redacted] is out"
        );
        // "u" is in the long notice.
        let redactor = Redactor::new(["u"]);
        assert_eq!(redactor.redact("value"), "[withheld]");
        let redactor = Redactor::new(["[", "d"]);
        assert_eq!(redactor.redact("a[b"), "");
    }

    #[test]
    fn a_value_rebuilt_around_the_marker_withholds_the_text() {
        // Cut once, "[secret]" + "xx" shows "t]xx" again.
        let redactor = Redactor::new(["t]xx"]);
        assert_eq!(redactor.redact("t]xxxx"), NOTICES[0]);
        assert_eq!(redactor.redact("t]xx!"), "[secret]!");
    }

    #[test]
    fn multibyte_values_are_cut_on_character_boundaries() {
        let redactor = Redactor::new(["pässwörd"]);
        assert_eq!(redactor.redact("é pässwörd é"), "é [secret] é");
        assert_eq!(
            redactor.redact("p%C3%A4ssw%C3%B6rd!"),
            "[secret]!",
            "percent-encoded UTF-8"
        );
    }
}
