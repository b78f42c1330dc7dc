//! `POST /api/v1/projects/{p}/whatsapp/connections`: connects a WhatsApp number. The server
//! makes the verify token; the app secret and access token are sealed at rest and never
//! answered.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::{NewWhatsappConnection, Role, new_id};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ConnectionView, check_display_number, check_secret};
use crate::auth::Viewer;
use crate::auth::tokens::random_token;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::inbox::secrets::ConnectionSecret;
use crate::json::ApiJson;
use crate::state::AppState;
use crate::validate::{self, shown};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConnectionRequest {
    pub name: String,
    /// Meta's id of the number (digits), from the app's WhatsApp API setup.
    pub phone_number_id: String,
    pub display_phone_number: Option<String>,
    /// The Meta app's secret, which signs every delivery.
    pub app_secret: String,
    /// A token allowed to send messages from the number; without one, replies are refused.
    pub access_token: Option<String>,
}

// The secrets stay out of Debug output (and so out of any log that prints the request).
impl std::fmt::Debug for CreateConnectionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateConnectionRequest")
            .field("name", &self.name)
            .field("phone_number_id", &self.phone_number_id)
            .finish_non_exhaustive()
    }
}

/// Meta's phone number ids are digits; they go into the Cloud API's URL path.
pub fn check_phone_number_id(value: &str) -> Result<(), ApiError> {
    if (1..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ApiError::validation(
            "phone_number_id",
            format!(
                "phone_number_id {} is not Meta's id of a number: use its digits, such as \"106540352242922\" (WhatsApp → API setup in Meta's developer dashboard)",
                shown(value)
            ),
        ))
    }
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/whatsapp/connections", tag = "whatsapp", request_body = CreateConnectionRequest,
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 201, body = ConnectionView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the number is connected already (here or to another project)")))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
    ApiJson(body): ApiJson<CreateConnectionRequest>,
) -> Result<(StatusCode, ApiJson<ConnectionView>), ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    validate::name("name", &body.name)?;
    check_phone_number_id(&body.phone_number_id)?;
    if let Some(number) = &body.display_phone_number {
        check_display_number(number)?;
    }
    check_secret("app_secret", &body.app_secret)?;
    if let Some(token) = &body.access_token {
        check_secret("access_token", token)?;
    }
    let id = new_id();
    let key = &state.config.secret_key;
    let app_secret = ConnectionSecret::AppSecret.seal(key, &id, &body.app_secret);
    let access_token = body
        .access_token
        .as_deref()
        .map(|token| ConnectionSecret::AccessToken.seal(key, &id, token));
    let verify_token = random_token(24);
    let new = NewWhatsappConnection {
        id: &id,
        project_id: &membership.project.id,
        name: body.name.trim(),
        phone_number_id: &body.phone_number_id,
        display_phone_number: body.display_phone_number.as_deref(),
        verify_token: &verify_token,
        app_secret_sealed: &app_secret,
        access_token_sealed: access_token.as_deref(),
    };
    let connection = state
        .store
        .create_whatsapp_connection(&new, &viewer.user.id)
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(ConnectionView::new(&state, &connection)),
    ))
}
