//! Meta's webhook payload as typed deliveries. [`parse`] reads a whole delivery before anything
//! is stored: a body that is not JSON, or not Meta's shape, is refused as a whole with a
//! message naming where it went wrong. What Meta may add later is kept rather than refused: a
//! message type Quire does not know is stored with its type and its object, a change of
//! another field or a status Quire does not know is counted and skipped.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use quire_store::MessageStatus;

/// The `object` of every WhatsApp Business delivery.
const OBJECT: &str = "whatsapp_business_account";
/// The change field that carries messages and statuses.
const MESSAGES_FIELD: &str = "messages";
/// The longest id (`wamid`, phone number id, `wa_id`, user id) taken; Meta's are far shorter.
const MAX_ID_BYTES: usize = 512;

/// Why a body is not a delivery; nothing of it is stored.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("the body is not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("the body is not a WhatsApp Business delivery: {0}")]
    NotMeta(String),
}

/// A delivery, read: the changes of every entry that carry messages or statuses.
#[derive(Debug, Default)]
pub struct Delivery {
    pub changes: Vec<Change>,
    /// Changes of other fields (`account_update`, template statuses, …), skipped.
    pub other_fields: usize,
}

/// What happened on one business number.
#[derive(Debug)]
pub struct Change {
    pub phone_number_id: String,
    pub display_phone_number: Option<String>,
    pub messages: Vec<IncomingMessage>,
    pub statuses: Vec<StatusUpdate>,
    /// Statuses Quire does not know (neither sent, delivered, read nor failed), skipped.
    pub other_statuses: usize,
}

/// Who wrote a message: by phone number (`wa_id`), business-scoped user id, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
}

impl Sender {
    /// What the sender's conversation is looked up by: the `wa_id`, else the business-scoped
    /// user id.
    pub fn contact_key(&self) -> Option<&str> {
        self.wa_id.as_deref().or(self.user_id.as_deref())
    }
}

#[derive(Debug)]
pub struct IncomingMessage {
    pub wamid: String,
    pub sender: Sender,
    /// When WhatsApp says it was sent, in Unix milliseconds.
    pub sent_at: i64,
    /// Meta's type, as sent (`text`, `image`, …, or one Quire does not know).
    pub kind: String,
    pub content: Content,
    /// The type's object as Meta sent it, with `context` (what it replies to) and `errors`
    /// (why WhatsApp could not show it) when the message had them.
    pub data: Value,
}

/// A message's content, by type. Media is kept as metadata (ids, type, hash, caption); the
/// bytes stay with Meta.
#[derive(Debug, PartialEq)]
pub enum Content {
    Text {
        body: String,
    },
    Media {
        kind: MediaKind,
        media: Media,
    },
    Location(Location),
    Contacts {
        names: Vec<String>,
    },
    /// A reaction to `message_id`; no emoji when the contact took their reaction back.
    Reaction {
        message_id: String,
        emoji: Option<String>,
    },
    /// A tap on a reply button or a list row of an interactive message.
    Interactive(Interactive),
    /// A tap on a template's quick-reply button.
    Button {
        text: String,
        payload: Option<String>,
    },
    /// WhatsApp's own notice (a contact changed their number, …).
    System {
        body: Option<String>,
        kind: Option<String>,
    },
    /// A message WhatsApp cannot show to businesses (`errors` in the data say why).
    Unsupported,
    /// A type Quire does not know yet; its object is in the data.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Audio,
    Video,
    Document,
    Sticker,
}

#[derive(Debug, PartialEq, Deserialize)]
pub struct Media {
    pub id: Option<String>,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub caption: Option<String>,
    pub filename: Option<String>,
}

#[derive(Debug, PartialEq, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub name: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, PartialEq)]
pub enum Interactive {
    ButtonReply {
        id: String,
        title: String,
    },
    ListReply {
        id: String,
        title: String,
    },
    /// Another kind of interactive answer (a flow's `nfm_reply`, …), by its type.
    Other {
        kind: String,
    },
}

/// A status update of a message the business sent.
#[derive(Debug)]
pub struct StatusUpdate {
    pub wamid: String,
    pub status: MessageStatus,
    /// When WhatsApp says it happened, in Unix milliseconds.
    pub at: i64,
    /// Why it failed: `{code, title, message, details}` of Meta's first error.
    pub error: Option<Value>,
}

