//! `PUT /api/v1/projects/{p}/functions/{f}/secrets/{name} {value}` → 204: sets a secret,
//! encrypted at rest. The value is never answered, logged or recorded.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use super::function_for;
use super::secrets::{MAX_SECRET_BYTES, check_name};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::functions::seal;
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutSecretRequest {
    pub value: String,
}

// The value stays out of Debug output (and so out of any log that prints the request).
impl std::fmt::Debug for PutSecretRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutSecretRequest").finish_non_exhaustive()
    }
}

#[utoipa::path(put, path = "/api/v1/projects/{p}/functions/{f}/secrets/{name}", tag = "functions", request_body = PutSecretRequest,
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug"),
        ("name" = String, Path, description = "secret name, read by the function as env.NAME")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn put_secret(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function, name)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<PutSecretRequest>,
) -> Result<StatusCode, ApiError> {
    let (membership, function) =
        function_for(&state, &viewer, &project, &function, Role::Admin).await?;
    check_name(&name)?;
    if body.value.len() > MAX_SECRET_BYTES {
        return Err(ApiError::validation(
            "value",
            format!(
                "the secret is {} bytes; the limit is {MAX_SECRET_BYTES}",
                body.value.len()
            ),
        ));
    }
    let sealed = seal::seal(&state.config.secret_key, &function.id, &name, &body.value);
    state
        .store
        .set_function_secret(
            &membership.project.id,
            &function.id,
            &name,
            &sealed,
            &viewer.user.id,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
