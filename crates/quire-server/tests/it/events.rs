//! The live event stream (`GET /api/v1/projects/{p}/events`): what each role receives, a
//! resume with `Last-Event-ID` that misses nothing and repeats nothing, a reset once the
//! client's place was pruned, who may open one and how many, a member removed mid-stream; and
//! with `PostgreSQL`, two instances over one database.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, StatusCode, header};
use http_body_util::BodyExt;
use quire_store::Role;
use quire_store::testing::TestDatabase;
use quire_test_utils::{Client, TestApp};
use serde_json::{Value, json};

const PAGE: &str = r#"import React from "react";
import { createRoot } from "react-dom/client";
createRoot(document.getElementById("root")!).render(<h1>Orders</h1>);
"#;

/// How long an event may take to arrive; and how long a stream is watched to show that
/// nothing arrives (in-process wakes are immediate).
const ARRIVES_WITHIN: Duration = Duration::from_secs(10);
const QUIET_FOR: Duration = Duration::from_millis(400);

/// One event as a client reads it.
#[derive(Debug, PartialEq)]
pub(crate) struct Received {
    pub(crate) id: i64,
    pub(crate) kind: String,
    pub(crate) data: Value,
}

/// A stream's body, read event by event.
pub(crate) struct EventStream {
    body: Body,
    buffer: String,
    /// What the stream started with: `ready`, or `reset`.
    first: Received,
}

impl EventStream {
    /// Opens `path` as `client` (with `Last-Event-ID: last_event_id`, when given); it must be
    /// a stream.
    pub(crate) async fn open(client: &Client<'_>, path: &str, last_event_id: Option<&str>) -> Self {
        let mut request = client.request(Method::GET, path, None);
        if let Some(id) = last_event_id {
            request
                .headers_mut()
                .insert("last-event-id", id.parse().unwrap());
        }
        let response = client.app.open(request).await;
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned());
        if status != StatusCode::OK {
            let body = response.into_body().collect().await.unwrap().to_bytes();
            panic!("{path}: {status}: {}", String::from_utf8_lossy(&body));
        }
        assert_eq!(content_type.as_deref(), Some("text/event-stream"));
        let mut stream = Self {
            body: response.into_body(),
            buffer: String::new(),
            first: Received {
                id: 0,
                kind: String::new(),
                data: Value::Null,
            },
        };
        stream.first = stream.next().await;
        assert!(
            ["ready", "reset"].contains(&stream.first.kind.as_str()),
            "a stream starts with where it starts: {:?}",
            stream.first
        );
        assert_eq!(stream.first.data, json!({ "after": stream.first.id }));
        stream
    }

    /// The next event, or `None` when the stream ended. Comments (keep-alives) are skipped.
    async fn next_or_end(&mut self) -> Option<Received> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut kind, mut data) = (None, None, String::new());
                for line in block.lines().filter(|line| !line.is_empty()) {
                    match line.split_once(": ") {
                        Some(("id", value)) => id = Some(value.parse().unwrap()),
                        Some(("event", value)) => kind = Some(value.to_owned()),
                        Some(("data", value)) => data.push_str(value),
                        _ => assert!(line.starts_with(':'), "an unexpected line {line:?}"),
                    }
                }
                if let Some(kind) = kind {
                    return Some(Received {
                        id: id.expect("every event has an id"),
                        kind,
                        data: serde_json::from_str(&data).unwrap(),
                    });
                }
                continue;
            }
            match self.body.frame().await {
                Some(frame) => {
                    if let Ok(bytes) = frame.expect("read the stream").into_data() {
                        self.buffer.push_str(std::str::from_utf8(&bytes).unwrap());
                    }
                }
                None => return None,
            }
        }
    }

    pub(crate) async fn next(&mut self) -> Received {
        tokio::time::timeout(ARRIVES_WITHIN, self.next_or_end())
            .await
            .expect("an event arrives in time")
            .expect("an event, not the end of the stream")
    }

    /// Asserts that no event arrives for a while (and the stream does not end).
    pub(crate) async fn quiet(&mut self) {
        if let Ok(received) = tokio::time::timeout(QUIET_FOR, self.next_or_end()).await {
            panic!("expected no event, got {received:?}");
        }
    }

    /// The stream once it has sent what was stored (nothing, for a stream from now): what
    /// comes next comes live, through the feed.
    pub(crate) async fn caught_up(mut self) -> Self {
        self.quiet().await;
        self
    }

    async fn ends(&mut self) {
        let end = tokio::time::timeout(ARRIVES_WITHIN, self.next_or_end())
            .await
            .expect("the stream ends in time");
        assert_eq!(end, None, "the stream ends without another event");
    }
}

