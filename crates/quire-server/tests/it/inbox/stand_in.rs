//! A stand-in for the WhatsApp Cloud API on a loopback port: it checks each send's path,
//! bearer token and JSON the way Meta's endpoint does and answers in Meta's shapes, so
//! replies are tested end to end without anything leaving the machine. The contact
//! `OUTSIDE_WINDOW` last wrote more than 24 hours ago: sends to it fail with 131047.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::{ACCESS_TOKEN, NUMBER_ID};

/// The API version the stand-in serves, as Quire's default base URL names it.
const VERSION: &str = "v21.0";
/// A contact outside the 24-hour customer service window.
pub const OUTSIDE_WINDOW: &str = "819012345678";

/// One send the stand-in took.
#[derive(Clone, Debug)]
pub struct Sent {
    pub path: String,
    pub body: Value,
}

#[derive(Default)]
struct Shared {
    sent: Mutex<Vec<Sent>>,
    /// The wamids to answer with, in order; then made-up ones.
    wamids: Mutex<VecDeque<String>>,
    /// The next send's answer waits for this; see [`StandIn::hold_next_answer`].
    hold: Mutex<Option<Hold>>,
}

/// The stand-in's end of a held answer.
struct Hold {
    arrived: oneshot::Sender<()>,
    release: oneshot::Receiver<()>,
}

/// The test's end of a held answer.
pub struct HeldAnswer {
    arrived: oneshot::Receiver<()>,
    release: oneshot::Sender<()>,
}

impl HeldAnswer {
    /// Waits until the send has reached the stand-in (its answer is then waiting).
    pub async fn arrived(&mut self) {
        (&mut self.arrived)
            .await
            .expect("the stand-in took the held send");
    }

    /// Lets the stand-in answer.
    pub fn release(self) {
        let _ = self.release.send(());
    }
}

pub struct StandIn {
    /// What `whatsapp_api_url` should be.
    pub base_url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl StandIn {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let router = Router::new()
            .route(
                &format!("/{VERSION}/{{phone_number_id}}/messages"),
                post(send),
            )
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            base_url: format!("http://{address}/{VERSION}"),
            shared,
            server,
        }
    }

    /// Answers the next send with `wamid`.
    pub fn answer_with(&self, wamid: &str) {
        self.shared
            .wamids
            .lock()
            .unwrap()
            .push_back(wamid.to_owned());
    }

    /// Makes the next send wait, once taken, until the test releases it: as when Meta's answer
    /// is slow and the message's first status webhooks come before it.
    pub fn hold_next_answer(&self) -> HeldAnswer {
        let (arrived_tx, arrived_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        *self.shared.hold.lock().unwrap() = Some(Hold {
            arrived: arrived_tx,
            release: release_rx,
        });
        HeldAnswer {
            arrived: arrived_rx,
            release: release_tx,
        }
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.shared.sent.lock().unwrap().clone()
    }
}

fn graph_error(status: StatusCode, code: i64, message: &str, details: &str) -> Response {
    let body = json!({
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": { "messaging_product": "whatsapp", "details": details },
            "fbtrace_id": "AbCdEfGh123",
        }
    });
    (status, axum::Json(body)).into_response()
}

/// Why `body` is not a text message as the Cloud API takes it, if it is not.
fn shape_error(body: &Value) -> Option<String> {
    let Some(object) = body.as_object() else {
        return Some("the body is not a JSON object".to_owned());
    };
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let recipient = match (body.get("to"), body.get("recipient")) {
        (Some(_), None) => "to",
        (None, Some(_)) => "recipient",
        _ => {
            return Some(format!(
                "exactly one of `to` and `recipient` is needed: {keys:?}"
            ));
        }
    };
    let mut expected = vec![
        "messaging_product",
        "recipient_type",
        "text",
        "type",
        recipient,
    ];
    expected.sort_unstable();
    if keys != expected {
        return Some(format!("keys {keys:?}, expected {expected:?}"));
    }
    let text = &body["text"];
    let checks = [
        (
            body["messaging_product"] == "whatsapp",
            "messaging_product must be \"whatsapp\"",
        ),
        (
            body["recipient_type"] == "individual",
            "recipient_type must be \"individual\"",
        ),
        (body["type"] == "text", "type must be \"text\""),
        (
            body[recipient].as_str().is_some_and(|r| !r.is_empty()),
            "the recipient must be a string",
        ),
        (
            text["body"]
                .as_str()
                .is_some_and(|t| (1..=4096).contains(&t.chars().count())),
            "text.body must be 1 to 4096 characters",
        ),
        (
            text["preview_url"] == false,
            "text.preview_url must be false",
        ),
        (
            text.as_object().is_some_and(|t| t.len() == 2),
            "text has body and preview_url only",
        ),
    ];
    checks
        .into_iter()
        .find(|(ok, _)| !ok)
        .map(|(_, why)| why.to_owned())
}

async fn send(
    State(shared): State<Arc<Shared>>,
    Path(phone_number_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared.sent.lock().unwrap().push(Sent {
        path: format!("/{VERSION}/{phone_number_id}/messages"),
        body: body.clone(),
    });
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(ACCESS_TOKEN) {
        return graph_error(
            StatusCode::UNAUTHORIZED,
            190,
            "Invalid OAuth access token - Cannot parse access token",
            "the bearer token is not the connection's access token",
        );
    }
    if phone_number_id != NUMBER_ID && phone_number_id != super::SECOND_NUMBER_ID {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "Unsupported post request. Object with ID does not exist",
            "no such phone number id",
        );
    }
    if let Some(why) = shape_error(&body) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "(#100) Invalid parameter",
            &why,
        );
    }
    let recipient = body["to"]
        .as_str()
        .or(body["recipient"].as_str())
        .unwrap_or_default();
    if recipient == OUTSIDE_WINDOW {
        return graph_error(
            StatusCode::BAD_REQUEST,
            131_047,
            "(#131047) Re-engagement message",
            "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        );
    }
    let wamid = shared
        .wamids
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| format!("wamid.stand-in.{}", shared.sent.lock().unwrap().len()));
    let hold = shared.hold.lock().unwrap().take();
    if let Some(hold) = hold {
        let _ = hold.arrived.send(());
        let _ = hold.release.await;
    }
    let contact = if body.get("to").is_some() {
        json!({ "input": recipient, "wa_id": recipient })
    } else {
        json!({ "input": recipient, "user_id": recipient })
    };
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [contact],
        "messages": [{ "id": wamid }],
    }))
    .into_response()
}
