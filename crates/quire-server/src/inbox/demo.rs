//! The demo inbox of `quire serve --demo`: a connected number and six conversations with
//! messages both ways over the last days. Incoming messages and statuses are Meta-format
//! deliveries, signed and received as the webhook receives them; replies are stored as the
//! reply service stores them (pending, then sent with a wamid), without calling the Cloud API.
//! The demo number has no access token, so replying from the demo says how to connect a real
//! one.

use quire_store::{SendOutcome, WhatsappConnection, now_ms};
use serde_json::{Value, json};

use super::deliveries::{
    Contact, OwnDeliveryError, deliver, message, message_delivery, status_delivery,
};
use super::reply::{Author, record_outgoing, record_send_result};
use crate::state::AppState;

/// The demo number's Meta id (made up; no real delivery names it).
pub const DEMO_PHONE_NUMBER_ID: &str = "100000000000001";
pub const DEMO_DISPLAY_NUMBER: &str = "15550100000";

/// One step of a demo conversation, `minutes_ago` before the seed ran.
enum Step {
    /// A message from the contact: Meta's type and its object; `replying_to` names an
    /// earlier reply of the script by its step number (a reaction reacts to it).
    In {
        minutes_ago: i64,
        kind: &'static str,
        object: Value,
        replying_to: Option<usize>,
    },
    /// A reply from the team, and how far it got.
    Out {
        minutes_ago: i64,
        text: &'static str,
        reached: &'static [&'static str],
    },
}

fn text(minutes_ago: i64, body: &str) -> Step {
    Step::In {
        minutes_ago,
        kind: "text",
        object: json!({ "body": body }),
        replying_to: None,
    }
}

fn reply(minutes_ago: i64, text: &'static str, reached: &'static [&'static str]) -> Step {
    Step::Out {
        minutes_ago,
        text,
        reached,
    }
}

const READ: &[&str] = &["delivered", "read"];
const DELIVERED: &[&str] = &["delivered"];
const SENT: &[&str] = &[];

#[expect(
    clippy::too_many_lines,
    reason = "the script is data: six conversations, one step a line"
)]
fn script() -> Vec<(Contact<'static>, Vec<Step>)> {
    let contact = |name, wa_id| Contact {
        name,
        wa_id: Some(wa_id),
        user_id: None,
        username: None,
    };
    vec![
        (
            contact("Maria Lopez", "14155550123"),
            vec![
                text(180, "Hi! Where is my order #1042?"),
                reply(
                    172,
                    "Hi Maria! #1042 left our warehouse this morning and should arrive tomorrow.",
                    READ,
                ),
                text(165, "Great, thank you!"),
                Step::In {
                    minutes_ago: 164,
                    kind: "reaction",
                    object: json!({ "emoji": "👍" }),
                    replying_to: Some(1),
                },
            ],
        ),
        (
            contact("Ken Ito", "819012345678"),
            vec![
                Step::In {
                    minutes_ago: 2 * 24 * 60,
                    kind: "image",
                    object: json!({ "caption": "the box arrived like this", "mime_type": "image/jpeg", "sha256": "5f1a2b3c4d", "id": "1479537139650973" }),
                    replying_to: None,
                },
                text(
                    2 * 24 * 60 - 1,
                    "The mug inside is broken. Can I get a replacement?",
                ),
                reply(
                    2 * 24 * 60 - 20,
                    "So sorry, Ken! A new mug goes out today. Shall we send tracking updates here?",
                    READ,
                ),
                Step::In {
                    minutes_ago: 2 * 24 * 60 - 25,
                    kind: "interactive",
                    object: json!({ "type": "button_reply", "button_reply": { "id": "updates-yes", "title": "Yes, please" } }),
                    replying_to: Some(2),
                },
            ],
        ),
        (
            contact("Ana Souza", "5511987654321"),
            vec![
                text(
                    26 * 60,
                    "Olá! Can I change the delivery address of order #1057?",
                ),
                reply(
                    26 * 60 - 10,
                    "Of course! Send the new address, or share your location.",
                    READ,
                ),
                Step::In {
                    minutes_ago: 26 * 60 - 14,
                    kind: "location",
                    object: json!({ "latitude": -23.5614, "longitude": -46.6559, "name": "Avenida Paulista, 1578", "address": "Bela Vista, São Paulo - SP" }),
                    replying_to: None,
                },
                reply(
                    26 * 60 - 20,
                    "Done: #1057 now goes to Avenida Paulista, 1578.",
                    DELIVERED,
                ),
            ],
        ),
        (
            Contact {
                name: "quietfox",
                wa_id: None,
                user_id: Some("US.8Hk2mQ7rT1xZ"),
                username: Some("@quietfox"),
            },
            vec![
                text(50, "Do you ship to Canada?"),
                reply(
                    45,
                    "We do! Shipping to Canada takes 5 to 7 business days.",
                    SENT,
                ),
            ],
        ),
        (
            contact("Priya Patel", "447700900123"),
            vec![
                Step::In {
                    minutes_ago: 20,
                    kind: "document",
                    object: json!({ "caption": "Invoice for order #1063", "filename": "invoice-1063.pdf", "mime_type": "application/pdf", "sha256": "9c8b7a6f5e", "id": "2210987654321098" }),
                    replying_to: None,
                },
                text(
                    19,
                    "The VAT number on it is wrong: it should be GB123456789.",
                ),
            ],
        ),
        (
            contact("Lukas Becker", "4915123456789"),
            vec![
                Step::In {
                    minutes_ago: 3 * 24 * 60,
                    kind: "audio",
                    object: json!({ "mime_type": "audio/ogg; codecs=opus", "sha256": "1d2e3f4a5b", "id": "3321098765432109", "voice": true }),
                    replying_to: None,
                },
                text(
                    3 * 24 * 60 - 1,
                    "Sorry, a voice note by mistake. Do you have the blue jacket in size M?",
                ),
                reply(
                    3 * 24 * 60 - 30,
                    "Hi Lukas! Yes, the blue jacket is back in M.",
                    READ,
                ),
                Step::In {
                    minutes_ago: 3 * 24 * 60 - 33,
                    kind: "sticker",
                    object: json!({ "mime_type": "image/webp", "sha256": "6a7b8c9d0e", "id": "4432109876543210", "animated": false }),
                    replying_to: None,
                },
                text(3 * 24 * 60 - 34, "Ordered, thanks!"),
            ],
        ),
    ]
}