/// Project "p" with an owner, an admin and a member; "q" owned by an outsider.
struct World {
    app: TestApp,
}

impl World {
    async fn new() -> Self {
        Self::over(TestApp::new().await).await
    }

    async fn over(app: TestApp) -> Self {
        let owner = app.user("owner@example.com").await;
        let admin = app.user("admin@example.com").await;
        let member = app.user("member@example.com").await;
        let outsider = app.user("outsider@example.com").await;
        let project = app
            .store()
            .create_project("p", "P", &owner.id)
            .await
            .unwrap();
        app.store()
            .create_project("q", "Q", &outsider.id)
            .await
            .unwrap();
        for (user, role) in [(&admin, Role::Admin), (&member, Role::Member)] {
            app.store()
                .set_member_role(&project.id, &user.id, role, &owner.id)
                .await
                .unwrap();
        }
        Self { app }
    }
}

/// A client of `app` for the account `email`, with an API token.
async fn as_<'a>(app: &'a TestApp, email: &str) -> Client<'a> {
    let user = app
        .store()
        .find_user(email)
        .await
        .unwrap()
        .expect("a test user");
    app.token_client(&user, None).await
}

const EVENTS: &str = "/api/v1/projects/p/events";

/// The id of project "p".
async fn stream_project(app: &TestApp) -> String {
    app.store().project("p").await.unwrap().unwrap().id
}

/// Creates page `slug` from `PAGE` (one save) and answers its id.
async fn create_page(owner: &Client<'_>, slug: &str) -> String {
    let response = owner
        .post(
            "/api/v1/projects/p/pages",
            &json!({ "name": "Orders", "slug": slug, "source": PAGE }),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()["id"].as_str().unwrap().to_owned()
}

async fn post(client: &Client<'_>, path: &str) {
    let response = client.post(path, &json!({})).await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{path}: {}",
        response.text()
    );
}

async fn publish(owner: &Client<'_>, slug: &str) {
    post(owner, &format!("/api/v1/projects/p/pages/{slug}/publish")).await;
}

async fn unpublish(owner: &Client<'_>, slug: &str) {
    post(owner, &format!("/api/v1/projects/p/pages/{slug}/unpublish")).await;
}

/// The owner and a member of `app`'s project, with the page "orders" saved, and the
/// member's stream from now on.
async fn orders_and_a_members_stream(app: &TestApp) -> (Client<'_>, Client<'_>, EventStream) {
    let owner = as_(app, "owner@example.com").await;
    let member = as_(app, "member@example.com").await;
    create_page(&owner, "orders").await;
    let stream = EventStream::open(&member, EVENTS, None)
        .await
        .caught_up()
        .await;
    (owner, member, stream)
}

#[tokio::test]
async fn members_get_publishing_live_and_only_owners_and_admins_get_saves() {
    let w = World::new().await;
    let owner = as_(&w.app, "owner@example.com").await;
    // A browser's EventSource sends the session cookie.
    let member = w.app.login("member@example.com").await;
    let admin = as_(&w.app, "admin@example.com").await;
    let mut members_stream = EventStream::open(&member, EVENTS, None)
        .await
        .caught_up()
        .await;
    let mut admins_stream = EventStream::open(&admin, EVENTS, None)
        .await
        .caught_up()
        .await;

    let page = create_page(&owner, "orders").await;
    publish(&owner, "orders").await;

    let saved = admins_stream.next().await;
    assert_eq!(
        (saved.kind.as_str(), &saved.data),
        (
            "page.saved",
            &json!({ "page_id": page, "version": 1, "build_ok": true })
        )
    );
    let published = admins_stream.next().await;
    assert_eq!(
        (published.kind.as_str(), &published.data),
        ("page.published", &json!({ "page_id": page, "version": 1 }))
    );
    assert!(published.id > saved.id);
    assert_eq!(
        members_stream.next().await,
        published,
        "the member gets the publishing, not the save before it"
    );
    members_stream.quiet().await;
    admins_stream.quiet().await;
}

