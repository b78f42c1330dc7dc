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

/// The most origins one embed or link names.
pub const MAX_ORIGINS: usize = 20;

/// Checks and normalises origins that may frame a document of Quire (an embedded inbox, a
/// public link): `https://host[:port]` or
/// `http://…` (for development), where the host's first label may be `*` for any subdomain.
/// Lower-cased, without duplicates, in the order given.
pub fn check_origins(field: &str, origins: &[String]) -> Result<Vec<String>, ApiError> {
    if origins.is_empty() || origins.len() > MAX_ORIGINS {
        return Err(ApiError::validation(
            field,
            format!(
                "{field} has {} origins; name 1 to {MAX_ORIGINS} sites, such as \"https://support.example.com\"",
                origins.len()
            ),
        ));
    }
    let mut checked: Vec<String> = Vec::with_capacity(origins.len());
    for origin in origins {
        let normal = normalise_origin(origin).ok_or_else(|| {
            ApiError::validation(
                field,
                format!(
                    "{} is not an origin: write the scheme, host and port only, such as \"https://support.example.com\", \"http://localhost:3000\" or \"https://*.example.com\" for every subdomain",
                    shown(origin)
                ),
            )
        })?;
        if !checked.contains(&normal) {
            checked.push(normal);
        }
    }
    Ok(checked)
}

fn normalise_origin(origin: &str) -> Option<String> {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = origin.split_once("://")?;
    if !matches!(scheme, "http" | "https") || rest.is_empty() {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    if port.is_some_and(|port| port.parse::<u16>().map_or(true, |p| p == 0)) {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let wildcard = labels.first() == Some(&"*");
    let named = if wildcard { &labels[1..] } else { &labels[..] };
    // `https://*.com` would let any site in: a wildcard needs a registrable name under it.
    if named.is_empty() || !named.iter().all(label_ok) || (wildcard && named.len() < 2) {
        return None;
    }
    Some(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn origins_are_checked_and_normalised() {
        let checked = check_origins(
            "allowed_origins",
            &origins(&[
                "https://Support.Example.com/",
                "http://127.0.0.1:4000",
                "https://*.example.org",
                "https://support.example.com",
            ]),
        )
        .unwrap();
        assert_eq!(
            checked,
            origins(&[
                "https://support.example.com",
                "http://127.0.0.1:4000",
                "https://*.example.org"
            ])
        );
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://*.com",
            "https://*",
            "https://ex ample.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://a;b.com",
            "https://",
            "*",
        ] {
            let error = check_origins("allowed_origins", &origins(&[bad])).unwrap_err();
            assert!(
                error.message.contains("is not an origin"),
                "{bad}: {}",
                error.message
            );
        }
        assert!(check_origins("allowed_origins", &[]).is_err());
    }

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
