//! `POST /api/v1/projects/{p}/conversations/{c}/messages {text}`: a reply, for every member
//! and embedded inboxes (whose replies are audited, naming the embed).
//! 201 with the message once the Cloud API answered: `sent` with its `wamid`, or `failed`
//! with WhatsApp's error (such as 131047, outside the 24-hour window), which the message
//! keeps. 409 when the number is no longer connected or has no access token (nothing stored).

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::Role;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{MessageView, conversation_for};
use crate::auth::InboxCaller;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::inbox::reply::{MAX_TEXT_CHARS, reply as send_reply};
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// 1 to 4,096 characters.
    pub text: String,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/conversations/{c}/messages", tag = "inbox", request_body = ReplyRequest,
    params(("p" = String, Path, description = "project id or slug"), ("c" = String, Path, description = "conversation id")),
    responses((status = 201, body = MessageView, description = "sent, or failed with WhatsApp's error in `error`"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the number is no longer connected, or its connection has no access token")))]
pub async fn reply(
    State(state): State<AppState>,
    caller: InboxCaller,
    Path((project, conversation)): Path<(String, String)>,
    ApiJson(body): ApiJson<ReplyRequest>,
) -> Result<(StatusCode, ApiJson<MessageView>), ApiError> {
    let (access, conversation) =
        conversation_for(&state, &caller, &project, &conversation, Role::Member).await?;
    let chars = body.text.chars().count();
    if body.text.trim().is_empty() || chars > MAX_TEXT_CHARS {
        return Err(ApiError::validation(
            "text",
            format!(
                "text has {chars} characters; a reply has 1 to {MAX_TEXT_CHARS}, not all of them spaces"
            ),
        ));
    }
    let message = send_reply(&state, &conversation, &body.text, access.author()).await?;
    if let Some(embed) = access.embed() {
        let details = json!({ "message_id": message.id, "status": message.status.to_string() });
        state
            .store
            .audit_embed_action(embed, "inbox_embed.reply", &conversation.id, details)
            .await?;
    }
    Ok((StatusCode::CREATED, ApiJson(MessageView::from(&message))))
}
