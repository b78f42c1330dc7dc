//! `GET /api/v1/projects/{p}/members`.

use axum::extract::State;
use quire_store::Role;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::routes::views::MemberView;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects/{p}/members", tag = "members", params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = Vec<MemberView>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
) -> Result<ApiJson<Vec<MemberView>>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Member).await?;
    let members = state.store.members(&membership.project.id).await?;
    Ok(ApiJson(members.iter().map(MemberView::from).collect()))
}
