//! `POST /api/v1/projects/{p}/pages/{page}/publish {version?}`: serves the head version, or
//! the given one; publishing an older version is a rollback.

use axum::body::Bytes;
use axum::extract::State;
use quire_store::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::load;
use crate::routes::pages::PageView;
use crate::state::AppState;

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
/// The body may be empty (or absent) to publish the head version.
pub struct PublishRequest {
    /// The version number to serve; absent means the head version.
    pub version: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/pages/{page}/publish", tag = "pages", request_body = PublishRequest,
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 200, body = PageView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "no such page or version"),
        (status = 422, body = ErrorBody, description = "that version did not build")))]
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
    body: Bytes,
) -> Result<ApiJson<PageView>, ApiError> {
    // The body is optional: no body publishes the head version.
    let body: PublishRequest = if body.iter().all(u8::is_ascii_whitespace) {
        PublishRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|error| {
            ApiError::bad_request(format!(
                "the JSON body does not fit this route: {error}; send {{}} or {{\"version\": <number>}}"
            ))
        })?
    };
    let (_, page) = load(&state, &viewer, &project, &page, Role::Admin).await?;
    let Some(number) = body.version.or(page.head_version) else {
        return Err(ApiError::unprocessable(format!(
            "page {:?} has no saved version; save its source before publishing",
            page.slug
        )));
    };
    let version = state
        .store
        .page_version(&page.id, number)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "page {:?} has no version {number}; its versions are 1 to {}",
                page.slug,
                page.head_version.unwrap_or_default()
            ))
        })?;
    if !version.build_ok {
        return Err(ApiError::unprocessable(format!(
            "version {number} of page {:?} did not build, so it cannot be published; fix the errors and save, or publish a version that built",
            page.slug
        )));
    }
    let page = state
        .store
        .publish_page(&page.id, number, &viewer.user.id)
        .await?;
    Ok(ApiJson(PageView::from(&page)))
}
