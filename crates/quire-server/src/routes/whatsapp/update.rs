//! `PATCH /api/v1/projects/{p}/whatsapp/connections/{c}`: renames a connection, or replaces
//! its display number, app secret or access token. The number itself stays: connect another
//! number as a connection of its own.

use axum::extract::State;
use quire_store::WhatsappConnectionChanges;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ConnectionView, check_display_number, check_secret, connection_for};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::inbox::secrets::ConnectionSecret;
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateConnectionRequest {
    pub name: Option<String>,
    pub display_phone_number: Option<String>,
    pub app_secret: Option<String>,
    pub access_token: Option<String>,
}

// The secrets stay out of Debug output (and so out of any log that prints the request).
impl std::fmt::Debug for UpdateConnectionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateConnectionRequest")
            .field("name", &self.name)
            .field("display_phone_number", &self.display_phone_number)
            .finish_non_exhaustive()
    }
}

#[utoipa::path(patch, path = "/api/v1/projects/{p}/whatsapp/connections/{c}", tag = "whatsapp", request_body = UpdateConnectionRequest,
    params(("p" = String, Path, description = "project id or slug"), ("c" = String, Path, description = "connection id")),
    responses((status = 200, body = ConnectionView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, connection)): Path<(String, String)>,
    ApiJson(body): ApiJson<UpdateConnectionRequest>,
) -> Result<ApiJson<ConnectionView>, ApiError> {
    let (_, connection) = connection_for(&state, &viewer, &project, &connection).await?;
    if body.name.is_none()
        && body.display_phone_number.is_none()
        && body.app_secret.is_none()
        && body.access_token.is_none()
    {
        return Err(ApiError::bad_request(
            "nothing to change: send name, display_phone_number, app_secret or access_token",
        ));
    }
    if let Some(name) = &body.name {
        validate::name("name", name)?;
    }
    if let Some(number) = &body.display_phone_number {
        check_display_number(number)?;
    }
    if let Some(secret) = &body.app_secret {
        check_secret("app_secret", secret)?;
    }
    if let Some(token) = &body.access_token {
        check_secret("access_token", token)?;
    }
    let key = &state.config.secret_key;
    let app_secret = body
        .app_secret
        .as_deref()
        .map(|secret| ConnectionSecret::AppSecret.seal(key, &connection.id, secret));
    let access_token = body
        .access_token
        .as_deref()
        .map(|token| ConnectionSecret::AccessToken.seal(key, &connection.id, token));
    let changes = WhatsappConnectionChanges {
        name: body.name.as_deref().map(str::trim),
        display_phone_number: body.display_phone_number.as_deref(),
        app_secret_sealed: app_secret.as_deref(),
        access_token_sealed: access_token.as_deref(),
    };
    let updated = state
        .store
        .update_whatsapp_connection(&connection.id, &changes, &viewer.user.id)
        .await?;
    Ok(ApiJson(ConnectionView::new(&state, &updated)))
}
