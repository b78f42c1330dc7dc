//! `PUT /api/v1/projects/{p}/pages/{page}/source`: saves a new version and compiles it.
//!
//! The compile runs first, outside any transaction (it may fetch packages); then one
//! transaction stores the version, its artifact when it built, and moves the head. A failed
//! compile is still a successful save: the source is kept and the diagnostics come back with
//! `build.ok = false`. What the page serves moves only when someone publishes.

use std::collections::BTreeMap;

use axum::extract::State;
use quire_store::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::routes::pages::{SaveView, compile, load, parse_dependencies, validate_dependencies};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveSourceRequest {
    /// The page's TSX source (at most 1 MiB; a larger one is saved with a build error).
    pub source: String,
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
        (status = 413, body = ErrorBody, description = "the body is over 2 MiB")))]
pub async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
    ApiJson(body): ApiJson<SaveSourceRequest>,
) -> Result<ApiJson<SaveView>, ApiError> {
    let (_, page) = load(&state, &viewer, &project, &page, Role::Admin).await?;
    let head_dependencies = parse_dependencies(&page.dependencies);
    let dependencies = body
        .dependencies
        .unwrap_or_else(|| head_dependencies.clone());
    validate_dependencies(&dependencies)?;
    // The head's lock keeps the same packages while the dependencies stay the same.
    let lock = match page.head_version {
        Some(number) if dependencies == head_dependencies => state
            .store
            .page_version(&page.id, number)
            .await?
            .and_then(|head| head.lock)
            .and_then(|lock| serde_json::from_str(&lock).ok()),
        _ => None,
    };
    let built = compile(&state, body.source, dependencies, lock).await;
    let version = state
        .store
        .save_page_version(&page.id, &built.version(), &viewer.user.id)
        .await?;
    Ok(ApiJson(SaveView::from(&version)))
}