impl Content {
    /// The message's text as the thread and the search show it: the text, caption, reaction
    /// emoji, button or row title, place, shared names, or WhatsApp's notice.
    pub fn body(&self) -> Option<String> {
        match self {
            Self::Text { body } => Some(body.clone()),
            Self::Media { media, .. } => media.caption.clone().or_else(|| media.filename.clone()),
            Self::Location(location) => {
                let parts: Vec<&str> = [&location.name, &location.address]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            }
            Self::Contacts { names } => (!names.is_empty()).then(|| names.join(", ")),
            Self::Reaction { emoji, .. } => emoji.clone(),
            Self::Interactive(
                Interactive::ButtonReply { title, .. } | Interactive::ListReply { title, .. },
            ) => Some(title.clone()),
            Self::Button { text, .. } => Some(text.clone()),
            Self::System { body, .. } => body.clone(),
            Self::Interactive(Interactive::Other { .. }) | Self::Unsupported | Self::Other => None,
        }
    }

    /// One line for the conversation list.
    pub fn preview(&self, kind: &str) -> String {
        let body = self.body();
        let label = match self {
            Self::Text { .. } | Self::System { .. } => return body.unwrap_or_default(),
            Self::Media { kind, .. } => match kind {
                MediaKind::Image => "Photo",
                MediaKind::Audio => "Audio",
                MediaKind::Video => "Video",
                MediaKind::Document => "Document",
                MediaKind::Sticker => "Sticker",
            },
            Self::Location(_) => "Location",
            Self::Contacts { .. } => "Contact",
            Self::Reaction { emoji: Some(_), .. } => "Reacted",
            Self::Reaction { emoji: None, .. } => return "Removed a reaction".to_owned(),
            Self::Interactive(_) | Self::Button { .. } => "Replied",
            Self::Unsupported => return "A message WhatsApp cannot show here".to_owned(),
            Self::Other => return format!("A {kind} message"),
        };
        match body {
            Some(body) => format!("{label}: {body}"),
            None => label.to_owned(),
        }
    }
}

// The wire format, as Meta sends it.

#[derive(Deserialize)]
struct WireDelivery {
    object: String,
    entry: Vec<WireEntry>,
}

#[derive(Deserialize)]
struct WireEntry {
    #[serde(default)]
    changes: Vec<WireChange>,
}

#[derive(Deserialize)]
struct WireChange {
    field: String,
    value: Value,
}

#[derive(Deserialize)]
struct WireValue {
    metadata: WireMetadata,
    #[serde(default)]
    contacts: Vec<WireContact>,
    #[serde(default)]
    messages: Vec<WireMessage>,
    #[serde(default)]
    statuses: Vec<WireStatus>,
}

#[derive(Deserialize)]
struct WireMetadata {
    phone_number_id: String,
    display_phone_number: Option<String>,
}

#[derive(Deserialize)]
struct WireContact {
    wa_id: Option<String>,
    user_id: Option<String>,
    #[serde(default)]
    profile: WireProfile,
}

#[derive(Default, Deserialize)]
struct WireProfile {
    name: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    id: String,
    from: Option<String>,
    from_user_id: Option<String>,
    timestamp: Timestamp,
    #[serde(rename = "type")]
    kind: String,
    context: Option<Value>,
    errors: Option<Value>,
    /// The type's object (`text`, `image`, …) and whatever else Meta sends.
    #[serde(flatten)]
    objects: Map<String, Value>,
}

#[derive(Deserialize)]
struct WireStatus {
    id: String,
    status: String,
    timestamp: Timestamp,
    #[serde(default)]
    errors: Vec<WireError>,
}

#[derive(Deserialize)]
struct WireError {
    code: Option<i64>,
    title: Option<String>,
    message: Option<String>,
    error_data: Option<WireErrorData>,
}

#[derive(Deserialize)]
struct WireErrorData {
    details: Option<String>,
}

/// Unix seconds, which Meta sends as a string of digits.
#[derive(Deserialize)]
#[serde(untagged)]
enum Timestamp {
    Text(String),
    Number(i64),
}

impl Timestamp {
    fn millis(&self, what: &str) -> Result<i64, ParseError> {
        let seconds = match self {
            Self::Text(text) => text.parse::<i64>().ok(),
            Self::Number(number) => Some(*number),
        };
        seconds
            .filter(|s| (0..=32_503_680_000).contains(s))
            .map(|s| s * 1000)
            .ok_or_else(|| {
                ParseError::NotMeta(format!(
                    "{what}'s timestamp is not Unix seconds (such as \"1764844800\")"
                ))
            })
    }
}

