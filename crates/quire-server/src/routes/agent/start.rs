//! `POST /api/v1/projects/{p}/pages/{page}/agent/runs`: starts the page agent on a page. The
//! answer comes at once; the run goes on in the background and reports on its event stream.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use super::RunView;
use crate::agent::{Check, RunRequest};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::load;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRunRequest {
    /// What to build, or what to change (at most 4,000 characters).
    pub prompt: String,
    /// Write a new page rather than change the current source (default false).
    #[serde(default)]
    pub new_page: bool,
    /// Let the model read the project's function code; without it the model sees their slugs
    /// and names only (default false).
    #[serde(default)]
    pub share_function_code: bool,
    /// Who checks an attempt that builds: `studio` (the default: the run waits for
    /// `POST …/agent/runs/{run}/check`) or `compiler` (no browser, e.g. the command line).
    #[serde(default)]
    pub check: Check,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/pages/{page}/agent/runs", tag = "agent", request_body = StartRunRequest,
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 202, body = RunView, description = "started; follow `GET /api/v1/projects/{p}/agent/runs/{id}/events`"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "`agent_not_configured`: no model is configured (the message says what to set); \
            `agent_run_active`: a run is working on this page (`details.run` names it)"),
        (status = 429, body = ErrorBody, description = "the caller started as many runs this hour as allowed")))]
pub async fn start(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
    ApiJson(body): ApiJson<StartRunRequest>,
) -> Result<(StatusCode, ApiJson<RunView>), ApiError> {
    let (_, page) = load(&state, &viewer, &project, &page, Role::Admin).await?;
    let run = state.agent.start(
        &state,
        &RunRequest {
            project_id: page.project_id.clone(),
            page_id: page.id.clone(),
            user_id: viewer.user.id.clone(),
            prompt: body.prompt,
            new_page: body.new_page,
            share_function_code: body.share_function_code,
            check: body.check,
        },
    )?;
    Ok((
        StatusCode::ACCEPTED,
        ApiJson(RunView {
            id: run.id.clone(),
            page_id: page.id,
            model: state.agent.model().unwrap_or_default().to_owned(),
            max_attempts: state.agent.max_attempts(),
        }),
    ))
}
