//! WhatsApp over HTTP: a project's connections (owners and admins: list, add, change, delete,
//! send a test event) and the webhook Meta calls (the handshake and deliveries, without a
//! session: the signature is the credential). The work is the [`crate::inbox`] service's.

pub mod create;
pub mod delete;
pub mod handshake;
pub mod list;
pub mod receive;
pub mod test_event;
pub mod update;

use quire_store::{Membership, Role, WhatsappConnection};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::ApiError;
use crate::state::AppState;
use crate::validate::{shown, timestamp};

/// The longest app secret or access token taken, in bytes (Meta's are far shorter).
const MAX_SECRET_BYTES: usize = 4096;

/// A connection as its project's owners and admins see it; its secrets never leave the server.
#[derive(Serialize, ToSchema)]
pub struct ConnectionView {
    pub id: String,
    pub name: String,
    /// Meta's id of the number, which every delivery names.
    #[schema(example = "106540352242922")]
    pub phone_number_id: String,
    #[schema(example = "15550783881")]
    pub display_phone_number: Option<String>,
    /// What to enter as the verify token in Meta's webhook setup.
    pub verify_token: String,
    /// Where Meta delivers: the callback URL of the app's webhook setup.
    pub webhook_url: String,
    /// Whether replies can be sent (an access token is set).
    pub has_access_token: bool,
    pub created_at: String,
    /// When the last delivery for the number arrived.
    pub last_delivery_at: Option<String>,
}

impl ConnectionView {
    pub fn new(state: &AppState, connection: &WhatsappConnection) -> Self {
        Self {
            id: connection.id.clone(),
            name: connection.name.clone(),
            phone_number_id: connection.phone_number_id.clone(),
            display_phone_number: connection.display_phone_number.clone(),
            verify_token: connection.verify_token.clone(),
            webhook_url: format!(
                "{}/api/v1/projects/{}/webhooks/whatsapp",
                state.config.public_url, connection.project_id
            ),
            has_access_token: connection.access_token_sealed.is_some(),
            created_at: timestamp(connection.created_at),
            last_delivery_at: connection.last_delivery_at.map(timestamp),
        }
    }
}

/// The caller's membership (owner or admin) and the connection `c` of project `p`.
pub async fn connection_for(
    state: &AppState,
    viewer: &Viewer,
    project: &str,
    connection: &str,
) -> Result<(Membership, WhatsappConnection), ApiError> {
    let membership = viewer.require(state, project, Role::Admin).await?;
    let found = state
        .store
        .whatsapp_connection(&membership.project.id, connection)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "project {:?} has no WhatsApp connection {}; GET /api/v1/projects/{}/whatsapp/connections lists them",
                membership.project.slug,
                shown(connection),
                membership.project.slug
            ))
        })?;
    Ok((membership, found))
}

/// A number as people write it: 1 to 32 of digits, spaces and `+ - ( )`.
fn check_display_number(value: &str) -> Result<(), ApiError> {
    let valid = (1..=32).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c));
    if valid {
        Ok(())
    } else {
        Err(ApiError::validation(
            "display_phone_number",
            format!(
                "display_phone_number {} is not a phone number: use up to 32 digits, spaces and + - ( ), such as \"+1 555 078 3881\"",
                shown(value)
            ),
        ))
    }
}

/// An app secret or access token: 1 to 4,096 bytes of visible text.
fn check_secret(field: &str, value: &str) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::validation(
            field,
            format!("{field} is empty; copy it from the app in Meta's developer dashboard"),
        ));
    }
    if value.len() > MAX_SECRET_BYTES {
        return Err(ApiError::validation(
            field,
            format!(
                "{field} is {} bytes; the limit is {MAX_SECRET_BYTES}",
                value.len()
            ),
        ));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ApiError::validation(
            field,
            format!("{field} holds spaces or invisible characters; copy it again without them"),
        ));
    }
    Ok(())
}
