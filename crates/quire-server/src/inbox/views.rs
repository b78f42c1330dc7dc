//! What the API and the live events show of conversations and messages: one shape for both,
//! so a list updated from an event looks as it would after a reload.

use quire_store::{Conversation, Message};
use serde::Serialize;
use utoipa::ToSchema;

use crate::validate::timestamp;

/// A conversation with one contact on one of the project's numbers.
#[derive(Serialize, ToSchema)]
pub struct ConversationView {
    pub id: String,
    /// The contact's WhatsApp profile name.
    pub contact_name: Option<String>,
    /// The contact's WhatsApp username (`@…`), when they have one.
    pub username: Option<String>,
    /// The contact's phone number (`wa_id`), unless they hide it behind a username.
    #[schema(example = "14155550123")]
    pub phone_number: Option<String>,
    /// The contact's business-scoped user id, when WhatsApp gave one.
    #[schema(example = "US.8Hk2mQ7rT1xZ")]
    pub business_user_id: Option<String>,
    /// How WhatsApp names the contact: the phone number, else the business-scoped user id.
    pub whatsapp_contact_id: String,
    /// The connection of the number; null once it was deleted.
    pub whatsapp_config_id: Option<String>,
    pub whatsapp_phone_number_id: String,
    pub display_phone_number: Option<String>,
    /// Free JSON the team keeps about the conversation; pages get it as `metadata`.
    #[schema(value_type = HashMap<String, serde_json::Value>)]
    pub metadata: serde_json::Value,
    pub last_message_at: String,
    pub last_message_preview: String,
    /// `inbound` or `outbound`.
    pub last_message_direction: Option<String>,
    /// The member who wrote the last message, when it is their reply.
    pub last_message_sent_by: Option<String>,
    /// The embedded inbox the last message was written in (a reply, no member), by its name then.
    pub last_message_sent_via: Option<String>,
    pub unread_count: i64,
    pub created_at: String,
}

impl From<&Conversation> for ConversationView {
    fn from(conversation: &Conversation) -> Self {
        Self {
            id: conversation.id.clone(),
            contact_name: conversation.contact_name.clone(),
            username: conversation.username.clone(),
            phone_number: conversation.phone_number.clone(),
            business_user_id: conversation.business_user_id.clone(),
            whatsapp_contact_id: conversation.contact_key.clone(),
            whatsapp_config_id: conversation.whatsapp_config_id.clone(),
            whatsapp_phone_number_id: conversation.whatsapp_phone_number_id.clone(),
            display_phone_number: conversation.display_phone_number.clone(),
            metadata: conversation.metadata.clone(),
            last_message_at: timestamp(conversation.last_message_at),
            last_message_preview: conversation.last_message_preview.clone(),
            last_message_direction: conversation
                .last_message_direction
                .map(|direction| direction.to_string()),
            last_message_sent_by: conversation.last_message_sent_by.clone(),
            last_message_sent_via: conversation.last_message_sent_via.clone(),
            unread_count: conversation.unread_count,
            created_at: timestamp(conversation.created_at),
        }
    }
}

/// A message of a conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageView {
    pub id: String,
    pub conversation_id: String,
    /// WhatsApp's id; null while an outgoing message is being sent.
    pub wamid: Option<String>,
    /// `inbound` (from the contact) or `outbound` (from the team).
    pub direction: String,
    /// Meta's type: `text`, `image`, `audio`, `video`, `document`, `sticker`, `location`,
    /// `contacts`, `reaction`, `interactive`, `button`, `system`, `unsupported`, or another.
    #[serde(rename = "type")]
    #[schema(example = "text")]
    pub kind: String,
    /// The text, caption, reaction emoji or button title, where the type has one.
    pub body: Option<String>,
    /// The type's object as Meta sent it (media id, mime type, reply ids, `context`, …).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// `received` (inbound), or `pending`, `sent`, `delivered`, `read`, `failed` (outbound).
    pub status: String,
    /// Why it failed: `{code, title, message, details}` from WhatsApp.
    #[schema(value_type = Option<Object>)]
    pub error: Option<serde_json::Value>,
    /// The member who sent it (outbound).
    pub sent_by: Option<String>,
    /// The embedded inbox it was written in (outbound, no member), by its name then.
    pub sent_via: Option<String>,
    pub created_at: String,
    pub status_at: String,
}

impl From<&Message> for MessageView {
    fn from(message: &Message) -> Self {
        Self {
            id: message.id.clone(),
            conversation_id: message.conversation_id.clone(),
            wamid: message.wamid.clone(),
            direction: message.direction.to_string(),
            kind: message.kind.clone(),
            body: message.body.clone(),
            data: message.data.clone(),
            status: message.status.to_string(),
            error: message.error.clone(),
            sent_by: message.sent_by.clone(),
            sent_via: message.sent_via.clone(),
            created_at: timestamp(message.created_at),
            status_at: timestamp(message.status_at),
        }
    }
}
