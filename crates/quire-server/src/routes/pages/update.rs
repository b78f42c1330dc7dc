//! `PATCH /api/v1/projects/{p}/pages/{page}`: name, slug, description and the inbox mount.

use axum::extract::State;
use quire_store::{PageChanges, Role};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::{load, validate_description};
use crate::routes::pages::PageView;
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePageRequest {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    /// Mount the page at `inbox_conversation_sidebar`; one page per project holds it.
    pub inbox_mount: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/projects/{p}/pages/{page}", tag = "pages", request_body = UpdatePageRequest,
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 200, body = PageView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the slug is taken, or another page holds the inbox mount point (the message and `details.page` name it)")))]
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdatePageRequest>,
) -> Result<ApiJson<PageView>, ApiError> {
    let (_, page) = load(&state, &viewer, &project, &page, Role::Admin).await?;
    if let Some(name) = &body.name {
        validate::name("name", name)?;
    }
    if let Some(slug) = &body.slug {
        validate::slug("slug", slug)?;
    }
    if let Some(description) = &body.description {
        validate_description(description)?;
    }
    let changes = PageChanges {
        name: body.name.as_deref().map(str::trim),
        slug: body.slug.as_deref(),
        description: body.description.as_deref(),
        inbox_mount: body.inbox_mount,
    };
    let page = state
        .store
        .update_page(&page.id, &changes, &viewer.user.id)
        .await?;
    Ok(ApiJson(PageView::from(&page)))
}
