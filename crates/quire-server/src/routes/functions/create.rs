//! `POST /api/v1/projects/{p}/functions`: a new function in `draft`, its code as version 1.
//! Code that does not load is still stored; the answer says why it does not load.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::{NewFunction, Role};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{FunctionDetail, check_code, check_memory, check_timeout, load_check};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::functions::{DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_MS};
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFunctionRequest {
    pub name: String,
    /// `[a-z0-9-]{1,64}`, unique in the project.
    pub slug: String,
    /// JavaScript: `async function handler(request, env)` or `export default { fetch }`.
    pub code: String,
    /// Reachable without credentials (default false).
    pub public_endpoint: Option<bool>,
    /// Wall-clock limit per call, 10 to 30000 ms (default 30000).
    pub timeout_ms: Option<i64>,
    /// Memory limit, 8 to 512 MiB (default 128).
    pub memory_mb: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/functions", tag = "functions", request_body = CreateFunctionRequest,
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 201, body = FunctionDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
    ApiJson(body): ApiJson<CreateFunctionRequest>,
) -> Result<(StatusCode, ApiJson<FunctionDetail>), ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    validate::name("name", &body.name)?;
    validate::slug("slug", &body.slug)?;
    check_code(&body.code)?;
    let timeout_ms = body.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
    let memory_mb = body.memory_mb.unwrap_or(DEFAULT_MEMORY_MB);
    check_timeout(timeout_ms)?;
    check_memory(memory_mb)?;
    let load_error = load_check(&state, &body.code).await.map(|e| e.to_stored());
    let new = NewFunction {
        project_id: &membership.project.id,
        name: body.name.trim(),
        slug: &body.slug,
        code: &body.code,
        load_error: load_error.as_deref(),
        public_endpoint: body.public_endpoint.unwrap_or(false),
        timeout_ms,
        memory_mb,
        author_id: &viewer.user.id,
    };
    let function = state.store.create_function(&new).await?;
    let head = state
        .store
        .function_version(&function.id, function.head_version)
        .await?
        .ok_or_else(|| ApiError::internal(&"a new function has no version 1"))?;
    Ok((
        StatusCode::CREATED,
        ApiJson(FunctionDetail::new(&function, &head)),
    ))
}
