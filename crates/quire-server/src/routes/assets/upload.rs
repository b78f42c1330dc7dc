//! `POST /api/v1/projects/{p}/assets?name=logo.png` with the file as the raw body: keeps it
//! as the project's asset of that name, for owners and admins. A new name answers 201; a name
//! that exists gets the new content and answers 200 (versions built with the old content keep
//! it).

use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use quire_store::Role;
use serde::Deserialize;
use utoipa::IntoParams;

use super::AssetView;
use crate::assets::{file_too_large, upload as keep};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct UploadQuery {
    /// The file name pages import it by: letters, digits, `.`, `_`, `-`, ending in `.png`,
    /// `.jpg`, `.jpeg`, `.gif`, `.webp`, `.avif`, `.svg`, `.woff2`, `.woff`, `.json`, `.csv`
    /// or `.txt`.
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/assets", tag = "assets",
    params(("p" = String, Path, description = "project id or slug"), UploadQuery),
    request_body(content = String, content_type = "application/octet-stream", description = "the file's bytes; their type is read from them, never from a header"),
    responses((status = 201, body = AssetView, description = "a new asset"), (status = 200, body = AssetView, description = "the name existed and now has this content"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "the file is over `asset_max_bytes` (`asset_too_large`), or the project's assets would pass `project_assets_max_bytes` (`project_assets_too_large`)"),
        (status = 415, body = ErrorBody, description = "the name's extension is not one pages import (`asset_type_unsupported`), or the bytes are not what it says (`asset_type_mismatch`)")))]
pub async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
    Query(query): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, ApiJson<AssetView>), ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    crate::assets::check_name(&query.name)?;
    let max = state.config.asset_max_bytes;
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(size) = announced.filter(|size| *size > max) {
        return Err(file_too_large(size, max));
    }
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| file_too_large(announced.unwrap_or(max.saturating_add(1)), max))?;
    let put = keep(
        &state,
        &membership.project.id,
        &query.name,
        &bytes,
        &viewer.user.id,
    )
    .await?;
    let status = if put.replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, ApiJson(AssetView::new(&state, &put.asset))))
}
