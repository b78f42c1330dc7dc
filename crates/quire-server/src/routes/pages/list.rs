//! `GET /api/v1/projects/{p}/pages`: the project's pages; members see the published ones.
//! Owners and admins also get each page's last save in brief: its number, whether it built,
//! who saved it and when.

use std::collections::HashMap;

use axum::extract::State;
use quire_store::{PageHead, PageStatus, Role};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::is_editor;
use crate::routes::pages::PageView;
use crate::state::AppState;
use crate::validate::timestamp;

#[derive(Serialize, ToSchema)]
pub struct PageListItem {
    #[serde(flatten)]
    pub page: PageView,
    /// The head version in brief, for owners and admins; null for members and before the
    /// first save.
    pub last_save: Option<LastSaveView>,
}

#[derive(Serialize, ToSchema)]
pub struct LastSaveView {
    /// The head version's number.
    pub number: i64,
    /// Whether it built; a head that did not cannot be published.
    pub build_ok: bool,
    pub saved_at: String,
    /// Who saved it; null once their account is gone.
    pub saved_by: Option<SaverView>,
}

#[derive(Serialize, ToSchema)]
pub struct SaverView {
    pub id: String,
    pub name: String,
}

impl From<PageHead> for LastSaveView {
    fn from(head: PageHead) -> Self {
        Self {
            number: head.number,
            build_ok: head.build_ok,
            saved_at: timestamp(head.saved_at),
            saved_by: head
                .author_id
                .zip(head.author_name)
                .map(|(id, name)| SaverView { id, name }),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/pages", tag = "pages",
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = Vec<PageListItem>, description = "owners and admins see every page with its last save, members the published ones"),
        (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
) -> Result<ApiJson<Vec<PageListItem>>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Member).await?;
    let editor = is_editor(&membership);
    let pages = state.store.pages(&membership.project.id).await?;
    let mut heads: HashMap<String, PageHead> = if editor {
        let heads = state.store.page_heads(&membership.project.id).await?;
        heads.into_iter().map(|h| (h.page_id.clone(), h)).collect()
    } else {
        HashMap::new()
    };
    Ok(ApiJson(
        pages
            .iter()
            .filter(|page| editor || page.status == PageStatus::Published)
            .map(|page| PageListItem {
                page: PageView::from(page),
                last_save: heads.remove(&page.id).map(LastSaveView::from),
            })
            .collect(),
    ))
}
