//! `GET /api/v1/projects/{p}/pages/{page}/versions`: every saved version, newest first, with
//! its author and build (sources are not listed); `GET …/versions/{number}`: one version with
//! its source, for the studio's versions drawer and diffs.

use std::collections::BTreeMap;

use axum::extract::State;
use quire_store::{Page, PageVersion, Role};
use serde::Serialize;
use utoipa::ToSchema;

use crate::agent::Generation;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::load;
use crate::routes::pages::BuildView;
use crate::routes::pages::list::SaverView;
use crate::state::AppState;
use crate::validate::timestamp;

#[derive(Serialize, ToSchema)]
pub struct VersionView {
    pub id: String,
    pub number: i64,
    pub author_id: Option<String>,
    /// Who saved it; null once their account is gone.
    pub author: Option<SaverView>,
    pub created_at: String,
    pub dependencies: BTreeMap<String, String>,
    pub build: BuildView,
    /// Whether this is the version the page serves.
    pub published: bool,
    /// Whether this is the newest version.
    pub head: bool,
    /// Present when the page agent wrote this version: the run, its attempt and the prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generation>,
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
            .map(|version| VersionView::new(&page, version))
            .collect(),
    ))
}

impl VersionView {
    fn new(page: &Page, version: &PageVersion) -> Self {
        Self {
            id: version.id.clone(),
            number: version.number,
            author_id: version.author_id.clone(),
            author: version
                .author_id
                .clone()
                .zip(version.author_name.clone())
                .map(|(id, name)| SaverView { id, name }),
            created_at: timestamp(version.created_at),
            dependencies: version.dependencies.clone(),
            build: BuildView::from(version),
            published: page.published_version == Some(version.number),
            head: page.head_version == Some(version.number),
            generated: version
                .generation
                .clone()
                .and_then(|record| serde_json::from_value(record).ok()),
        }
    }
}

/// One version, with its source.
#[derive(Serialize, ToSchema)]
pub struct VersionDetailView {
    #[serde(flatten)]
    pub version: VersionView,
    pub source: String,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/pages/{page}/versions/{number}", tag = "pages",
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug"),
        ("number" = i64, Path, description = "the version's number")),
    responses((status = 200, body = VersionDetailView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "no such project, page or version")))]
pub async fn version(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page, number)): Path<(String, String, i64)>,
) -> Result<ApiJson<VersionDetailView>, ApiError> {
    let (_, page) = load(&state, &viewer, &project, &page, Role::Admin).await?;
    let version = state
        .store
        .page_version(&page.id, number)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("page {} has no version {number}", page.slug))
        })?;
    Ok(ApiJson(VersionDetailView {
        version: VersionView::new(&page, &version),
        source: version.source.clone(),
    }))
}
