//! `DELETE /api/v1/projects/{p}/whatsapp/connections/{c}`: disconnects a number. Its
//! conversations stay readable; replies to them are refused until the number is connected
//! again, and deliveries for it are skipped meanwhile.

use axum::extract::State;
use axum::http::StatusCode;

use super::connection_for;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::state::AppState;

#[utoipa::path(delete, path = "/api/v1/projects/{p}/whatsapp/connections/{c}", tag = "whatsapp",
    params(("p" = String, Path, description = "project id or slug"), ("c" = String, Path, description = "connection id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, connection)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, connection) = connection_for(&state, &viewer, &project, &connection).await?;
    state
        .store
        .delete_whatsapp_connection(&connection.id, &viewer.user.id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
