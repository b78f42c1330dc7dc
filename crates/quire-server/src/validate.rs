//! Input rules shared by handlers. Each check names the field and says what is allowed; a value
//! is echoed in a message only through [`shown`], cut short.

use crate::errors::ApiError;

pub const MAX_NAME_CHARS: usize = 200;
/// RFC 5321's limit on a forward path.
pub const MAX_EMAIL_BYTES: usize = 254;
/// The longest name of a thing (an id, a slug, an e-mail address) taken from a path or a body:
/// such names key caches before any lookup, so they are bounded first.
pub const MAX_REFERENCE_BYTES: usize = 256;
/// How much of a value an error message repeats.
const SHOWN_CHARS: usize = 64;

/// A value for an error message: quoted, and cut to its first 64 characters, so a message never
/// repeats a megabyte that was sent.
pub fn shown(value: &str) -> String {
    match value.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{:?}", format!("{}…", &value[..cut])),
        None => format!("{value:?}"),
    }
}

/// Slugs appear in URLs: `[a-z0-9-]{1,64}`.
pub fn slug(field: &str, value: &str) -> Result<(), ApiError> {
    let valid = (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(ApiError::validation(
            field,
            format!(
                "{field} {} is not valid: use 1 to 64 characters of a-z, 0-9 and '-', e.g. \"sales-dashboard\"",
                shown(value)
            ),
        ))
    }
}

/// A name people read: 1 to 200 characters, none of them a control or bidi character (which
/// could hide or reorder what others see).
pub fn name(field: &str, value: &str) -> Result<(), ApiError> {
    let chars = value.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(ApiError::validation(
            field,
            format!("{field} has {chars} characters; the limit is {MAX_NAME_CHARS}"),
        ));
    }
    if value.trim().is_empty() {
        return Err(ApiError::validation(
            field,
            format!("{field} is empty; give it a name"),
        ));
    }
    visible_text(field, value, &[])
}

/// Free text such as a description: like a name, but it may hold line breaks and tabs.
pub fn text(field: &str, value: &str) -> Result<(), ApiError> {
    visible_text(field, value, &['\n', '\t'])
}

fn visible_text(field: &str, value: &str, allowed: &[char]) -> Result<(), ApiError> {
    let Some(bad) = value
        .chars()
        .find(|c| !allowed.contains(c) && (c.is_control() || is_bidi_control(*c)))
    else {
        return Ok(());
    };
    Err(ApiError::validation(
        field,
        format!(
            "{field} holds the invisible character U+{:04X}; control and text-direction characters are not allowed",
            u32::from(bad)
        ),
    ))
}

/// The characters that change the direction of the text around them (Unicode's bidi
/// embeddings, overrides, isolates and marks).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

pub fn email(field: &str, value: &str) -> Result<(), ApiError> {
    if value.len() > MAX_EMAIL_BYTES {
        return Err(ApiError::validation(
            field,
            format!(
                "the e-mail address is {} bytes; the limit is {MAX_EMAIL_BYTES}",
                value.len()
            ),
        ));
    }
    let value = value.trim();
    let valid = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && !domain.is_empty() && !domain.contains('@')
    });
    if valid {
        Ok(())
    } else {
        Err(ApiError::validation(
            field,
            format!("{} is not an e-mail address", shown(value)),
        ))
    }
}

/// Milliseconds since the epoch as RFC 3339 text, the API's one time format.
pub fn timestamp(ms: i64) -> String {
    let time = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    time.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_refuse_control_and_bidi_characters() {
        for bad in [
            "nul\0",
            "esc\u{1b}[31m",
            "two\nlines",
            "tab\t",
            "\u{202E}evil",
            "a\u{2066}b",
            "mark\u{200F}",
            "arabic\u{061C}",
            "del\u{7f}",
            "c1\u{85}",
        ] {
            let error = name("name", bad).unwrap_err();
            assert!(
                error.message.contains("invisible character U+"),
                "{bad:?}: {}",
                error.message
            );
        }
        name("name", "Sales — Q3 (ünïcode) 数据").unwrap();
        text("description", "line one\n\tline two").unwrap();
        assert!(text("description", "carriage\rreturn").is_err());
        assert!(text("description", "\u{202E}gnp.exe").is_err());
    }

    #[test]
    fn messages_echo_at_most_64_characters() {
        let long = "x".repeat(100_000);
        let error = slug("slug", &long).unwrap_err();
        assert!(error.message.len() < 200, "{}", error.message);
        assert!(error.message.contains(&format!("\"{}…\"", "x".repeat(64))));
        assert_eq!(shown("short"), "\"short\"");
        assert_eq!(shown(&"é".repeat(65)), format!("\"{}…\"", "é".repeat(64)));
    }

    #[test]
    fn e_mail_addresses_are_at_most_254_bytes() {
        let local = "a".repeat(254 - "@example.com".len());
        email("email", &format!("{local}@example.com")).unwrap();
        let error = email("email", &format!("a{local}@example.com")).unwrap_err();
        assert_eq!(
            error.message,
            "the e-mail address is 255 bytes; the limit is 254"
        );
    }
}
