//! Messages as Meta sends them, and what Quire stores of them.
//!
//! The benchmark plays Meta: it writes each incoming message in the Cloud API's webhook
//! format (`{id, from, timestamp, type, <type>: {…}}` inside `entry[].changes[].value`) and
//! signs the body with the connection's app secret (`X-Hub-Signature-256`). The seed writes
//! the same messages straight through the store, so it needs what ingestion derives from a
//! message: the body (text, caption or file name, place, emoji, button title), the list
//! preview and the stored data (the type's object, plus `context`). [`Incoming::stored`]
//! derives them as `quire_server::inbox::webhook` does for these types; the benchmark checks
//! that the two agree on real deliveries before it seeds (`seed::check_stored_form`).

use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::people::Person;
use crate::texts;

/// The longest preview a conversation keeps (as `inbox::ingest` cuts it), in characters.
const PREVIEW_CHARS: usize = 200;

/// One incoming message, before it is wrapped in a delivery.
#[derive(Clone, Debug)]
pub struct Incoming {
    pub wamid: String,
    /// Meta's type.
    pub kind: &'static str,
    /// The type's object.
    pub object: Value,
    /// The message it answers (a button reply answers the team's message).
    pub context: Option<Value>,
    /// Seconds since the epoch, as Meta's `timestamp`.
    pub sent_at_secs: i64,
}

/// What Quire stores of an incoming message.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub body: Option<String>,
    pub preview: String,
    pub data: Value,
}

impl Incoming {
    /// A message of a realistic type: mostly text, then photos, voice notes, stickers,
    /// reactions to the team's last answer, documents, places and button replies.
    /// `answered` is the wamid of the team's latest message in the conversation, if any.
    pub fn random(
        rng: &mut impl Rng,
        wamid: String,
        sent_at_secs: i64,
        answered: Option<&str>,
    ) -> Self {
        let roll = rng.gen_range(0..100);
        let (kind, object, context) = match (roll, answered) {
            (80..87, _) => {
                let mut image = json!({ "mime_type": "image/jpeg", "sha256": media_hash(rng), "id": media_id(rng) });
                if let Some(caption) = texts::caption(rng) {
                    image["caption"] = json!(caption);
                }
                ("image", image, None)
            }
            (87..91, _) => (
                "audio",
                json!({ "mime_type": "audio/ogg; codecs=opus", "sha256": media_hash(rng), "id": media_id(rng), "voice": true }),
                None,
            ),
            (91..93, _) => (
                "sticker",
                json!({ "mime_type": "image/webp", "sha256": media_hash(rng), "id": media_id(rng), "animated": false }),
                None,
            ),
            (93..95, _) => {
                let mut document = json!({ "filename": texts::filename(rng), "mime_type": "application/pdf", "sha256": media_hash(rng), "id": media_id(rng) });
                if rng.gen_bool(0.5) {
                    document["caption"] = json!(texts::ask(rng));
                }
                ("document", document, None)
            }
            (95..96, _) => {
                let (name, address) = texts::place(rng);
                (
                    "location",
                    json!({ "latitude": rng.gen_range(-40.0..50.0), "longitude": rng.gen_range(-100.0..120.0), "name": name, "address": address }),
                    None,
                )
            }
            (96..98, Some(answered)) => {
                let emoji = ["👍", "❤️", "🙏", "😂"][rng.gen_range(0..4)];
                (
                    "reaction",
                    json!({ "message_id": answered, "emoji": emoji }),
                    None,
                )
            }
            (98..100, Some(answered)) => {
                let (id, title) = [
                    ("yes", "Yes, please"),
                    ("no", "No, thanks"),
                    ("agent", "Talk to a person"),
                ][rng.gen_range(0..3)];
                (
                    "interactive",
                    json!({ "type": "button_reply", "button_reply": { "id": id, "title": title } }),
                    Some(json!({ "id": answered })),
                )
            }
            _ => ("text", json!({ "body": texts::ask(rng) }), None),
        };
        Self {
            wamid,
            kind,
            object,
            context,
            sent_at_secs,
        }
    }