impl WireError {
    /// The error as Quire keeps it on a message.
    fn to_value(&self) -> Value {
        json!({
            "code": self.code,
            "title": self.title,
            "message": self.message,
            "details": self.error_data.as_ref().and_then(|d| d.details.clone()),
        })
    }
}

fn not_meta(message: impl Into<String>) -> ParseError {
    ParseError::NotMeta(message.into())
}

fn check_id(what: &str, id: &str) -> Result<(), ParseError> {
    if id.is_empty() || id.len() > MAX_ID_BYTES {
        return Err(not_meta(format!(
            "{what} must be 1 to {MAX_ID_BYTES} bytes; it is {}",
            id.len()
        )));
    }
    Ok(())
}

/// Reads a delivery's raw body.
pub fn parse(body: &[u8]) -> Result<Delivery, ParseError> {
    let wire: WireDelivery = serde_json::from_slice(body).map_err(|error| {
        if error.is_data() {
            not_meta(error.to_string())
        } else {
            ParseError::NotJson(error)
        }
    })?;
    if wire.object != OBJECT {
        return Err(not_meta(format!(
            "`object` is {:?}; WhatsApp deliveries say {OBJECT:?}",
            crate::validate::shown(&wire.object)
        )));
    }
    let mut delivery = Delivery::default();
    for (e, entry) in wire.entry.into_iter().enumerate() {
        for (c, change) in entry.changes.into_iter().enumerate() {
            if change.field != MESSAGES_FIELD {
                delivery.other_fields += 1;
                continue;
            }
            let at = format!("entry[{e}].changes[{c}].value");
            let value: WireValue = serde_json::from_value(change.value)
                .map_err(|error| not_meta(format!("{at}: {error}")))?;
            delivery.changes.push(read_change(value, &at)?);
        }
    }
    Ok(delivery)
}

fn read_change(value: WireValue, at: &str) -> Result<Change, ParseError> {
    check_id(
        &format!("{at}.metadata.phone_number_id"),
        &value.metadata.phone_number_id,
    )?;
    let mut messages = Vec::with_capacity(value.messages.len());
    for (m, message) in value.messages.into_iter().enumerate() {
        let at = format!("{at}.messages[{m}]");
        messages.push(read_message(message, &value.contacts, &at)?);
    }
    let mut statuses = Vec::with_capacity(value.statuses.len());
    let mut other_statuses = 0;
    for (s, status) in value.statuses.into_iter().enumerate() {
        let at = format!("{at}.statuses[{s}]");
        check_id(&format!("{at}.id"), &status.id)?;
        let known = match status.status.as_str() {
            "sent" => MessageStatus::Sent,
            "delivered" => MessageStatus::Delivered,
            "read" => MessageStatus::Read,
            "failed" => MessageStatus::Failed,
            _ => {
                other_statuses += 1;
                continue;
            }
        };
        statuses.push(StatusUpdate {
            at: status.timestamp.millis(&at)?,
            error: status.errors.first().map(WireError::to_value),
            wamid: status.id,
            status: known,
        });
    }
    Ok(Change {
        phone_number_id: value.metadata.phone_number_id,
        display_phone_number: value.metadata.display_phone_number,
        messages,
        statuses,
        other_statuses,
    })
}

/// The contact a message is from: the one whose `wa_id` is its `from` (or whose `user_id` is
/// its `from_user_id`), else, for a message that names no sender, the delivery's only contact.
fn sender(message: &WireMessage, contacts: &[WireContact]) -> Option<Sender> {
    let matching = contacts.iter().find(|contact| {
        (message.from.is_some() && contact.wa_id == message.from)
            || (message.from_user_id.is_some() && contact.user_id == message.from_user_id)
    });
    let unnamed = message.from.is_none() && message.from_user_id.is_none();
    let contact = matching.or(match contacts {
        [only] if unnamed => Some(only),
        _ => None,
    });
    let sender = Sender {
        wa_id: contact
            .and_then(|c| c.wa_id.clone())
            .or_else(|| message.from.clone()),
        user_id: contact
            .and_then(|c| c.user_id.clone())
            .or_else(|| message.from_user_id.clone()),
        username: contact.and_then(|c| c.profile.username.clone()),
        name: contact.and_then(|c| c.profile.name.clone()),
    };
    (sender.wa_id.is_some() || sender.user_id.is_some()).then_some(sender)
}

