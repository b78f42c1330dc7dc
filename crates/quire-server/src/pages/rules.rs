//! The rules a page's input meets before it costs work or is kept: its name and slug, a
//! bounded description, a bounded map of npm dependencies and a source within the compiler's
//! limit.

use std::collections::BTreeMap;

use crate::errors::ApiError;
use crate::validate::{self, shown};

/// At most this many pinned dependencies per page.
pub const MAX_DEPENDENCIES: usize = 64;
/// Descriptions are short.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// Checks the fields every page has.
pub fn validate_page_fields(name: &str, slug: &str) -> Result<(), ApiError> {
    validate::name("name", name)?;
    validate::slug("slug", slug)
}

/// Checks a page description: bounded, and no control or text-direction characters but line
/// breaks and tabs.
pub fn validate_description(description: &str) -> Result<(), ApiError> {
    let chars = description.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        return Err(ApiError::validation(
            "description",
            format!("description has {chars} characters; the limit is {MAX_DESCRIPTION_CHARS}"),
        ));
    }
    validate::text("description", description)
}

/// Checks a dependency map: package names and ranges of sane length, not too many.
pub fn validate_dependencies(dependencies: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if dependencies.len() > MAX_DEPENDENCIES {
        return Err(ApiError::validation(
            "dependencies",
            format!(
                "{} dependencies; a page may pin at most {MAX_DEPENDENCIES}",
                dependencies.len()
            ),
        ));
    }
    for (name, range) in dependencies {
        let name_ok = (1..=214).contains(&name.len())
            && !name.chars().any(|c| c.is_whitespace() || c.is_control());
        if !name_ok {
            return Err(ApiError::validation(
                "dependencies",
                format!("{} is not an npm package name", shown(name)),
            ));
        }
        if range.len() > 256 || range.chars().any(char::is_control) {
            return Err(ApiError::validation(
                "dependencies",
                format!(
                    "the version range of {} is not valid; use one like \"^1.2.0\"",
                    shown(name)
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses a source over the compiler's limit before anything is compiled or kept.
pub fn check_source_size(source: &str) -> Result<(), ApiError> {
    match quire_compiler::oversized_source(source) {
        Some((message, help)) => Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "source_too_large",
            format!("{message}; nothing was saved. To fit: {help}"),
        )
        .with_details(serde_json::json!({
            "field": "source",
            "bytes": source.len(),
            "limit": quire_compiler::MAX_SOURCE_BYTES,
        }))),
        None => Ok(()),
    }
}
