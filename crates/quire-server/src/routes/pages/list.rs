//! `GET /api/v1/projects/{p}/pages`: the project's pages; members see the published ones.

use axum::extract::State;
use quire_store::{PageStatus, Role};

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::routes::pages::{PageView, is_editor};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects/{p}/pages", tag = "pages",
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = Vec<PageView>, description = "owners and admins see every page, members the published ones"),
        (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
) -> Result<ApiJson<Vec<PageView>>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Member).await?;
    let editor = is_editor(&membership);
    let pages = state.store.pages(&membership.project.id).await?;
    Ok(ApiJson(
        pages
            .iter()
            .filter(|page| editor || page.status == PageStatus::Published)
            .map(PageView::from)
            .collect(),
    ))
}
