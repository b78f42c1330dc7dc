//! `GET /api/v1/projects/{p}/pages/{page}/versions`: every saved version, newest first, with
//! its build (sources are not listed; the head's comes with the page).

use std::collections::BTreeMap;

use axum::extract::State;
use quire_store::Role;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::load;
use crate::routes::pages::BuildView;
use crate::state::AppState;
use crate::validate::timestamp;

#[derive(Serialize, ToSchema)]
pub struct VersionView {
    pub id: String,
    pub number: i64,
    pub author_id: Option<String>,
    pub created_at: String,
    pub dependencies: BTreeMap<String, String>,
    pub build: BuildView,
    /// Whether this is the version the page serves.
    pub published: bool,
    /// Whether this is the newest version.
    pub head: bool,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/pages/{page}/versions", tag = "pages",
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 200, body = Vec<VersionView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
) -> Result<ApiJson<Vec<VersionView>>, ApiError> {
    let (_, page) = load(&state, &viewer, &project, &page, Role::Admin).await?;
    let versions = state.store.page_versions(&page.id).await?;
    Ok(ApiJson(
        versions
            .iter()
            .map(|version| VersionView {
                id: version.id.clone(),
                number: version.number,
                author_id: version.author_id.clone(),
                created_at: timestamp(version.created_at),
                dependencies: version.dependencies.clone(),
                build: BuildView::from(version),
                published: page.published_version == Some(version.number),
                head: page.head_version == Some(version.number),
            })
            .collect(),
    ))
}