fn read_message(
    mut message: WireMessage,
    contacts: &[WireContact],
    at: &str,
) -> Result<IncomingMessage, ParseError> {
    check_id(&format!("{at}.id"), &message.id)?;
    let sender = sender(&message, contacts).ok_or_else(|| {
        not_meta(format!(
            "{at} names no sender: it has no `from` or `from_user_id`, and no contact of the change has a `wa_id` or `user_id`"
        ))
    })?;
    for id in [&sender.wa_id, &sender.user_id].into_iter().flatten() {
        check_id(&format!("{at}'s sender id"), id)?;
    }
    let kind = message.kind.clone();
    if kind.is_empty() || kind.len() > 64 {
        return Err(not_meta(format!("{at}.type must be 1 to 64 bytes")));
    }
    let object = message.objects.remove(&kind);
    let content = read_content(&kind, object.as_ref())
        .map_err(|error| not_meta(format!("{at}.{kind}: {error}")))?;
    let mut data = match object {
        Some(Value::Object(map)) => map,
        Some(other) => Map::from_iter([(kind.clone(), other)]),
        None => Map::new(),
    };
    if let Some(context) = message.context.take() {
        data.insert("context".to_owned(), context);
    }
    if let Some(errors) = message.errors.take() {
        data.insert("errors".to_owned(), errors);
    }
    Ok(IncomingMessage {
        sent_at: message.timestamp.millis(at)?,
        wamid: message.id,
        sender,
        kind,
        content,
        data: Value::Object(data),
    })
}

fn read_content(kind: &str, object: Option<&Value>) -> Result<Content, serde_json::Error> {
    fn typed<T: serde::de::DeserializeOwned>(
        object: Option<&Value>,
    ) -> Result<T, serde_json::Error> {
        T::deserialize(object.unwrap_or(&Value::Null))
    }
    let media = |kind| -> Result<Content, serde_json::Error> {
        Ok(Content::Media {
            kind,
            media: typed(object)?,
        })
    };
    Ok(match kind {
        "text" => {
            #[derive(Deserialize)]
            struct Text {
                body: String,
            }
            Content::Text {
                body: typed::<Text>(object)?.body,
            }
        }
        "image" => media(MediaKind::Image)?,
        "audio" => media(MediaKind::Audio)?,
        "video" => media(MediaKind::Video)?,
        "document" => media(MediaKind::Document)?,
        "sticker" => media(MediaKind::Sticker)?,
        "location" => Content::Location(typed(object)?),
        "contacts" => {
            #[derive(Deserialize)]
            struct Card {
                name: Option<CardName>,
            }
            #[derive(Deserialize)]
            struct CardName {
                formatted_name: Option<String>,
            }
            let cards: Vec<Card> = typed(object)?;
            Content::Contacts {
                names: cards
                    .into_iter()
                    .filter_map(|card| card.name?.formatted_name)
                    .collect(),
            }
        }
        "reaction" => {
            #[derive(Deserialize)]
            struct Reaction {
                message_id: String,
                emoji: Option<String>,
            }
            let reaction: Reaction = typed(object)?;
            Content::Reaction {
                message_id: reaction.message_id,
                emoji: reaction.emoji.filter(|emoji| !emoji.is_empty()),
            }
        }
        "interactive" => Content::Interactive(read_interactive(object)?),
        "button" => {
            #[derive(Deserialize)]
            struct Button {
                text: String,
                payload: Option<String>,
            }
            let button: Button = typed(object)?;
            Content::Button {
                text: button.text,
                payload: button.payload,
            }
        }
        "system" => {
            #[derive(Deserialize)]
            struct System {
                body: Option<String>,
                #[serde(rename = "type")]
                kind: Option<String>,
            }
            let system: System = typed(object)?;
            Content::System {
                body: system.body,
                kind: system.kind,
            }
        }
        "unsupported" => Content::Unsupported,
        _ => Content::Other,
    })
}

