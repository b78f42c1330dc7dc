//! `GET /api/v1/projects/{p}/functions/{f}`: one function with its head code.

use axum::extract::State;
use quire_store::Role;

use super::{FunctionDetail, function_for};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects/{p}/functions/{f}", tag = "functions",
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug")),
    responses((status = 200, body = FunctionDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function)): Path<(String, String)>,
) -> Result<ApiJson<FunctionDetail>, ApiError> {
    let (_, function) = function_for(&state, &viewer, &project, &function, Role::Member).await?;
    let head = state
        .store
        .function_version(&function.id, function.head_version)
        .await?
        .ok_or_else(|| ApiError::internal(&"a function's head version is missing"))?;
    Ok(ApiJson(FunctionDetail::new(&function, &head)))
}
