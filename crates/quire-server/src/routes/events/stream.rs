//! `GET /api/v1/projects/{p}/events`: the project's live events as server-sent events, for
//! every member (a browser's `EventSource` sends the session cookie; API clients send a
//! bearer token; an embedded inbox its embed token, and gets only the events of its scope).
//! Resumes after `Last-Event-ID` (or `?after=`).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use quire_store::Role;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::InboxCaller;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::live::{Access, Delivery, STREAMS_PER_EMBED, STREAMS_PER_USER};
use crate::state::AppState;

/// A comment line this often keeps proxies and browsers from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How long a stream may take to find its place before the answer is 503.
const START_TIMEOUT: Duration = Duration::from_secs(10);
const LAST_EVENT_ID: &str = "last-event-id";

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    /// Resume after this event id (when no `Last-Event-ID` header is sent); 0 sends every
    /// stored event. Absent: events from now on.
    pub after: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/events", tag = "events",
    params(("p" = String, Path, description = "project id or slug"), StreamQuery,
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event id; `EventSource` sends the id of the last event it received when it reconnects. Takes precedence over `after`.")),
    responses(
        (status = 200, content_type = "text/event-stream", body = String, description = "Server-sent events, each \
            `id: <event id>`, `event: <kind>`, `data: <JSON>`, oldest first: `page.saved` {page_id, version, build_ok} \
            and `function.called` {function_ids} and `page.previewed` {page_id, sha256, url, expires_at, context, by} (a `quire dev` build to show in every open preview; the url is signed and has no nonce) (owners and admins only), `page.published` {page_id, version}, \
            `page.unpublished` {page_id}; from the inbox `message.created` and `message.updated` {message}, \
            `conversation.updated` {conversation}, in the views the conversation routes answer with. Every stream starts with `event: ready` {after}, whose id is where it \
            starts, so a reconnect resumes from there even before the first event; a resumed stream then sends every \
            stored event after the given id. When that id is no longer stored (events are kept 24 hours, at most \
            10,000 per project), the stream starts with `event: reset` {after} instead: reload what you show, the \
            stream goes on after `after`. A comment line \
            every 15 seconds keeps the connection open. The stream ends when the caller may no longer see the \
            project (checked before each batch of events) or the server stops; reconnect with `Last-Event-ID`."),
        (status = 400, body = ErrorBody, description = "`after` or `Last-Event-ID` is not an event id"),
        (status = 404, body = ErrorBody, description = "no such project, or the caller is not a member"),
        (status = 429, body = ErrorBody, description = "the caller holds 32 streams on this server already (an embedded inbox: 1,000)"),
        (status = 503, body = ErrorBody, description = "the database did not answer in time; retry")))]
pub async fn stream(
    State(state): State<AppState>,
    caller: InboxCaller,
    Path(project): Path<String>,
    Query(query): Query<StreamQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let access = caller.require(&state, &project, Role::Member).await?;
    let sent = resume_after(&headers, query.after)?;
    let (limit, holder) = match &caller {
        InboxCaller::Member(_) => (STREAMS_PER_USER, "one account"),
        InboxCaller::Embed(_) => (STREAMS_PER_EMBED, "one embedded inbox"),
    };
    let slot = state
        .live
        .take_slot(&caller.stream_owner(), limit)
        .ok_or_else(|| {
            ApiError::too_many_requests(
                KEEP_ALIVE.as_secs(),
                format!(
                    "{limit} event streams are open on this server already, the most {holder} may hold; close tabs or clients you no longer use"
                ),
            )
        })?;
    let project_id = access.membership.project.id;
    let access = Access::new(&state, &headers, &project_id);
    let follower = tokio::time::timeout(
        START_TIMEOUT,
        state.live.follow(&project_id, sent, access, slot),
    )
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the event stream could not start: the database did not answer in time; retry in a moment",
        )
    })??;
    let events = futures::stream::unfold(follower, |mut follower| async move {
        let batch = follower.next_batch().await?;
        Some((futures::stream::iter(batch), follower))
    })
    .flatten()
    .map(|delivery| Ok::<_, Infallible>(sse_event(&delivery)));
    Ok(sse_response(events))
}

/// `events` as a server-sent event stream, with a comment every [`KEEP_ALIVE`] so idle
/// connections stay open, and unbuffered by proxies (nginx would hold events back).
pub(crate) fn sse_response<S>(events: S) -> Response
where
    S: futures::Stream<Item = Result<SseEvent, Infallible>> + Send + 'static,
{
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// The id to resume after: `Last-Event-ID` (what `EventSource` sends on a reconnect), else
/// `?after=`, else none.
fn resume_after(headers: &HeaderMap, after: Option<i64>) -> Result<Option<i64>, ApiError> {
    let header = headers
        .get(LAST_EVENT_ID)
        .map(|value| {
            value
                .to_str()
                .ok()
                .map(str::trim)
                .and_then(|text| if text.is_empty() { Some(None) } else { text.parse().ok().map(Some) })
                .ok_or_else(|| {
                    ApiError::validation(
                        "Last-Event-ID",
                        "the Last-Event-ID header is not an event id: send the id of the last event received, a whole number",
                    )
                })
        })
        .transpose()?
        .flatten();
    let sent = header.or(after);
    if sent.is_some_and(|id| id < 0) {
        return Err(ApiError::validation(
            if header.is_some() {
                "Last-Event-ID"
            } else {
                "after"
            },
            "an event id is 0 or more: send the id of the last event received, or 0 for every stored event",
        ));
    }
    Ok(sent)
}

fn sse_event(delivery: &Delivery) -> SseEvent {
    match delivery {
        Delivery::Event(event) => SseEvent::default()
            .id(event.id.to_string())
            .event(&event.kind)
            .data(&event.data),
        Delivery::Ready { after } => place("ready", *after),
        Delivery::Reset { after } => place("reset", *after),
    }
}

/// `ready` or `reset`: where the stream goes on, as the id a reconnect resumes from.
fn place(kind: &str, after: i64) -> SseEvent {
    SseEvent::default()
        .id(after.to_string())
        .event(kind)
        .data(serde_json::json!({ "after": after }).to_string())
}