#[tokio::test]
async fn a_resume_gets_exactly_the_missed_events_then_follows() {
    let w = World::new().await;
    let (owner, member, mut stream) = orders_and_a_members_stream(&w.app).await;
    let saved = w
        .app
        .store()
        .events_after(&stream_project(&w.app).await, 0, 10)
        .await
        .unwrap();
    assert_eq!(
        (stream.first.kind.as_str(), stream.first.id),
        ("ready", saved[0].id),
        "a stream from now on starts after the latest event, which it does not send"
    );
    publish(&owner, "orders").await;
    let seen = stream.next().await;
    drop(stream);

    unpublish(&owner, "orders").await;
    create_page(&owner, "drafts").await;
    publish(&owner, "orders").await;

    for resume in [
        EventStream::open(&member, EVENTS, Some(&seen.id.to_string())).await,
        EventStream::open(&member, &format!("{EVENTS}?after={}", seen.id), None).await,
        // The header wins: it is what `EventSource` sends when it reconnects to the first URL.
        EventStream::open(
            &member,
            &format!("{EVENTS}?after=0"),
            Some(&seen.id.to_string()),
        )
        .await,
    ] {
        let mut stream = resume;
        let missed = [stream.next().await, stream.next().await];
        assert_eq!(
            missed.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["page.unpublished", "page.published"],
            "the missed events, without the save the member may not see"
        );
        assert!(seen.id < missed[0].id && missed[0].id < missed[1].id);
        stream.quiet().await;
    }

    // A stream that caught up follows the feed with nothing twice in the handover.
    let mut stream = EventStream::open(&member, EVENTS, Some(&seen.id.to_string())).await;
    let caught_up = [stream.next().await, stream.next().await];
    unpublish(&owner, "orders").await;
    let live = stream.next().await;
    assert_eq!(live.kind, "page.unpublished");
    assert!(live.id > caught_up[1].id);
    stream.quiet().await;

    // `after=0`: every stored event the member may see.
    let mut everything = EventStream::open(&member, &format!("{EVENTS}?after=0"), None).await;
    let mut kinds = Vec::new();
    for _ in 0..4 {
        kinds.push(everything.next().await.kind);
    }
    assert_eq!(
        kinds,
        [
            "page.published",
            "page.unpublished",
            "page.published",
            "page.unpublished"
        ]
    );
    everything.quiet().await;
}

#[tokio::test]
async fn a_client_whose_place_was_pruned_resets_and_goes_on() {
    let w = World::new().await;
    let (owner, member, mut stream) = orders_and_a_members_stream(&w.app).await;
    publish(&owner, "orders").await;
    unpublish(&owner, "orders").await;
    let first = stream.next().await;
    let second = stream.next().await;
    drop(stream);

    // Only the newest event is kept: the first is gone.
    let store = w.app.store();
    store.prune_events(0, 1).await.unwrap();
    let mut stream = EventStream::open(&member, EVENTS, Some(&first.id.to_string())).await;
    assert_eq!(
        (stream.first.id, stream.first.kind.as_str()),
        (second.id, "reset"),
        "reload, then go on after the newest stored event"
    );
    stream.quiet().await;
    publish(&owner, "orders").await;
    assert_eq!(stream.next().await.kind, "page.published");
    stream.quiet().await;
    drop(stream);

    // A place that is still stored resumes without a reset.
    let mut stream = EventStream::open(&member, EVENTS, Some(&second.id.to_string())).await;
    assert_eq!(
        (stream.first.id, stream.first.kind.as_str()),
        (second.id, "ready")
    );
    assert_eq!(stream.next().await.kind, "page.published");
    drop(stream);

    // An id this database never gave (a restore, another deployment) resets too.
    let stream = EventStream::open(&member, EVENTS, Some("999999999")).await;
    assert_eq!(stream.first.kind, "reset");
    assert!(stream.first.id < 999_999_999);
    drop(stream);

    // Everything pruned: the reset goes on after 0, and the next event comes.
    store
        .prune_events(quire_store::now_ms() + 1, 0)
        .await
        .unwrap();
    let mut stream = EventStream::open(&member, EVENTS, Some(&first.id.to_string())).await;
    assert_eq!((stream.first.id, stream.first.kind.as_str()), (0, "reset"));
    stream.quiet().await;
    unpublish(&owner, "orders").await;
    assert_eq!(stream.next().await.kind, "page.unpublished");
}

