//! `PATCH /api/v1/projects/{p}/functions/{f}`: name, slug, public endpoint and limits. Limits
//! apply from the next call.

use axum::extract::State;
use quire_store::{FunctionChanges, Role};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{FunctionView, check_memory, check_timeout, function_for};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFunctionRequest {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub public_endpoint: Option<bool>,
    /// 10 to 30000 ms.
    pub timeout_ms: Option<i64>,
    /// 8 to 512 MiB.
    pub memory_mb: Option<i64>,
}

#[utoipa::path(patch, path = "/api/v1/projects/{p}/functions/{f}", tag = "functions", request_body = UpdateFunctionRequest,
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug")),
    responses((status = 200, body = FunctionView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateFunctionRequest>,
) -> Result<ApiJson<FunctionView>, ApiError> {
    let (_, function) = function_for(&state, &viewer, &project, &function, Role::Admin).await?;
    if let Some(name) = &body.name {
        validate::name("name", name)?;
    }
    if let Some(slug) = &body.slug {
        validate::slug("slug", slug)?;
    }
    if let Some(timeout) = body.timeout_ms {
        check_timeout(timeout)?;
    }
    if let Some(memory) = body.memory_mb {
        check_memory(memory)?;
    }
    let changes = FunctionChanges {
        name: body.name.as_deref().map(str::trim),
        slug: body.slug.as_deref(),
        public_endpoint: body.public_endpoint,
        timeout_ms: body.timeout_ms,
        memory_mb: body.memory_mb,
    };
    let updated = state
        .store
        .update_function(&function.id, &changes, &viewer.user.id)
        .await?;
    Ok(ApiJson(FunctionView::from(&updated)))
}