/// Why the demo inbox could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] quire_store::StoreError),
    #[error(transparent)]
    Delivery(#[from] OwnDeliveryError),
}

/// Plays the script into `connection`'s project, as it would have happened up to now.
pub async fn play(state: &AppState, connection: &WhatsappConnection) -> Result<(), DemoError> {
    let now_secs = now_ms() / 1000;
    let store = &state.store;
    for (c, (contact, steps)) in script().into_iter().enumerate() {
        let wamid = |step: usize| format!("wamid.demo.{c}.{step}");
        let mut conversation_id = None;
        for (n, step) in steps.into_iter().enumerate() {
            match step {
                Step::In {
                    minutes_ago,
                    kind,
                    mut object,
                    replying_to,
                } => {
                    let mut replied = replying_to.map(wamid);
                    // A reaction names the message it reacts to in its own object.
                    if kind == "reaction" {
                        object["message_id"] = json!(replied.take());
                    }
                    let message = message(
                        &wamid(n),
                        now_secs - minutes_ago * 60,
                        kind,
                        object,
                        replied.as_deref(),
                    );
                    deliver(
                        state,
                        connection,
                        &message_delivery(connection, contact, message),
                    )
                    .await?;
                    if conversation_id.is_none() {
                        conversation_id = store
                            .message_by_wamid(&connection.project_id, &wamid(n))
                            .await?
                            .map(|m| m.conversation_id);
                    }
                }
                Step::Out {
                    minutes_ago,
                    text,
                    reached,
                } => {
                    let Some(id) = &conversation_id else { continue };
                    // The agent read the thread before answering.
                    let Some(conversation) =
                        super::conversations::mark_read(store, &connection.project_id, id).await?
                    else {
                        continue;
                    };
                    let sent_at = now_secs - minutes_ago * 60;
                    let pending =
                        record_outgoing(store, &conversation, text, Author::Quire, sent_at * 1000)
                            .await?;
                    let sent = wamid(n);
                    record_send_result(
                        store,
                        &conversation,
                        &pending.id,
                        &SendOutcome::Sent { wamid: &sent },
                    )
                    .await?;
                    for (k, status) in reached.iter().enumerate() {
                        let at = sent_at + 30 * (i64::try_from(k).unwrap_or(0) + 1);
                        deliver(
                            state,
                            connection,
                            &status_delivery(connection, &sent, status, at),
                        )
                        .await?;
                    }
                }
            }
        }
    }
    Ok(())
}
