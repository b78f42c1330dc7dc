//! Page assets: the rules an upload meets (a file name with a known extension, bytes of the
//! kind it names, the size limits) and where an asset's content is served (content-addressed,
//! on the usercontent origin, `serve`).

pub mod kinds;
pub mod serve;

use axum::http::StatusCode;
use quire_store::{NewAsset, PutAsset};
use sha2::{Digest, Sha256};

use crate::errors::ApiError;
use crate::state::AppState;
use crate::validate::shown;
use kinds::AssetKind;

/// The longest asset name, in bytes.
pub const MAX_NAME_BYTES: usize = 128;

/// Checks an asset's name: a file name (letters, digits, `.`, `_`, `-`, starting with a
/// letter or digit) ending in an extension a page may import. Answers what it promises.
pub fn check_name(name: &str) -> Result<AssetKind, ApiError> {
    let fits = !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !fits {
        return Err(ApiError::validation(
            "name",
            format!(
                "asset name {} is not a file name: use 1 to {MAX_NAME_BYTES} letters, digits, '.', '_' or '-', starting with a letter or digit (a page imports it as \"./<name>\")",
                shown(name)
            ),
        ));
    }
    AssetKind::of_name(name).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "asset_type_unsupported",
            format!(
                "asset name {} does not end in an extension pages can import: use one of {}",
                shown(name),
                kinds::extensions()
            ),
        )
    })
}

/// The URL of a content on the usercontent origin.
pub fn content_url(state: &AppState, sha256: &str) -> String {
    format!(
        "{}/u/{sha256}",
        state.config.usercontent_url.trim_end_matches('/')
    )
}

/// Keeps `bytes` as `project_id`'s asset `name`, after checking the name, the size limit and
/// that the bytes are what the name says; the project's limit is checked in the store's
/// transaction.
pub async fn upload(
    state: &AppState,
    project_id: &str,
    name: &str,
    bytes: &[u8],
    actor_id: &str,
) -> Result<PutAsset, ApiError> {
    let expected = check_name(name)?;
    let max = state.config.asset_max_bytes;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max {
        return Err(file_too_large(bytes.len() as u64, max));
    }
    if bytes.is_empty() {
        return Err(ApiError::bad_request(format!(
            "the body is empty; send the bytes of {} as the request body",
            shown(name)
        )));
    }
    let kind = kinds::check(expected, bytes).map_err(|mismatch| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "asset_type_mismatch",
            format!(
                "{} should be {} by its name, but its bytes are {}; upload it under a name with the right extension, or convert it",
                shown(name),
                mismatch.expected.describe(),
                mismatch.found
            ),
        )
        .with_details(serde_json::json!({
            "expected": mismatch.expected.content_type(),
            "found": mismatch.found,
        }))
    })?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    let new = NewAsset {
        project_id,
        name,
        sha256: &sha256,
        bytes,
        content_type: kind.content_type(),
    };
    let limit = i64::try_from(state.config.project_assets_max_bytes).unwrap_or(i64::MAX);
    Ok(state.store.put_asset(&new, actor_id, Some(limit)).await?)
}

/// The 413 of a file over `asset_max_bytes`.
pub fn file_too_large(size: u64, max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "asset_too_large",
        format!(
            "the file is {size} bytes; an asset may be at most {max} bytes (asset_max_bytes): make it smaller, or serve it from elsewhere"
        ),
    )
}
