//! `GET /api/v1/projects/{p}/functions/{f}`: one function with its head code for owners and
//! admins, with its deployed code for members.

use axum::extract::State;
use quire_store::Role;

use super::{FunctionDetail, FunctionView, function_for};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::is_editor;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/projects/{p}/functions/{f}", tag = "functions",
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug")),
    responses((status = 200, body = FunctionDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function)): Path<(String, String)>,
) -> Result<ApiJson<FunctionDetail>, ApiError> {
    let (membership, function) =
        function_for(&state, &viewer, &project, &function, Role::Member).await?;
    // Members see what runs, never a draft: the deployed version, as pages show them only
    // what is published.
    let shown = if is_editor(&membership) {
        Some(function.head_version)
    } else {
        function.deployed_version
    };
    let Some(number) = shown else {
        return Ok(ApiJson(FunctionDetail {
            function: FunctionView::from(&function),
            code: None,
            load_error: None,
        }));
    };
    let version = state
        .store
        .function_version(&function.id, number)
        .await?
        .ok_or_else(|| ApiError::internal(&"a function's version is missing"))?;
    Ok(ApiJson(FunctionDetail::new(&function, &version)))
}
