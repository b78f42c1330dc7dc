//! `GET /api/v1/projects/{p}/agent/runs/{run}/events`: a run's events as server-sent events,
//! from its first (a stream opened late, or again, replays the run) to its last (`done`,
//! `failed` or `stopped`), when the stream ends.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::Response;
use axum::response::sse::Event as SseEvent;
use futures::StreamExt;

use super::find_run;
use crate::agent::events::AgentEvent;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::routes::events::stream::sse_response;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects/{p}/agent/runs/{run}/events", tag = "agent",
    params(("p" = String, Path, description = "project id or slug"), ("run" = String, Path, description = "the run's id")),
    responses(
        (status = 200, content_type = "text/event-stream", body = AgentEvent, description = "Server-sent events, each \
            `event: <type>` and `data: <JSON>` with that `type`: `started`, then per attempt `attempt`, `delta` (the \
            answer's text as it comes), `retrying`, `no_code`, `compiled` {ok, source, diagnostics}, `saved` {version}, \
            `checking` (the run waits for `POST …/check`), `checked` {problems}; and last `done`, `failed` {code, message} \
            or `stopped`, with the token counts. The stream replays the run from its first event and ends after its last."),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, run)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let run = find_run(&state, &viewer, &project, &run).await?;
    let events = crate::agent::follow(run).map(|event| {
        let data = serde_json::to_string(&event).unwrap_or_else(|_| "{}".to_owned());
        Ok::<_, Infallible>(SseEvent::default().event(event.kind()).data(data))
    });
    Ok(sse_response(events))
}
