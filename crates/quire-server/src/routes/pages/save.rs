//! `PUT /api/v1/projects/{p}/pages/{page}/source`: saves a new version and compiles it.
//!
//! The compile runs first, outside any transaction (it may fetch packages); then one
//! transaction stores the version, its artifact when it built, and moves the head. A failed
//! compile is still a successful save: the source is kept and the diagnostics come back with
//! `build.ok = false`. What the page serves moves only when someone publishes.

use std::collections::BTreeMap;

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::{check_source_size, compile_over_head, load_with_head_lock};
use crate::routes::pages::SaveView;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveSourceRequest {
    /// The page's TSX source, at most 1 MiB (1,048,576 bytes); a larger one is refused with
    /// 413 and nothing is saved.
    pub source: String,
    /// The head version the editor started from (0 before the first save). When given and the
    /// head has moved since (someone else saved), nothing is saved and the answer is 409
    /// `head_moved`, naming the head and its author. Absent: the save goes on top of any head.
    pub base_version: Option<i64>,
    /// npm dependencies: name → version range. Absent keeps the head version's, and its lock.
    pub dependencies: Option<BTreeMap<String, String>>,
}

#[utoipa::path(put, path = "/api/v1/projects/{p}/pages/{page}/source", tag = "pages", request_body = SaveSourceRequest,
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses(
        (status = 200, body = SaveView, description = "The version was saved. A compile that failed still answers 200, \
            with `build.ok = false` and the diagnostics (severity, code, message, file, line, column, code frame, help): \
            the source is kept as the new head version, and the published artifact does not change."),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`head_moved`: the head is no longer `base_version`; `details` names it, its author and when it was saved"),
        (status = 413, body = ErrorBody, description = "`source_too_large`: the source is over 1 MiB; nothing was saved")))]
pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
    ApiJson(body): ApiJson<SaveSourceRequest>,
) -> Result<ApiJson<SaveView>, ApiError> {
    let (_, page, head_lock) = load_with_head_lock(&state, &viewer, &project, &page).await?;
    check_source_size(&body.source)?;
    if body.base_version.is_some_and(|base| base < 0) {
        return Err(ApiError::validation(
            "base_version",
            "base_version is a version number, or 0 before the first save",
        ));
    }
    let built = compile_over_head(&state, &page, head_lock, body.source, body.dependencies).await?;
    let version = state
        .store
        .save_page_version(
            &page.id,
            &built.version(),
            &viewer.user.id,
            body.base_version,
        )
        .await?;
    Ok(ApiJson(SaveView::from(&version)))
}
