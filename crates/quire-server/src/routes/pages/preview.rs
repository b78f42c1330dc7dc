//! `POST /api/v1/projects/{p}/pages/{page}/preview {source, dependencies?}`: compiles a source
//! as the page's next version would be, without saving one, for the studio's live preview.
//!
//! A build that succeeds answers a frame for its artifact (mode `preview`, the same signed,
//! expiring URL the saved versions get); one that fails answers its diagnostics and no frame,
//! so the editor keeps showing the last good render. The artifact is stored like any other
//! (the usercontent origin of any instance serves it) and pruned once no version refers to it
//! and it has not been previewed or saved for an hour.

use std::collections::BTreeMap;

use axum::extract::State;
use quire_store::NewArtifact;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{InboxAccess, InboxCaller, Viewer};
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::{Mode, check_source_size, compile_over_head, load_with_head_lock};
use crate::routes::pages::BuildView;
use crate::routes::pages::frame::{FrameView, Viewing, frame_view};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The TSX source to try, at most 1 MiB.
    pub source: String,
    /// npm dependencies: name → version range. Absent: the head version's, and its lock.
    pub dependencies: Option<BTreeMap<String, String>>,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewView {
    /// The compile's outcome; nothing was saved either way.
    pub build: BuildView,
    /// Where to show it, when it built.
    pub frame: Option<FrameView>,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/pages/{page}/preview", tag = "pages", request_body = PreviewRequest,
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 200, body = PreviewView, description = "compiled, no version saved: `frame` when it built, the diagnostics either way"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "`source_too_large`: the source is over 1 MiB")))]
pub async fn preview(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
    ApiJson(body): ApiJson<PreviewRequest>,
) -> Result<ApiJson<PreviewView>, ApiError> {
    let (membership, page, head_lock) =
        load_with_head_lock(&state, &viewer, &project, &page).await?;
    check_source_size(&body.source)?;
    let built = compile_over_head(&state, &page, head_lock, body.source, body.dependencies).await?;
    let frame = match built.artifact() {
        Some(artifact) => {
            state
                .store
                .put_artifact(&NewArtifact {
                    sha256: &artifact.sha256,
                    html: &artifact.html,
                })
                .await?;
            let access = InboxAccess {
                membership,
                caller: InboxCaller::Member(viewer),
            };
            Some(frame_view(
                &state,
                &Viewing::of(&access, Mode::Preview),
                &page,
                &artifact.sha256,
                None,
            ))
        }
        None => None,
    };
    Ok(ApiJson(PreviewView {
        build: BuildView::from(&built),
        frame,
    }))
}
