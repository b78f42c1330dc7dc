//! `POST /api/v1/public/frame`: the frame of a public link's page: its published version's
//! signed URL (mode `public`, no viewer, no conversation) and the context the bridge hands it.
//! The page may be framed by Quire and the link's allowed origins only.

use axum::extract::State;
use axum::http::HeaderMap;

use super::opened;
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::routes::pages::frame::{FrameView, Viewing, frame_view};
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/public/frame", tag = "pages",
    responses((status = 200, body = FrameView),
        (status = 404, body = ErrorBody, description = "`link_gone`: the link is not valid, expired or was revoked, or its page is no longer published")),
    security(("bearer" = [])))]
pub async fn frame(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<ApiJson<FrameView>, ApiError> {
    let opened = opened(&state, &headers).await?;
    let number = opened
        .page
        .published_version
        .ok_or_else(crate::pages::public_links::gone)?;
    let version = state
        .store
        .page_version(&opened.page.id, number)
        .await?
        .ok_or_else(crate::pages::public_links::gone)?;
    let sha256 = version
        .artifact_sha256
        .as_deref()
        .ok_or_else(|| ApiError::internal(&"a published version has no artifact"))?;
    let viewing = Viewing {
        project_id: &opened.link.project_id,
        viewer_user_id: None,
        mode: "public",
        framed_by: &opened.link.allowed_origins,
    };
    Ok(ApiJson(frame_view(
        &state,
        &viewing,
        &opened.page,
        sha256,
        None,
    )))
}
