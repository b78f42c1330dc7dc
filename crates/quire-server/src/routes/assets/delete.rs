//! `DELETE /api/v1/projects/{p}/assets/{asset}`: deletes an asset by name or id, for owners
//! and admins. Page versions built with it keep its content; the next save of a page that
//! imports it fails until it is uploaded again.

use axum::extract::State;
use quire_store::Role;

use super::AssetView;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[utoipa::path(delete, path = "/api/v1/projects/{p}/assets/{asset}", tag = "assets",
    params(("p" = String, Path, description = "project id or slug"), ("asset" = String, Path, description = "asset name or id")),
    responses((status = 200, body = AssetView, description = "deleted; the answer is what it was"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, asset)): Path<(String, String)>,
) -> Result<ApiJson<AssetView>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    let deleted = state
        .store
        .delete_asset(&membership.project.id, &asset, &viewer.user.id)
        .await?;
    Ok(ApiJson(AssetView::new(&state, &deleted)))
}