#[tokio::test]
async fn outsiders_are_refused_and_bad_ids_are_named() {
    let w = World::new().await;
    let outsider = as_(&w.app, "outsider@example.com").await;
    let response = outsider.get(EVENTS).await;
    assert_eq!(
        response.status,
        StatusCode::NOT_FOUND,
        "{}",
        response.text()
    );
    let response = w.app.anonymous().get(EVENTS).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    let owner = w
        .app
        .store()
        .find_user("owner@example.com")
        .await
        .unwrap()
        .unwrap();
    let project_q = w.app.store().project("q").await.unwrap().unwrap();
    let limited = w.app.token_client(&owner, Some(&project_q.id)).await;
    assert_eq!(
        limited.get(EVENTS).await.status,
        StatusCode::NOT_FOUND,
        "a token limited to another project"
    );

    let member = as_(&w.app, "member@example.com").await;
    let mut request = member.request(Method::GET, EVENTS, None);
    request
        .headers_mut()
        .insert("last-event-id", "yesterday".parse().unwrap());
    let response = w.app.send(request).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json()["error"]["details"]["field"],
        "Last-Event-ID"
    );
    let response = member.get(&format!("{EVENTS}?after=-1")).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(response.json()["error"]["details"]["field"], "after");
    let response = member.get(&format!("{EVENTS}?after=x")).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        w.app.state.live.followed_projects(),
        0,
        "no refused stream joined the project's feed"
    );
}

#[tokio::test]
async fn a_member_removed_or_demoted_stops_receiving_what_they_may_no_longer_see() {
    let w = World::new().await;
    let owner = as_(&w.app, "owner@example.com").await;
    let member = as_(&w.app, "member@example.com").await;
    let admin = as_(&w.app, "admin@example.com").await;
    create_page(&owner, "orders").await;
    let mut members_stream = EventStream::open(&member, EVENTS, None)
        .await
        .caught_up()
        .await;
    let mut admins_stream = EventStream::open(&admin, EVENTS, None)
        .await
        .caught_up()
        .await;

    let response = owner
        .delete("/api/v1/projects/p/members/member@example.com")
        .await;
    assert_eq!(
        response.status,
        StatusCode::NO_CONTENT,
        "{}",
        response.text()
    );
    let response = owner
        .put(
            "/api/v1/projects/p/members/admin@example.com",
            &json!({ "role": "member" }),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());

    create_page(&owner, "drafts").await;
    publish(&owner, "orders").await;
    members_stream.ends().await;
    assert_eq!(
        admins_stream.next().await.kind,
        "page.published",
        "the demoted admin no longer gets the save"
    );
    admins_stream.quiet().await;
}

#[tokio::test]
async fn calls_of_a_function_reach_owners_and_admins() {
    let w = World::new().await;
    let owner = as_(&w.app, "owner@example.com").await;
    let admin = as_(&w.app, "admin@example.com").await;
    let member = as_(&w.app, "member@example.com").await;
    let response = owner
        .post(
            "/api/v1/projects/p/functions",
            &json!({ "name": "Echo", "slug": "echo", "code": "async function handler() { return Response.json(1); }" }),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let function_id = response.json()["id"].as_str().unwrap().to_owned();
    post(&owner, "/api/v1/projects/p/functions/echo/deploy").await;

    let mut admins_stream = EventStream::open(&admin, EVENTS, None)
        .await
        .caught_up()
        .await;
    let mut members_stream = EventStream::open(&member, EVENTS, None)
        .await
        .caught_up()
        .await;
    for _ in 0..3 {
        post(&owner, "/api/v1/projects/p/functions/echo/invoke").await;
    }
    let called = admins_stream.next().await;
    assert_eq!(called.kind, "function.called");
    assert_eq!(called.data, json!({ "function_ids": [function_id] }));
    members_stream.quiet().await;
}

#[tokio::test]
async fn each_account_holds_a_bounded_number_of_streams() {
    let w = World::new().await;
    let member = as_(&w.app, "member@example.com").await;
    let admin = as_(&w.app, "admin@example.com").await;
    let mut open = Vec::new();
    for _ in 0..quire_server::live::STREAMS_PER_USER {
        open.push(EventStream::open(&member, EVENTS, None).await);
    }
    let response = member.get(EVENTS).await;
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("32 event streams"),
        "{}",
        response.text()
    );
    EventStream::open(&admin, EVENTS, None).await;
    open.pop();
    EventStream::open(&member, EVENTS, None).await;
    drop(open);
    assert_eq!(
        w.app.state.live.followed_projects(),
        0,
        "the feed goes with its last subscriber"
    );
}

/// A `PostgreSQL`-backed app, or `None` (said on stderr) when no test database is set.
async fn postgres_world() -> Option<World> {
    let Some(database) = TestDatabase::postgres().await else {
        eprintln!(
            "note: {} is not set; PostgreSQL was not tested",
            quire_store::testing::POSTGRES_URL_VAR
        );
        return None;
    };
    Some(World::over(TestApp::with_database(database)).await)
}

