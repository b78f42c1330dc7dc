//! The WhatsApp Cloud API, for replies: `POST {base}/{phone_number_id}/messages` with the
//! connection's access token. The base URL is a setting (`whatsapp_api_url`), so tests and
//! staging send to a stand-in; nothing else here knows Meta's host.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

/// How long a send may take before it counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// How much of an answer that is not Meta's error shape a failure repeats.
const SHOWN_BODY_CHARS: usize = 200;

#[derive(Clone)]
pub struct CloudApi {
    client: reqwest::Client,
    base_url: String,
}

/// Whom a message goes to: the contact's phone number (`to`), or their business-scoped user
/// id (`recipient`) where WhatsApp gave no number.
#[derive(Clone, Copy, Debug)]
pub enum Recipient<'a> {
    PhoneNumber(&'a str),
    BusinessUser(&'a str),
}

/// Why the Cloud API did not take a message, as the message keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub code: Option<i64>,
    pub title: String,
    pub message: String,
    pub details: Option<String>,
}

impl SendError {
    /// `{code, title, message, details}`, the error shape of every failed message.
    pub fn to_value(&self) -> Value {
        json!({
            "code": self.code,
            "title": self.title,
            "message": self.message,
            "details": self.details,
        })
    }
}

/// Meta's error body: `{"error": {message, type, code, error_data: {details}, …}}`.
#[derive(Deserialize)]
struct ErrorBody {
    error: GraphError,
}

#[derive(Deserialize)]
struct GraphError {
    message: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<i64>,
    error_user_title: Option<String>,
    error_data: Option<GraphErrorData>,
}

#[derive(Deserialize)]
struct GraphErrorData {
    details: Option<String>,
}

/// Meta's answer to a send: `{"messages": [{"id": "wamid…"}]}`.
#[derive(Deserialize)]
struct Sent {
    messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    id: String,
}

impl CloudApi {
    pub fn new(base_url: &str) -> Self {
        let client = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .build()
            .expect("an HTTP client with a timeout builds");
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Sends `text` from the number `phone_number_id` to `recipient`; answers the new
    /// message's `wamid`.
    pub async fn send_text(
        &self,
        phone_number_id: &str,
        access_token: &str,
        recipient: Recipient<'_>,
        text: &str,
    ) -> Result<String, SendError> {
        let mut request = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "type": "text",
            "text": { "body": text, "preview_url": false },
        });
        match recipient {
            Recipient::PhoneNumber(number) => request["to"] = json!(number),
            Recipient::BusinessUser(user_id) => request["recipient"] = json!(user_id),
        }
        let url = format!("{}/{phone_number_id}/messages", self.base_url);
        let response = self
            .client
            .post(&url)
            .bearer_auth(access_token)
            .json(&request)
            .send()
            .await
            .map_err(|error| SendError {
                code: None,
                title: "WhatsApp Cloud API unreachable".to_owned(),
                message: format!(
                    "could not reach the WhatsApp Cloud API ({}): {error}",
                    self.base_url
                ),
                details: None,
            })?;
        let status = response.status();
        let body = response.bytes().await.unwrap_or_default();
        if status.is_success()
            && let Ok(sent) = serde_json::from_slice::<Sent>(&body)
            && let Some(first) = sent.messages.into_iter().next()
        {
            return Ok(first.id);
        }
        Err(match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(ErrorBody { error }) => SendError {
                code: error.code,
                title: error
                    .error_user_title
                    .or(error.kind)
                    .unwrap_or_else(|| format!("HTTP {status}")),
                message: error
                    .message
                    .unwrap_or_else(|| "the WhatsApp Cloud API refused the message".to_owned()),
                details: error.error_data.and_then(|data| data.details),
            },
            Err(_) => SendError {
                code: None,
                title: format!("HTTP {status}"),
                message: format!(
                    "the WhatsApp Cloud API answered {status} with no message id: {}",
                    String::from_utf8_lossy(&body)
                        .chars()
                        .take(SHOWN_BODY_CHARS)
                        .collect::<String>()
                ),
                details: None,
            },
        })
    }
}