fn read_interactive(object: Option<&Value>) -> Result<Interactive, serde_json::Error> {
    #[derive(Deserialize)]
    struct Wire {
        #[serde(rename = "type")]
        kind: String,
        button_reply: Option<Reply>,
        list_reply: Option<Reply>,
    }
    #[derive(Deserialize)]
    struct Reply {
        id: String,
        title: String,
    }
    let wire = Wire::deserialize(object.unwrap_or(&Value::Null))?;
    let missing =
        |field| serde::de::Error::custom(format!("type {field} without its `{field}` object"));
    Ok(match wire.kind.as_str() {
        "button_reply" => {
            let reply = wire.button_reply.ok_or_else(|| missing("button_reply"))?;
            Interactive::ButtonReply {
                id: reply.id,
                title: reply.title,
            }
        }
        "list_reply" => {
            let reply = wire.list_reply.ok_or_else(|| missing("list_reply"))?;
            Interactive::ListReply {
                id: reply.id,
                title: reply.title,
            }
        }
        _ => Interactive::Other { kind: wire.kind },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_message(message: &Value) -> Result<IncomingMessage, ParseError> {
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
                "contacts": [{ "profile": { "name": "Ken Ito" }, "wa_id": "819012345678" }],
                "messages": [message],
            }}]}],
        });
        let mut delivery = parse(body.to_string().as_bytes())?;
        Ok(delivery.changes.remove(0).messages.remove(0))
    }

    fn message(kind: &str, object: &Value) -> Value {
        json!({ "from": "819012345678", "id": "wamid.1", "timestamp": "1764845100", "type": kind, kind: object })
    }

    #[test]
    fn every_message_type_reads_into_its_content() {
        let cases = [
            (message("text", &json!({ "body": "Hi" })), "Hi"),
            (
                message(
                    "image",
                    &json!({ "caption": "the box", "mime_type": "image/jpeg", "sha256": "5f1a", "id": "147" }),
                ),
                "Photo: the box",
            ),
            (
                message(
                    "audio",
                    &json!({ "mime_type": "audio/ogg; codecs=opus", "id": "9", "voice": true }),
                ),
                "Audio",
            ),
            (
                message("video", &json!({ "id": "9", "mime_type": "video/mp4" })),
                "Video",
            ),
            (
                message(
                    "document",
                    &json!({ "id": "9", "filename": "invoice.pdf", "mime_type": "application/pdf" }),
                ),
                "Document: invoice.pdf",
            ),
            (
                message(
                    "sticker",
                    &json!({ "id": "9", "animated": false, "mime_type": "image/webp" }),
                ),
                "Sticker",
            ),
            (
                message(
                    "location",
                    &json!({ "latitude": 35.68, "longitude": 139.76, "name": "Tokyo Station" }),
                ),
                "Location: Tokyo Station",
            ),
            (
                message(
                    "contacts",
                    &json!([{ "name": { "formatted_name": "Ana Souza" }, "phones": [{ "phone": "+55 11 98765 4321" }] }]),
                ),
                "Contact: Ana Souza",
            ),
            (
                message(
                    "reaction",
                    &json!({ "message_id": "wamid.0", "emoji": "👍" }),
                ),
                "Reacted: 👍",
            ),
            (
                message("reaction", &json!({ "message_id": "wamid.0" })),
                "Removed a reaction",
            ),
            (
                message(
                    "interactive",
                    &json!({ "type": "list_reply", "list_reply": { "id": "r1", "title": "Returns", "description": "Send it back" } }),
                ),
                "Replied: Returns",
            ),
            (
                message("button", &json!({ "text": "Yes", "payload": "YES" })),
                "Replied: Yes",
            ),
            (
                message(
                    "system",
                    &json!({ "body": "Ken changed their number", "type": "user_changed_number", "new_wa_id": "819099999999" }),
                ),
                "Ken changed their number",
            ),
            (
                message("poll_update", &json!({ "votes": [1] })),
                "A poll_update message",
            ),
        ];
        for (wire, preview) in cases {
            let read = one_message(&wire).unwrap_or_else(|e| panic!("{wire}: {e}"));
            assert_eq!(read.content.preview(&read.kind), preview, "{wire}");
            assert_eq!(
                read.data,
                wire[read.kind.as_str()].as_object().map_or_else(
                    || json!({ read.kind.clone(): wire[read.kind.as_str()] }),
                    |object| Value::Object(object.clone()),
                )
            );
        }
    }

    #[test]
    fn unsupported_messages_keep_their_errors_and_replies_their_context() {
        let mut wire = message("unsupported", &json!({ "type": "poll_creation" }));
        wire["errors"] = json!([{ "code": 131_051, "title": "Message type unknown" }]);
        wire["context"] = json!({ "from": "15550783881", "id": "wamid.0" });
        let read = one_message(&wire).unwrap();
        assert_eq!(read.content, Content::Unsupported);
        assert_eq!(read.data["errors"][0]["code"], 131_051);
        assert_eq!(read.data["context"]["id"], "wamid.0");
        assert_eq!(read.data["type"], "poll_creation");
    }

    #[test]
    fn shapes_that_are_not_metas_are_refused_with_where() {
        let cases = [
            (
                json!({ "from": "1", "id": "wamid.1", "timestamp": "soon", "type": "text", "text": { "body": "x" } }),
                "timestamp",
            ),
            (
                json!({ "from": "1", "id": "wamid.1", "timestamp": "1", "type": "text", "text": {} }),
                "messages[0].text: missing field `body`",
            ),
            (
                json!({ "from": "1", "id": "", "timestamp": "1", "type": "text", "text": { "body": "x" } }),
                "messages[0].id",
            ),
            (
                json!({ "from": "1", "id": "wamid.1", "timestamp": "1", "type": "interactive", "interactive": { "type": "button_reply" } }),
                "without its `button_reply`",
            ),
        ];
        for (wire, expected) in cases {
            let error = one_message(&wire).unwrap_err().to_string();
            assert!(error.contains(expected), "{wire}: {error}");
        }
        assert!(matches!(parse(b"{not json"), Err(ParseError::NotJson(_))));
        let other = parse(br#"{"object":"page","entry":[]}"#)
            .unwrap_err()
            .to_string();
        assert!(other.contains("whatsapp_business_account"), "{other}");
        let no_metadata = parse(br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{}}]}]}"#)
            .unwrap_err()
            .to_string();
        assert!(
            no_metadata.contains("entry[0].changes[0].value: missing field `metadata`"),
            "{no_metadata}"
        );
    }

    #[test]
    fn other_fields_and_statuses_are_counted_not_refused() {
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{ "id": "1", "changes": [
                { "field": "account_update", "value": { "event": "VERIFIED_ACCOUNT" } },
                { "field": "messages", "value": {
                    "metadata": { "phone_number_id": "1" },
                    "statuses": [
                        { "id": "wamid.1", "status": "deleted", "timestamp": "1" },
                        { "id": "wamid.1", "status": "failed", "timestamp": "2",
                          "errors": [{ "code": 131_047, "title": "Re-engagement message", "message": "Re-engagement message",
                                       "error_data": { "details": "More than 24 hours" } }] },
                    ],
                }},
            ]}],
        });
        let delivery = parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(delivery.other_fields, 1);
        let change = &delivery.changes[0];
        assert_eq!(change.other_statuses, 1);
        assert_eq!(change.statuses[0].status, MessageStatus::Failed);
        assert_eq!(change.statuses[0].at, 2000);
        assert_eq!(
            change.statuses[0].error,
            Some(
                json!({ "code": 131_047, "title": "Re-engagement message", "message": "Re-engagement message", "details": "More than 24 hours" })
            )
        );
    }

    #[test]
    fn a_sender_is_found_by_from_by_user_id_or_as_the_only_contact() {
        let body = json!({
            "object": "whatsapp_business_account",
            "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
                "metadata": { "phone_number_id": "1" },
                "contacts": [
                    { "profile": { "name": "Ana" }, "wa_id": "55" },
                    { "profile": { "name": "quietfox", "username": "@quietfox" }, "user_id": "US.8Hk" },
                ],
                "messages": [
                    { "from": "55", "id": "a", "timestamp": "1", "type": "text", "text": { "body": "x" } },
                    { "from_user_id": "US.8Hk", "id": "b", "timestamp": "1", "type": "text", "text": { "body": "x" } },
                    { "id": "c", "timestamp": "1", "type": "text", "text": { "body": "x" } },
                ],
            }}]}],
        });
        let error = parse(body.to_string().as_bytes()).unwrap_err().to_string();
        assert!(error.contains("messages[2] names no sender"), "{error}");
        let stranger = one_message(&json!({ "from": "4477", "id": "d", "timestamp": "1", "type": "text", "text": { "body": "x" } }))
            .unwrap();
        assert_eq!(
            stranger.sender.wa_id.as_deref(),
            Some("4477"),
            "not the other contact's"
        );
        assert_eq!(stranger.sender.name, None);
        let mut fixed = body.clone();
        fixed["entry"][0]["changes"][0]["value"]["messages"]
            .as_array_mut()
            .unwrap()
            .pop();
        let delivery = parse(fixed.to_string().as_bytes()).unwrap();
        let senders: Vec<&Sender> = delivery.changes[0]
            .messages
            .iter()
            .map(|m| &m.sender)
            .collect();
        assert_eq!(senders[0].name.as_deref(), Some("Ana"));
        assert_eq!(senders[1].username.as_deref(), Some("@quietfox"));
        assert_eq!(senders[1].wa_id, None);
    }
}