#[tokio::test]
async fn on_postgres_an_event_written_through_one_instance_reaches_a_subscriber_of_another() {
    let Some(w) = postgres_world().await else {
        return;
    };
    let other = w.app.another_instance().await;
    let owner = as_(&w.app, "owner@example.com").await;
    let member_on_second = as_(&other, "member@example.com").await;
    let page = create_page(&owner, "orders").await;

    let mut stream = EventStream::open(&member_on_second, EVENTS, None)
        .await
        .caught_up()
        .await;
    publish(&owner, "orders").await;
    let published = stream.next().await;
    assert_eq!(
        (published.kind.as_str(), &published.data),
        ("page.published", &json!({ "page_id": page, "version": 1 }))
    );
    stream.quiet().await;
}

#[tokio::test]
async fn on_postgres_a_reconnect_to_another_instance_misses_nothing() {
    let Some(w) = postgres_world().await else {
        return;
    };
    let other = w.app.another_instance().await;
    let (owner, _, mut stream) = orders_and_a_members_stream(&w.app).await;
    let member_on_second = as_(&other, "member@example.com").await;
    publish(&owner, "orders").await;
    let seen = stream.next().await;
    drop(stream);
    unpublish(&owner, "orders").await;
    publish(&owner, "orders").await;

    let mut stream = EventStream::open(&member_on_second, EVENTS, Some(&seen.id.to_string())).await;
    let missed = [stream.next().await, stream.next().await];
    assert_eq!(
        missed.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["page.unpublished", "page.published"]
    );
    unpublish(&owner, "orders").await;
    let live = stream.next().await;
    assert_eq!(live.kind, "page.unpublished");
    assert!(seen.id < missed[0].id && missed[0].id < missed[1].id && missed[1].id < live.id);
    stream.quiet().await;
}

#[tokio::test]
async fn an_announced_preview_reaches_owners_and_admins_with_a_signed_url_and_no_nonce() {
    let w = World::new().await;
    let owner = as_(&w.app, "owner@example.com").await;
    let admin = as_(&w.app, "admin@example.com").await;
    let member = as_(&w.app, "member@example.com").await;
    let page = create_page(&owner, "orders").await;
    let mut admins_stream = EventStream::open(&admin, EVENTS, None)
        .await
        .caught_up()
        .await;
    let mut members_stream = EventStream::open(&member, EVENTS, None)
        .await
        .caught_up()
        .await;
    let preview = "/api/v1/projects/p/pages/orders/preview";
    // The studio's own previews are its own: nothing is announced.
    let quiet = owner.post(preview, &json!({ "source": PAGE })).await;
    assert_eq!(quiet.status, StatusCode::OK, "{}", quiet.text());
    let body = json!({ "source": PAGE.replace("Orders", "Live"), "announce": true,
        "context": { "vars": { "region": "eu" } } });
    let answer = owner.post(preview, &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let answer = answer.json();
    let previewed = admins_stream.next().await;
    assert_eq!(previewed.kind, "page.previewed");
    let data = &previewed.data;
    assert_eq!(data["page_id"], page);
    assert_eq!(data["sha256"], answer["build"]["artifact"]["sha256"]);
    let url = data["url"].as_str().unwrap();
    assert!(
        answer["frame"]["url"].as_str().unwrap().starts_with(url) && !url.contains('#'),
        "the answer's URL, without the nonce: {url}"
    );
    assert_eq!(data["context"]["vars"], json!({ "region": "eu" }));
    assert_eq!(
        answer["frame"]["context"]["vars"],
        json!({ "region": "eu" })
    );
    assert_eq!(data["context"]["system"]["mode"], "preview");
    assert!(data["by"]["name"].is_string());
    // The warm parts, the shell's URL without a nonce too.
    let warm = &data["warm"];
    assert_eq!(warm["shell"], answer["warm"]["shell"]);
    assert_eq!(warm["script"], answer["warm"]["script"]);
    let shell_url = warm["url"].as_str().unwrap();
    assert!(
        answer["warm"]["frame"]["url"]
            .as_str()
            .unwrap()
            .starts_with(shell_url)
            && !shell_url.contains('#'),
        "{shell_url}"
    );
    members_stream.quiet().await;
    admins_stream.quiet().await;

    // A broken source is not announced; a context that sets `system` is refused.
    let broken = json!({ "source": "export default (", "announce": true });
    assert_eq!(owner.post(preview, &broken).await.status, StatusCode::OK);
    let system = json!({ "source": PAGE, "context": { "system": { "mode": "regular" } } });
    let refused = owner.post(preview, &system).await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{}",
        refused.text()
    );
    admins_stream.quiet().await;
}
