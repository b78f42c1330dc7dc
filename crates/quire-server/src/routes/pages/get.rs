//! `GET /api/v1/projects/{p}/pages/{page}`: one page; owners and admins also get the head
//! version's source and build.

use axum::extract::State;
use quire_store::Role;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::{is_editor, load};
use crate::routes::pages::{BuildView, PageView};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct PageDetailView {
    #[serde(flatten)]
    pub page: PageView,
    /// The head version with its source, for owners and admins; null for members and before
    /// the first save.
    pub head: Option<HeadView>,
}

#[derive(Serialize, ToSchema)]
pub struct HeadView {
    pub id: String,
    pub number: i64,
    pub source: String,
    pub build: BuildView,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/pages/{page}", tag = "pages",
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 200, body = PageDetailView), (status = 404, body = ErrorBody, description = "no such page, or a draft asked for by a member")))]
pub async fn get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
) -> Result<ApiJson<PageDetailView>, ApiError> {
    let (membership, page) = load(&state, &viewer, &project, &page, Role::Member).await?;
    let head = match page.head_version {
        Some(number) if is_editor(&membership) => state
            .store
            .page_version(&page.id, number)
            .await?
            .map(|version| HeadView {
                build: BuildView::from(&version),
                id: version.id,
                number: version.number,
                source: version.source,
            }),
        _ => None,
    };
    Ok(ApiJson(PageDetailView {
        page: PageView::from(&page),
        head,
    }))
}
