//! `POST /api/v1/projects/{p}/functions/{f}/deploy`: deploys the head version. Code that does
//! not load leaves the function in `error` with the reason (and line), and the version deployed
//! before keeps serving. Audited as `function.deploy`.

use axum::extract::State;
use quire_store::Role;
use serde::Serialize;
use utoipa::ToSchema;

use super::{FunctionView, LoadErrorView, function_for, load_check};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct DeployResult {
    /// `deployed`, or `error` when the code does not load.
    #[schema(example = "deployed")]
    pub status: String,
    /// Why the code does not load.
    pub error: Option<LoadErrorView>,
    /// The version this deploy tried.
    pub version: i64,
    pub function: FunctionView,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/functions/{f}/deploy", tag = "functions",
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug")),
    responses((status = 200, body = DeployResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deploy(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function)): Path<(String, String)>,
) -> Result<ApiJson<DeployResult>, ApiError> {
    let (_, function) = function_for(&state, &viewer, &project, &function, Role::Admin).await?;
    let version = function.head_version;
    let head = state
        .store
        .function_version(&function.id, version)
        .await?
        .ok_or_else(|| ApiError::internal(&"a function's head version is missing"))?;
    let error = load_check(&state, &head.code).await;
    let stored = error.as_ref().map(LoadErrorView::to_stored);
    let deployed = state
        .store
        .deploy_function(&function.id, version, stored.as_deref(), &viewer.user.id)
        .await?;
    Ok(ApiJson(DeployResult {
        status: if error.is_some() { "error" } else { "deployed" }.to_owned(),
        error,
        version,
        function: FunctionView::from(&deployed),
    }))
}
