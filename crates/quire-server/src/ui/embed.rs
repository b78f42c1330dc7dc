//! `GET /embed/inbox?token=…`: the inbox in embedded mode, for a frame on another site. A
//! working token gets the app (which reads the token and shows the embedded inbox) with
//! `frame-ancestors` set to the embed's allowed origins; any other gets a page that says the
//! inbox no longer works and who can fix it.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use quire_store::InboxEmbed;
use serde::Deserialize;

use super::{Slot, serve};
use crate::auth::tokens::sha256_hex;
use crate::inbox::embeds::{self, EmbedStatus};
use crate::state::AppState;

#[derive(Deserialize)]
pub(super) struct EmbedQuery {
    token: Option<String>,
}

pub(super) async fn inbox(
    State((slot, state)): State<(Arc<Slot>, AppState)>,
    Query(query): Query<EmbedQuery>,
) -> Response {
    let token = query
        .token
        .filter(|token| embeds::is_embed_token(token) && token.len() <= 200);
    let Some(token) = token else {
        return gone(None);
    };
    let embed = match state
        .credentials
        .embed(&state.store, &sha256_hex(&token))
        .await
    {
        Ok(embed) => embed,
        Err(error) => {
            tracing::warn!(message = %error.message, "cannot read an embedded inbox");
            return serve::unavailable();
        }
    };
    let embed = match embed {
        Some(embed) if EmbedStatus::of(&embed) == EmbedStatus::Active => embed,
        other => return gone(other.as_deref()),
    };
    let ancestors = embeds::frame_ancestors(&embed);
    serve::shared_document(slot, ancestors).await
}

/// The page for a token that does not open an inbox: unknown, expired or revoked. It may be
/// framed anywhere (it shows nothing of the project), so the site that embeds it shows the
/// reason instead of a browser error.
fn gone(embed: Option<&InboxEmbed>) -> Response {
    let (status, title, text) = match embed.map(EmbedStatus::of) {
        Some(EmbedStatus::Expired) => (
            StatusCode::GONE,
            "This inbox has expired",
            "The embedded inbox's time ran out. The project's owners or admins can extend it in Quire, under Settings → WhatsApp → Embedded inboxes.",
        ),
        Some(EmbedStatus::Revoked) => (
            StatusCode::GONE,
            "This inbox no longer works",
            "The embedded inbox was turned off. Ask the project's owners or admins for a new embed code.",
        ),
        Some(EmbedStatus::Active) | None => (
            StatusCode::NOT_FOUND,
            "This inbox link does not work",
            "The link has no valid embed token. Copy the embed code again from Quire, under Settings → WhatsApp → Embedded inboxes.",
        ),
    };
    serve::notice(status, title, text)
}
