//! Input rules shared by handlers. Each check names the field and says what is allowed.

use crate::errors::ApiError;

pub const MAX_NAME_CHARS: usize = 200;

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
                "{field} {value:?} is not valid: use 1 to 64 characters of a-z, 0-9 and '-', e.g. \"sales-dashboard\""
            ),
        ))
    }
}

pub fn name(field: &str, value: &str) -> Result<(), ApiError> {
    let chars = value.trim().chars().count();
    if chars == 0 {
        return Err(ApiError::validation(
            field,
            format!("{field} is empty; give it a name"),
        ));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::validation(
            field,
            format!(
                "{field} has {} characters; the limit is {MAX_NAME_CHARS}",
                value.chars().count()
            ),
        ));
    }
    Ok(())
}

pub fn email(field: &str, value: &str) -> Result<(), ApiError> {
    let value = value.trim();
    let valid = value.len() <= 254
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if valid {
        Ok(())
    } else {
        Err(ApiError::validation(
            field,
            format!("{value:?} is not an e-mail address"),
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
