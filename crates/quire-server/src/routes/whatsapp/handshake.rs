//! `GET /api/v1/projects/{p}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C`:
//! Meta's webhook handshake. Echoes the challenge when the token is the verify token of one of
//! the project's connections (compared in constant time); 403 otherwise, and for a project
//! that does not exist, so the answer tells outsiders nothing.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::errors::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::state::AppState;

/// The longest challenge echoed; Meta's are short numbers.
const MAX_CHALLENGE_BYTES: usize = 256;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HandshakeQuery {
    /// `subscribe`.
    #[serde(rename = "hub.mode")]
    #[param(rename = "hub.mode")]
    pub mode: Option<String>,
    /// The verify token of one of the project's connections.
    #[serde(rename = "hub.verify_token")]
    #[param(rename = "hub.verify_token")]
    pub verify_token: Option<String>,
    /// What to answer with.
    #[serde(rename = "hub.challenge")]
    #[param(rename = "hub.challenge")]
    pub challenge: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/webhooks/whatsapp", tag = "whatsapp", security(()),
    params(("p" = String, Path, description = "project id or slug"), HandshakeQuery),
    responses((status = 200, content_type = "text/plain", body = String, description = "the challenge, echoed"),
        (status = 400, body = ErrorBody, description = "no challenge, or one over 256 bytes"),
        (status = 403, body = ErrorBody, description = "not a subscription, or the verify token matches none of the project's connections")))]
pub async fn handshake(
    State(state): State<AppState>,
    Path(project): Path<String>,
    Query(query): Query<HandshakeQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let target = state
        .inbox
        .targets
        .get(&state.store, &state.config.secret_key, &project)
        .await?;
    let verified = query.mode.as_deref() == Some("subscribe")
        && target.is_some_and(|target| {
            query
                .verify_token
                .as_deref()
                .is_some_and(|token| target.verify_token_matches(token))
        });
    if !verified {
        return Err(ApiError::forbidden(
            "hub.mode must be subscribe and hub.verify_token the verify token of one of this project's WhatsApp connections (Settings → WhatsApp shows it)",
        ));
    }
    let challenge = query
        .challenge
        .filter(|challenge| (1..=MAX_CHALLENGE_BYTES).contains(&challenge.len()))
        .ok_or_else(|| {
            ApiError::validation(
                "hub.challenge",
                format!("hub.challenge must be 1 to {MAX_CHALLENGE_BYTES} bytes"),
            )
        })?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        challenge,
    ))
}
