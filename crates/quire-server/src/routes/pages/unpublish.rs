//! `POST /api/v1/projects/{p}/pages/{page}/unpublish`: stops serving the page; it becomes a
//! draft again and keeps its versions.

use axum::extract::State;
use quire_store::Role;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::load;
use crate::routes::pages::PageView;
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/projects/{p}/pages/{page}/unpublish", tag = "pages",
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 200, body = PageView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unpublish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
) -> Result<ApiJson<PageView>, ApiError> {
    let (_, page) = load(&state, &viewer, &project, &page, Role::Admin).await?;
    let page = state
        .store
        .unpublish_page(&page.id, &viewer.user.id)
        .await?;
    Ok(ApiJson(PageView::from(&page)))
}
