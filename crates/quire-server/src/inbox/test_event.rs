//! "Send a test event": a text from the test contact "Quire test" (`wa_id` 15550000000) to a
//! connection's number, in Meta's format and signed with the connection's app secret, received
//! as the webhook receives a delivery. It proves the secret, the ingestion and the inbox
//! without Meta.

use quire_store::{WhatsappConnection, new_id, now_ms};
use serde_json::{Value, json};

use super::receive::{ReceiveError, receive};
use super::secrets::ConnectionSecret;
use super::signature;
use crate::errors::ApiError;
use crate::state::AppState;

pub const TEST_CONTACT_NAME: &str = "Quire test";
pub const TEST_CONTACT_WA_ID: &str = "15550000000";

/// A Meta-format delivery of one text (WhatsApp id `message_id`) from `contact` (`(name,
/// wa_id)`) to `connection`'s number.
pub fn text_delivery(
    connection: &WhatsappConnection,
    (name, wa_id): (&str, &str),
    message_id: &str,
    sent_at_secs: i64,
    text: &str,
) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "0",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": connection.display_phone_number,
                        "phone_number_id": connection.phone_number_id,
                    },
                    "contacts": [{ "profile": { "name": name }, "wa_id": wa_id }],
                    "messages": [{
                        "from": wa_id,
                        "id": message_id,
                        "timestamp": sent_at_secs.to_string(),
                        "type": "text",
                        "text": { "body": text },
                    }],
                },
            }],
        }],
    })
}

/// Delivers a test text to `connection`; answers the conversation and message it made.
pub async fn send_test_event(
    state: &AppState,
    connection: &WhatsappConnection,
) -> Result<(String, String), ApiError> {
    let app_secret = ConnectionSecret::AppSecret
        .open(
            &state.config.secret_key,
            &connection.id,
            &connection.app_secret_sealed,
        )
        .ok_or_else(|| {
            ApiError::unprocessable(format!(
                "the app secret of the WhatsApp connection {:?} cannot be decrypted (the server's secret key changed); set it again",
                connection.name
            ))
        })?;
    let wamid = format!("wamid.quire-test-{}", new_id());
    let delivery = text_delivery(
        connection,
        (TEST_CONTACT_NAME, TEST_CONTACT_WA_ID),
        &wamid,
        now_ms() / 1000,
        "This is a test event from Quire: your WhatsApp connection works.",
    )
    .to_string();
    let signature = signature::sign(&app_secret, delivery.as_bytes());
    receive(
        state,
        &connection.project_id,
        delivery.as_bytes(),
        Some(&signature),
    )
    .await
    .map_err(|error| match error {
        ReceiveError::Store(error) => ApiError::from(error),
        other => ApiError::internal(&other),
    })?;
    let message = state
        .store
        .message_by_wamid(&connection.project_id, &wamid)
        .await?
        .ok_or_else(|| ApiError::internal(&"the test event was received but not stored"))?;
    Ok((message.conversation_id, message.id))
}
