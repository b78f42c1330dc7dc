//! `GET /api/v1/projects/{p}/functions`: the project's functions, by slug, each with its calls
//! and failed calls of the last 24 hours and its last call.

use axum::extract::State;
use quire_store::{Role, hour_of, now_ms};
use serde::Serialize;
use utoipa::ToSchema;

use super::FunctionView;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate::timestamp;

/// A function as the list shows it: the function, and how it was called lately.
#[derive(Serialize, ToSchema)]
pub struct FunctionListItem {
    #[serde(flatten)]
    pub function: FunctionView,
    /// Calls that ran in the current hour and the 23 before it, counted for every call (not
    /// read from the invocation log, which keeps the newest 1,000).
    pub calls_24h: i64,
    /// Of `calls_24h`, those that failed (an error, a timeout, a limit).
    pub errors_24h: i64,
    /// The newest recorded call, if any.
    pub last_call: Option<LastCallView>,
}

#[derive(Serialize, ToSchema)]
pub struct LastCallView {
    pub at: String,
    pub ok: bool,
    /// The HTTP status of the function's response, when it produced one.
    pub status: Option<i64>,
    /// `api`, `public`, `page` or `test`.
    pub via: String,
    /// Why it failed, when it did (`function_error`, `function_timeout`, …).
    pub error_code: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/functions", tag = "functions",
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 200, body = Vec<FunctionListItem>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
) -> Result<ApiJson<Vec<FunctionListItem>>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Member).await?;
    let project_id = &membership.project.id;
    // Calls answered before this listing are counted in it, though they are written later.
    state.invoker.flush_records().await;
    let functions = state.store.functions(project_id).await?;
    let totals = state
        .store
        .call_totals(project_id, hour_of(now_ms()) - 23)
        .await?;
    let mut last_calls = state.store.last_calls(project_id).await?;
    Ok(ApiJson(
        functions
            .iter()
            .map(|function| {
                let counted = totals.get(&function.id).copied().unwrap_or_default();
                let last_call = last_calls
                    .iter()
                    .position(|last| last.function_id == function.id)
                    .map(|at| last_calls.swap_remove(at))
                    .map(|last| LastCallView {
                        at: timestamp(last.started_at),
                        ok: last.ok,
                        status: last.status,
                        via: last.via,
                        error_code: last.error_code,
                    });
                FunctionListItem {
                    function: FunctionView::from(function),
                    calls_24h: counted.calls,
                    errors_24h: counted.errors,
                    last_call,
                }
            })
            .collect(),
    ))
}
