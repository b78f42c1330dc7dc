//! `POST /api/v1/projects/{p}/agent/runs/{run}/check {attempt, problems}`: the studio's check
//! of an attempt the run saved: the type errors and the preview's uncaught and console errors
//! it found (none: the page renders cleanly, and the run is done).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use super::find_run;
use crate::agent::FeedbackRefused;
use crate::agent::prompt::Problem;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

/// At most this many problems are taken: the model needs the first few, not a flood.
const MAX_PROBLEMS: usize = 50;
const MAX_MESSAGE_CHARS: usize = 2_000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// The attempt checked (the `checking` event's).
    pub attempt: u32,
    /// What the studio found; empty when the page type-checks and renders without errors.
    pub problems: Vec<Problem>,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/agent/runs/{run}/check", tag = "agent", request_body = CheckRequest,
    params(("p" = String, Path, description = "project id or slug"), ("run" = String, Path, description = "the run's id")),
    responses((status = 204, description = "taken: the run goes on (problems) or ends (none)"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`not_waiting`: the run is not waiting for that attempt's check")))]
pub async fn check(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, run)): Path<(String, String)>,
    ApiJson(body): ApiJson<CheckRequest>,
) -> Result<StatusCode, ApiError> {
    let run = find_run(&state, &viewer, &project, &run).await?;
    if body.problems.len() > MAX_PROBLEMS {
        return Err(ApiError::validation(
            "problems",
            format!(
                "{} problems sent; send at most {MAX_PROBLEMS}, the first ones",
                body.problems.len()
            ),
        ));
    }
    let mut problems = body.problems;
    for problem in &mut problems {
        if let Some((at, _)) = problem.message.char_indices().nth(MAX_MESSAGE_CHARS) {
            problem.message.truncate(at);
        }
    }
    run.answer_check(body.attempt, problems)
        .map_err(|FeedbackRefused::NotWaiting| {
            ApiError::new(
                StatusCode::CONFLICT,
                "not_waiting",
                format!(
                    "the run is not waiting for the check of attempt {}: it moved on or ended",
                    body.attempt
                ),
            )
        })?;
    Ok(StatusCode::NO_CONTENT)
}
