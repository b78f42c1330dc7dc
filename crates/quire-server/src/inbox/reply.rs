//! Replies from the inbox. A reply is stored `pending` first (so it shows at once and is not
//! lost if the send hangs), then sent through the Cloud API from the conversation's number to
//! the contact, then marked `sent` with its `wamid` (which status deliveries move on, even
//! one that came before the wamid was written: it was held for it) or `failed` with
//! WhatsApp's error, which the message then shows.

use axum::http::StatusCode;
use quire_store::{
    Activity, Conversation, Message, MessageDirection, MessageStatus, NewMessage, SendOutcome,
    Store, StoreError, finish_send, insert_message, now_ms, record_activity,
};
use serde_json::json;

use super::cloud_api::Recipient;
use super::events::InboxEvents;
use super::secrets::ConnectionSecret;
use crate::errors::ApiError;
use crate::state::AppState;

/// The most a text message holds, in characters (WhatsApp's limit).
pub const MAX_TEXT_CHARS: usize = 4096;

/// Who writes a reply.
#[derive(Debug, Clone, Copy)]
pub enum Author<'a> {
    /// A member, by account id.
    Member(&'a str),
    /// An embedded inbox, by its name.
    Embed(&'a str),
    /// Quire itself (the demo's history).
    Quire,
}

impl<'a> Author<'a> {
    fn sent_by(self) -> Option<&'a str> {
        match self {
            Self::Member(id) => Some(id),
            Self::Embed(_) | Self::Quire => None,
        }
    }

    fn sent_via(self) -> Option<&'a str> {
        match self {
            Self::Embed(name) => Some(name),
            Self::Member(_) | Self::Quire => None,
        }
    }
}

/// Stores an outgoing text of `conversation` as `pending`, written at `at` by `author`.
pub async fn record_outgoing(
    store: &Store,
    conversation: &Conversation,
    text: &str,
    author: Author<'_>,
    at: i64,
) -> Result<Message, StoreError> {
    let mut tx = store.begin().await?;
    let new = NewMessage {
        project_id: &conversation.project_id,
        conversation_id: &conversation.id,
        wamid: None,
        direction: MessageDirection::Outbound,
        kind: "text",
        body: Some(text),
        data: &json!({ "body": text }),
        status: MessageStatus::Pending,
        error: None,
        sent_by: author.sent_by(),
        sent_via: author.sent_via(),
        created_at: at,
    };
    let message = insert_message(&mut tx, &new)
        .await?
        .ok_or_else(|| StoreError::Conflict {
            what: "an outgoing message with no wamid".to_owned(),
        })?;
    let activity = Activity {
        at,
        preview: text,
        direction: MessageDirection::Outbound,
        sent_by: author.sent_by(),
        sent_via: author.sent_via(),
        unread: false,
    };
    let updated = record_activity(&mut tx, &conversation.id, &activity).await?;
    let mut events = InboxEvents::new(&conversation.project_id);
    events.message_created(&message, &conversation.whatsapp_phone_number_id);
    events.conversation_written(updated);
    events.commit(store, tx).await?;
    Ok(message)
}

/// Records how the Cloud API answered the pending message `message_id` of `conversation`.
pub async fn record_send_result(
    store: &Store,
    conversation: &Conversation,
    message_id: &str,
    outcome: &SendOutcome<'_>,
) -> Result<Message, StoreError> {
    let mut tx = store.begin().await?;
    let message = finish_send(&mut tx, message_id, outcome, now_ms())
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("pending message {message_id}"),
        })?;
    let mut events = InboxEvents::new(&conversation.project_id);
    events.message_updated(&message, &conversation.whatsapp_phone_number_id);
    events.commit(store, tx).await?;
    Ok(message)
}

/// Sends `text` to `conversation`'s contact, written by `author`. A message the Cloud API refused
/// is answered like one it took, with status `failed` and WhatsApp's error; a conversation
/// whose number is no longer connected (or has no access token) is refused before anything
/// is stored.
pub async fn reply(
    state: &AppState,
    conversation: &Conversation,
    text: &str,
    author: Author<'_>,
) -> Result<Message, ApiError> {
    let number = conversation
        .display_phone_number
        .as_deref()
        .unwrap_or(&conversation.whatsapp_phone_number_id);
    let connection = state
        .store
        .whatsapp_connection_for_number(
            &conversation.project_id,
            &conversation.whatsapp_phone_number_id,
        )
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "whatsapp_not_connected",
                format!(
                    "the WhatsApp number {number} (phone number id {}) is no longer connected to this project; connect it again under Settings → WhatsApp to reply",
                    conversation.whatsapp_phone_number_id
                ),
            )
        })?;
    let no_token = |why: &str| {
        ApiError::new(
            StatusCode::CONFLICT,
            "whatsapp_no_access_token",
            format!(
                "the WhatsApp connection {:?} {why}; set its access token under Settings → WhatsApp to reply",
                connection.name
            ),
        )
    };
    let sealed = connection
        .access_token_sealed
        .as_deref()
        .ok_or_else(|| no_token("has no access token"))?;
    let access_token = ConnectionSecret::AccessToken
        .open(&state.config.secret_key, &connection.id, sealed)
        .ok_or_else(|| {
            no_token(
                "has an access token the server can no longer decrypt (its secret key changed)",
            )
        })?;
    let recipient = match (&conversation.phone_number, &conversation.business_user_id) {
        (Some(number), _) => Recipient::PhoneNumber(number),
        (None, Some(user_id)) => Recipient::BusinessUser(user_id),
        (None, None) => {
            return Err(ApiError::internal(&format!(
                "conversation {} has neither a phone number nor a business-scoped user id",
                conversation.id
            )));
        }
    };
    let pending = record_outgoing(&state.store, conversation, text, author, now_ms()).await?;
    let sent = state
        .inbox
        .cloud_api
        .send_text(&connection.phone_number_id, &access_token, recipient, text)
        .await;
    let error;
    let outcome = match &sent {
        Ok(wamid) => SendOutcome::Sent { wamid },
        Err(refused) => {
            tracing::info!(
                conversation = %conversation.id,
                code = ?refused.code,
                message = %refused.message,
                "the WhatsApp Cloud API did not take a reply"
            );
            error = refused.to_value();
            SendOutcome::Failed { error: &error }
        }
    };
    Ok(record_send_result(&state.store, conversation, &pending.id, &outcome).await?)
}
