//! `GET /embed/inbox?token=…`: the inbox in embedded mode, for a frame on another site. A
//! working token gets the app (which reads the token and shows the embedded inbox) with
//! `frame-ancestors` set to the embed's allowed origins; any other gets a page that says the
//! inbox no longer works and who can fix it.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use quire_store::InboxEmbed;
use serde::Deserialize;

use super::{FrameAncestors, Slot, StyleNonce, serve};
use crate::auth::tokens::{random_token, sha256_hex};
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
            return unavailable();
        }
    };
    let embed = match embed {
        Some(embed) if EmbedStatus::of(&embed) == EmbedStatus::Active => embed,
        other => return gone(other.as_deref()),
    };
    let ancestors = embeds::frame_ancestors(&embed);
    let mut response = match slot.ready() {
        Some(built) => serve::document(StatusCode::OK, &built),
        None => serve::index(State(slot)).await,
    };
    let headers = response.headers_mut();
    // The URL carries the token: never cached, never sent on as a referrer.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response.extensions_mut().insert(FrameAncestors(ancestors));
    response
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
    let nonce = random_token(18);
    let body = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n<title>{title}</title>\n\
         <style nonce=\"{nonce}\">body{{font:15px/1.5 system-ui,sans-serif;display:grid;place-items:center;\
         min-height:90vh;margin:0;padding:1rem;color:#1f2328}}@media (prefers-color-scheme:dark){{body{{color:#e6edf3;\
         background:#0d1117}}}}main{{max-width:28rem;text-align:center}}h1{{font-size:1.15rem}}p{{opacity:.8}}</style>\n\
         </head>\n<body>\n<main>\n<h1>{title}</h1>\n<p>{text}</p>\n</main>\n</body>\n</html>\n"
    );
    let mut response = serve::page(status, body);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response.extensions_mut().insert(StyleNonce(nonce));
    response
        .extensions_mut()
        .insert(FrameAncestors("*".to_owned()));
    response
}

fn unavailable() -> Response {
    let mut response = serve::page(
        StatusCode::SERVICE_UNAVAILABLE,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"refresh\" content=\"5\">\n<title>The inbox is unavailable</title>\n</head>\n\
         <body>\n<p>The inbox cannot be reached right now; this page tries again in a moment.</p>\n</body>\n</html>\n",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}
