//! "Send a test event": a text from the test contact "Quire test" (`wa_id` 15550000000) to a
//! connection's number, delivered as Meta delivers (see [`deliveries`](super::deliveries)). It
//! proves the secret, the ingestion and the inbox without Meta.

use quire_store::{WhatsappConnection, new_id, now_ms};
use serde_json::json;

use super::deliveries::{Contact, OwnDeliveryError, deliver, message, message_delivery};
use super::receive::ReceiveError;
use crate::errors::ApiError;
use crate::state::AppState;

pub const TEST_CONTACT: Contact<'static> = Contact {
    name: "Quire test",
    wa_id: Some("15550000000"),
    user_id: None,
    username: None,
};

/// Delivers a test text to `connection`; answers the conversation and message it made.
pub async fn send_test_event(
    state: &AppState,
    connection: &WhatsappConnection,
) -> Result<(String, String), ApiError> {
    let wamid = format!("wamid.quire-test-{}", new_id());
    let text =
        json!({ "body": "This is a test event from Quire: your WhatsApp connection works." });
    let delivery = message_delivery(
        connection,
        TEST_CONTACT,
        message(&wamid, now_ms() / 1000, "text", text, None),
    );
    deliver(state, connection, &delivery)
        .await
        .map_err(|error| match error {
            OwnDeliveryError::SecretUnreadable { .. } => ApiError::unprocessable(error.to_string()),
            OwnDeliveryError::Receive(ReceiveError::Store(error)) => ApiError::from(error),
            OwnDeliveryError::Receive(other) => ApiError::internal(&other),
        })?;
    let message = state
        .store
        .message_by_wamid(&connection.project_id, &wamid)
        .await?
        .ok_or_else(|| ApiError::internal(&"the test event was received but not stored"))?;
    Ok((message.conversation_id, message.id))
}
