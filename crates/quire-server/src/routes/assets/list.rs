//! `GET /api/v1/projects/{p}/assets`: a project's assets by name, each with the pages that
//! use it, for every member.

use axum::extract::State;
use quire_store::Role;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AssetUser, AssetView};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct AssetList {
    pub assets: Vec<AssetView>,
    /// What they take together, in bytes.
    pub total_size: i64,
    /// What they may take together (`project_assets_max_bytes`).
    pub limit: u64,
    /// The largest one file may be (`asset_max_bytes`).
    pub file_limit: u64,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/assets", tag = "assets",
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = AssetList), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
) -> Result<ApiJson<AssetList>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Member).await?;
    let assets = state.store.assets(&membership.project.id).await?;
    let users = state.store.asset_users(&membership.project.id).await?;
    let views = assets
        .iter()
        .map(|asset| {
            let mut view = AssetView::new(&state, asset);
            view.used_by = users
                .iter()
                .filter(|(name, _, _)| *name == asset.name)
                .map(|(_, slug, page)| AssetUser {
                    slug: slug.clone(),
                    name: page.clone(),
                })
                .collect();
            view
        })
        .collect();
    Ok(ApiJson(AssetList {
        total_size: assets.iter().map(|a| a.size).sum(),
        assets: views,
        limit: state.config.project_assets_max_bytes,
        file_limit: state.config.asset_max_bytes,
    }))
}