    /// The message in Meta's format, sent by `from`.
    pub fn to_meta(&self, from: &Person) -> Value {
        let mut message = json!({ "id": self.wamid, "timestamp": self.sent_at_secs.to_string(), "type": self.kind });
        // A contact who hides their number is named by the delivery's contact alone.
        if let Some(wa_id) = &from.wa_id {
            message["from"] = json!(wa_id);
        }
        message[self.kind] = self.object.clone();
        if let Some(context) = &self.context {
            message["context"] = context.clone();
        }
        message
    }

    /// When it was sent, in the store's milliseconds.
    pub fn sent_at_ms(&self) -> i64 {
        self.sent_at_secs * 1000
    }

    /// Body, preview and data as ingestion stores them (see `inbox::webhook::Content`).
    pub fn stored(&self) -> Stored {
        let text = |key: &str| {
            self.object
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let (body, label) = match self.kind {
            "text" => (text("body"), None),
            "image" | "audio" | "sticker" | "document" => (
                text("caption").or_else(|| text("filename")),
                Some(match self.kind {
                    "image" => "Photo",
                    "audio" => "Audio",
                    "sticker" => "Sticker",
                    _ => "Document",
                }),
            ),
            "location" => {
                let parts: Vec<String> = [text("name"), text("address")]
                    .into_iter()
                    .flatten()
                    .collect();
                (
                    (!parts.is_empty()).then(|| parts.join(", ")),
                    Some("Location"),
                )
            }
            "reaction" => (text("emoji"), Some("Reacted")),
            "interactive" => (
                self.object
                    .pointer("/button_reply/title")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                Some("Replied"),
            ),
            other => unreachable!("the benchmark makes no {other} messages"),
        };
        let preview = match (label, &body) {
            (None, body) => body.clone().unwrap_or_default(),
            (Some(label), Some(body)) => format!("{label}: {body}"),
            (Some(label), None) => label.to_owned(),
        };
        let mut data = match &self.object {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        if let Some(context) = &self.context {
            data.insert("context".to_owned(), context.clone());
        }
        Stored {
            body,
            preview: preview.chars().take(PREVIEW_CHARS).collect(),
            data: Value::Object(data),
        }
    }
}

/// A WhatsApp number connected to the benchmark's project.
#[derive(Clone, Debug)]
pub struct Number {
    /// The connection's id in Quire.
    pub connection_id: String,
    pub phone_number_id: String,
    /// The number as people read it (`display_phone_number`).
    pub display: String,
    pub app_secret: String,
}

/// One delivery of `message` from `from` to `number`, as Meta posts it: the body and its
/// `X-Hub-Signature-256`.
pub fn signed_delivery(number: &Number, from: &Person, message: &Incoming) -> (Vec<u8>, String) {
    let mut profile = json!({ "name": from.name });
    if let Some(username) = &from.username {
        profile["username"] = json!(username);
    }
    let mut contact = json!({ "profile": profile });
    if let Some(wa_id) = &from.wa_id {
        contact["wa_id"] = json!(wa_id);
    }
    if let Some(user_id) = &from.user_id {
        contact["user_id"] = json!(user_id);
    }
    let delivery = json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "102290129340398",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {
                        "display_phone_number": number.display,
                        "phone_number_id": number.phone_number_id,
                    },
                    "contacts": [contact],
                    "messages": [message.to_meta(from)],
                },
            }],
        }],
    });
    let body = delivery.to_string().into_bytes();
    let signature = sign(&number.app_secret, &body);
    (body, signature)
}

/// `sha256=<hex HMAC-SHA256 of body under app_secret>`, as Meta signs.
fn sign(app_secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A wamid shaped like Meta's (`wamid.` and base64), unique for `tag`.
pub fn wamid(tag: &str) -> String {
    use base64::Engine as _;
    let raw = format!("\x0b\x15\x02\x00\x12\x18\x14BENCH{tag}");
    format!(
        "wamid.HBgL{}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

fn media_id(rng: &mut impl Rng) -> String {
    rng.gen_range(1_000_000_000_000_000_u64..9_999_999_999_999_999)
        .to_string()
}

fn media_hash(rng: &mut impl Rng) -> String {
    hex::encode(rng.r#gen::<[u8; 32]>())
}
