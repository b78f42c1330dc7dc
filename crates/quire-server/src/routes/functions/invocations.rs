//! `GET /api/v1/projects/{p}/functions/{f}/invocations?limit=&before=`: the invocation log,
//! newest first; `before` is the id of the last record of the previous page.

use axum::extract::State;
use quire_store::Role;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{InvocationView, function_for};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::json::ApiJson;
use crate::state::AppState;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InvocationsQuery {
    /// Records per page, 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// Continue after this invocation id.
    pub before: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/functions/{f}/invocations", tag = "functions",
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug"), InvocationsQuery),
    responses((status = 200, body = Vec<InvocationView>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn invocations(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function)): Path<(String, String)>,
    Query(query): Query<InvocationsQuery>,
) -> Result<ApiJson<Vec<InvocationView>>, ApiError> {
    let (_, function) = function_for(&state, &viewer, &project, &function, Role::Member).await?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            format!("limit is {limit}; use 1 to {MAX_LIMIT}"),
        ));
    }
    // Calls answered before this listing are in it, though their records are written later.
    state.invoker.flush_records().await;
    let records = state
        .store
        .function_invocations(&function.id, query.before.as_deref(), limit)
        .await?;
    Ok(ApiJson(records.iter().map(InvocationView::from).collect()))
}
