//! `DELETE /api/v1/projects/{p}/pages/{page}`: the page and every version of it, for owners
//! and admins. Its artifacts go too, unless another version (of any page) built the same
//! bytes. Frames already open keep their signed URLs until those expire (10 minutes at most).

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::Role;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::pages::load;
use crate::state::AppState;

#[utoipa::path(delete, path = "/api/v1/projects/{p}/pages/{page}", tag = "pages",
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 204, description = "the page and its versions are gone"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, page) = load(&state, &viewer, &project, &page, Role::Admin).await?;
    state.store.delete_page(&page.id, &viewer.user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
