//! `POST /api/v1/projects/{p}/agent/runs/{run}/stop`: stops a run. The versions it saved stay
//! (drafts: nothing was published).

use axum::extract::State;
use axum::http::StatusCode;

use super::find_run;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/projects/{p}/agent/runs/{run}/stop", tag = "agent",
    params(("p" = String, Path, description = "project id or slug"), ("run" = String, Path, description = "the run's id")),
    responses((status = 204, description = "stopping: the stream ends with `stopped` (or the end it had reached)"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn stop(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, run)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    find_run(&state, &viewer, &project, &run).await?.stop();
    Ok(StatusCode::NO_CONTENT)
}
