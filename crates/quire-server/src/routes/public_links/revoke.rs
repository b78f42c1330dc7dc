//! `DELETE /api/v1/projects/{p}/pages/{page}/public-links/{l}`: revokes a link at once:
//! whoever opens it sees that it no longer works, and its calls stop. It stays listed.

use axum::extract::State;
use quire_store::Role;

use super::LinkView;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::load;
use crate::state::AppState;
use crate::validate::shown;

#[utoipa::path(delete, path = "/api/v1/projects/{p}/pages/{page}/public-links/{l}", tag = "pages",
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug"),
        ("l" = String, Path, description = "link id")),
    responses((status = 200, body = LinkView, description = "revoked (revoking again changes nothing)"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page, link)): Path<(String, String, String)>,
) -> Result<ApiJson<LinkView>, ApiError> {
    let (membership, page) = load(&state, &viewer, &project, &page, Role::Admin).await?;
    let revoked = state
        .store
        .revoke_public_link(&membership.project.id, &page.id, &link, &viewer.user.id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "page {:?} has no public link {}; GET …/public-links lists them",
                page.slug,
                shown(&link)
            ))
        })?;
    Ok(ApiJson(LinkView::from(&revoked)))
}
