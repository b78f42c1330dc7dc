//! `PUT /api/v1/projects/{p}/functions/{f}/code`: the code as a new head version. The code is
//! kept even when it does not load; the answer says why, with line and column. The status goes
//! back to `draft` unless the code is what is deployed.

use axum::extract::State;
use quire_store::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{FunctionDetail, check_code, function_for, load_check};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutCodeRequest {
    pub code: String,
}

#[utoipa::path(put, path = "/api/v1/projects/{p}/functions/{f}/code", tag = "functions", request_body = PutCodeRequest,
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug")),
    responses((status = 200, body = FunctionDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody)))]
pub async fn put_code(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function)): Path<(String, String)>,
    ApiJson(body): ApiJson<PutCodeRequest>,
) -> Result<ApiJson<FunctionDetail>, ApiError> {
    let (_, function) = function_for(&state, &viewer, &project, &function, Role::Admin).await?;
    check_code(&body.code)?;
    let load_error = load_check(&state, &body.code).await.map(|e| e.to_stored());
    let (function, version) = state
        .store
        .put_function_code(
            &function.id,
            &body.code,
            load_error.as_deref(),
            &viewer.user.id,
        )
        .await?;
    Ok(ApiJson(FunctionDetail::new(&function, &version)))
}
