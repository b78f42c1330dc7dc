//! Deliveries Quire makes itself, in Meta's format, signed with a connection's app secret and
//! [`receive`]d like Meta's: the connections' test event and the demo conversations. They take
//! the real path on purpose, so what they show is what a real delivery would do.

use quire_store::WhatsappConnection;
use serde_json::{Value, json};

use super::ingest::Outcome;
use super::receive::{ReceiveError, receive};
use super::secrets::ConnectionSecret;
use super::signature;
use crate::state::AppState;

/// A contact as a delivery names it.
#[derive(Clone, Copy, Debug)]
pub struct Contact<'a> {
    pub name: &'a str,
    pub wa_id: Option<&'a str>,
    /// The business-scoped user id.
    pub user_id: Option<&'a str>,
    pub username: Option<&'a str>,
}

/// One message in Meta's shape: `{id, timestamp, type, <type>: object}`, plus `context` when
/// it answers `replying_to`.
pub fn message(
    wamid: &str,
    sent_at_secs: i64,
    kind: &str,
    object: Value,
    replying_to: Option<&str>,
) -> Value {
    let mut message = json!({
        "id": wamid,
        "timestamp": sent_at_secs.to_string(),
        "type": kind,
    });
    message[kind] = object;
    if let Some(replied) = replying_to {
        message["context"] = json!({ "id": replied });
    }
    message
}

fn envelope(connection: &WhatsappConnection, value: Value) -> Value {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({
        "display_phone_number": connection.display_phone_number,
        "phone_number_id": connection.phone_number_id,
    });
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "0", "changes": [{ "field": "messages", "value": value }] }],
    })
}

/// A delivery of `message` (see [`message`]) from `contact` to `connection`'s number.
pub fn message_delivery(
    connection: &WhatsappConnection,
    contact: Contact<'_>,
    mut message: Value,
) -> Value {
    let mut profile = json!({ "name": contact.name });
    if let Some(username) = contact.username {
        profile["username"] = json!(username);
    }
    let mut named = json!({ "profile": profile });
    if let Some(wa_id) = contact.wa_id {
        named["wa_id"] = json!(wa_id);
        message["from"] = json!(wa_id);
    }
    if let Some(user_id) = contact.user_id {
        named["user_id"] = json!(user_id);
    }
    envelope(
        connection,
        json!({ "contacts": [named], "messages": [message] }),
    )
}

/// A delivery of one status (`sent`, `delivered`, `read`) of the outbound message `wamid`.
pub fn status_delivery(
    connection: &WhatsappConnection,
    wamid: &str,
    status: &str,
    at_secs: i64,
) -> Value {
    envelope(
        connection,
        json!({ "statuses": [{ "id": wamid, "status": status, "timestamp": at_secs.to_string() }] }),
    )
}

/// Why a delivery of Quire's own was not taken.
#[derive(Debug, thiserror::Error)]
pub enum OwnDeliveryError {
    #[error(
        "the app secret of the WhatsApp connection {name:?} cannot be decrypted (the server's secret key changed); set it again"
    )]
    SecretUnreadable { name: String },
    #[error(transparent)]
    Receive(#[from] ReceiveError),
}

/// Signs `delivery` with `connection`'s app secret and receives it as the webhook would.
pub async fn deliver(
    state: &AppState,
    connection: &WhatsappConnection,
    delivery: &Value,
) -> Result<Outcome, OwnDeliveryError> {
    let app_secret = ConnectionSecret::AppSecret
        .open(
            &state.config.secret_key,
            &connection.id,
            &connection.app_secret_sealed,
        )
        .ok_or_else(|| OwnDeliveryError::SecretUnreadable {
            name: connection.name.clone(),
        })?;
    let body = delivery.to_string();
    let signature = signature::sign(&app_secret, body.as_bytes());
    Ok(receive(
        state,
        &connection.project_id,
        body.as_bytes(),
        Some(&signature),
    )
    .await?)
}
