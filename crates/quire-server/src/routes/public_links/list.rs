//! `GET /api/v1/projects/{p}/pages/{page}/public-links`: a page's public links, newest
//! first, revoked ones included, for owners and admins.

use axum::extract::State;
use quire_store::Role;
use serde::Serialize;
use utoipa::ToSchema;

use super::LinkView;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::load;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct LinkList {
    pub links: Vec<LinkView>,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/pages/{page}/public-links", tag = "pages",
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 200, body = LinkList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
) -> Result<ApiJson<LinkList>, ApiError> {
    let (_, page) = load(&state, &viewer, &project, &page, Role::Admin).await?;
    let links = state.store.public_links(&page.id).await?;
    Ok(ApiJson(LinkList {
        links: links.iter().map(LinkView::from).collect(),
    }))
}
