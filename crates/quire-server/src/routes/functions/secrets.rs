//! `GET /api/v1/projects/{p}/functions/{f}/secrets`: the names of a function's secrets.
//! Values are write-only: no route ever answers one.

use axum::extract::State;
use quire_store::{Role, SecretName};
use serde::Serialize;
use utoipa::ToSchema;

use super::function_for;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate::shown;
use crate::validate::timestamp;

/// Secret names are JavaScript identifiers, because a function reads them as `env.NAME`.
pub const MAX_SECRET_NAME: usize = 64;
/// Secret values are at most this many bytes.
pub const MAX_SECRET_BYTES: usize = 64 * 1024;

#[derive(Serialize, ToSchema)]
pub struct SecretView {
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&SecretName> for SecretView {
    fn from(secret: &SecretName) -> Self {
        Self {
            name: secret.name.clone(),
            created_at: timestamp(secret.created_at),
            updated_at: timestamp(secret.updated_at),
        }
    }
}

/// `[A-Za-z_][A-Za-z0-9_]{0,63}`, and not `KV` (that is the project's KV store).
pub fn check_name(name: &str) -> Result<(), ApiError> {
    let mut bytes = name.bytes();
    let valid = name.len() <= MAX_SECRET_NAME
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return Err(ApiError::validation(
            "name",
            format!(
                "secret name {} is not valid: use 1 to {MAX_SECRET_NAME} letters, digits and '_', not starting with a digit, e.g. \"STRIPE_KEY\"",
                shown(name)
            ),
        ));
    }
    if name == "KV" {
        return Err(ApiError::validation(
            "name",
            "`KV` is the project's key-value store in `env`; choose another secret name",
        ));
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/functions/{f}/secrets", tag = "functions",
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug")),
    responses((status = 200, body = Vec<SecretView>),
        (status = 403, body = ErrorBody, description = "members see no secret names"), (status = 404, body = ErrorBody)))]
pub async fn secrets(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function)): Path<(String, String)>,
) -> Result<ApiJson<Vec<SecretView>>, ApiError> {
    // Names say which outside services a function reaches: owners and admins only.
    let (_, function) = function_for(&state, &viewer, &project, &function, Role::Admin).await?;
    let names = state.store.function_secret_names(&function.id).await?;
    Ok(ApiJson(names.iter().map(SecretView::from).collect()))
}
