//! The live event stream's rows: appended in a transaction, read after an id, pruned; written
//! by page saves, publishing and the invocation writer; announced to readers; on `PostgreSQL`
//! one project's ids commit in id order and other instances hear of them.

use std::collections::BTreeMap;
use std::time::Duration;

use quire_store::testing::TestDatabase;
use quire_store::{
    Audience, CallCount, EventWake, InvocationRecord, NewArtifact, NewEvent, NewFunction, NewPage,
    NewPageVersion, RetainedEvents, Store, hour_of, now_ms,
};
use serde_json::json;

use crate::each_backend;

async fn project(store: &Store, slug: &str) -> (String, String) {
    let owner = store
        .create_user(&format!("{slug}@example.com"), "Owner", "h")
        .await
        .unwrap();
    let project = store.create_project(slug, "P", &owner.id).await.unwrap();
    (owner.id, project.id)
}

async fn append(store: &Store, event: &NewEvent<'_>) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let id = store.append_event(&mut tx, event).await.unwrap();
    tx.commit().await.unwrap();
    store.announce_events(event.project_id);
    id
}

/// (kind, data) of a project's stored events, oldest first.
async fn kinds_and_data(store: &Store, project_id: &str) -> Vec<(String, serde_json::Value)> {
    store
        .events_after(project_id, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, serde_json::from_str(&e.data).unwrap()))
        .collect()
}

#[tokio::test]
async fn events_are_read_after_an_id_in_order_per_project() {
    each_backend(|store| async move {
        let (_, a) = project(&store, "a").await;
        let (_, b) = project(&store, "b").await;
        assert_eq!(store.retained_events(&a).await.unwrap(), None);
        assert_eq!(store.latest_event_id(&a).await.unwrap(), 0);

        let first = append(
            &store,
            &NewEvent::new(&a, "thing.made", Audience::Members, json!({ "n": 1 })),
        )
        .await;
        let other = append(
            &store,
            &NewEvent::new(&b, "thing.made", Audience::Members, json!({})),
        )
        .await;
        let second = append(
            &store,
            &NewEvent::new(&a, "draft.seen", Audience::Editors, json!({ "n": 2 }))
                .scoped("15550001111"),
        )
        .await;
        assert!(first < other && other < second, "ids grow across projects");

        let events = store.events_after(&a, 0, 10).await.unwrap();
        assert_eq!(
            events.iter().map(|e| e.id).collect::<Vec<_>>(),
            [first, second]
        );
        assert_eq!(events[0].kind, "thing.made");
        assert_eq!(events[0].audience, Audience::Members);
        assert_eq!(events[0].scope, None);
        assert_eq!(events[0].data, r#"{"n":1}"#);
        assert_eq!(events[1].audience, Audience::Editors);
        assert_eq!(events[1].scope.as_deref(), Some("15550001111"));
        assert!(events[1].created_at >= events[0].created_at);

        let after_first = store.events_after(&a, first, 10).await.unwrap();
        assert_eq!(after_first.len(), 1);
        assert_eq!(after_first[0].id, second);
        assert_eq!(store.events_after(&a, first, 0).await.unwrap().len(), 0);
        assert_eq!(
            store.events_after(&a, 0, 1).await.unwrap()[0].id,
            first,
            "the limit keeps the oldest"
        );
        assert_eq!(
            store.retained_events(&a).await.unwrap(),
            Some(RetainedEvents {
                oldest: first,
                latest: second
            })
        );
        assert_eq!(store.latest_event_id(&b).await.unwrap(), other);
    })
    .await;
}

#[tokio::test]
async fn events_appended_together_keep_their_order_and_what_each_says() {
    each_backend(|store| async move {
        let (_, a) = project(&store, "a").await;
        let before = append(
            &store,
            &NewEvent::new(&a, "first", Audience::Members, json!({})),
        )
        .await;
        // More than one statement's worth, so the rows go in several inserts.
        let events: Vec<NewEvent<'_>> = (0..150)
            .map(|n| {
                let event = NewEvent::new(
                    &a,
                    if n % 2 == 0 { "even" } else { "odd" },
                    if n % 5 == 0 {
                        Audience::Editors
                    } else {
                        Audience::Members
                    },
                    json!({ "n": n }),
                );
                if n % 3 == 0 {
                    event.scoped("15550001111")
                } else {
                    event
                }
            })
            .collect();
        let mut tx = store.begin().await.unwrap();
        let last = store.append_events(&mut tx, &events).await.unwrap();
        assert_eq!(store.append_events(&mut tx, &[]).await.unwrap(), None);
        tx.commit().await.unwrap();
        store.announce_events(&a);

        let stored = store.events_after(&a, before, 200).await.unwrap();
        assert_eq!(stored.len(), 150);
        assert_eq!(last, stored.last().map(|e| e.id), "the last one's id");
        assert!(stored.windows(2).all(|pair| pair[0].id < pair[1].id));
        for (n, event) in stored.iter().enumerate() {
            assert_eq!(event.kind, events[n].kind);
            assert_eq!(event.audience, events[n].audience);
            assert_eq!(event.scope.as_deref(), events[n].scope);
            assert_eq!(
                event.data,
                json!({ "n": n }).to_string(),
                "in the order given"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn an_event_of_a_transaction_rolled_back_is_never_seen() {
    each_backend(|store| async move {
        let (_, a) = project(&store, "a").await;
        let mut tx = store.begin().await.unwrap();
        store
            .append_event(
                &mut tx,
                &NewEvent::new(&a, "x", Audience::Members, json!({})),
            )
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert!(store.events_after(&a, 0, 10).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn pruning_drops_old_events_and_keeps_the_newest_per_project() {
    each_backend(|store| async move {
        let (_, a) = project(&store, "a").await;
        let (_, b) = project(&store, "b").await;
        let mut a_ids = Vec::new();
        for n in 0..5 {
            a_ids.push(
                append(
                    &store,
                    &NewEvent::new(&a, "x", Audience::Members, json!({ "n": n })),
                )
                .await,
            );
        }
        let b_id = append(
            &store,
            &NewEvent::new(&b, "x", Audience::Members, json!({})),
        )
        .await;

        // Nothing is older than a minute ago, and 10 per project are allowed.
        assert_eq!(store.prune_events(now_ms() - 60_000, 10).await.unwrap(), 0);
        // Three per project: the oldest two of `a` go, `b` keeps its one.
        assert_eq!(store.prune_events(now_ms() - 60_000, 3).await.unwrap(), 2);
        assert_eq!(
            store.retained_events(&a).await.unwrap(),
            Some(RetainedEvents {
                oldest: a_ids[2],
                latest: a_ids[4]
            })
        );
        assert_eq!(store.latest_event_id(&b).await.unwrap(), b_id);
        // Everything written before a moment from now is old.
        assert_eq!(store.prune_events(now_ms() + 1, 100).await.unwrap(), 4);
        assert_eq!(store.retained_events(&a).await.unwrap(), None);
        assert_eq!(store.retained_events(&b).await.unwrap(), None);

        let next = append(
            &store,
            &NewEvent::new(&a, "x", Audience::Members, json!({})),
        )
        .await;
        assert!(next > b_id, "an id is never reused after pruning");
    })
    .await;
}

#[tokio::test]
async fn saving_publishing_and_unpublishing_a_page_are_events() {
    each_backend(|store| async move {
        let (owner, p) = project(&store, "p").await;
        let page = NewPage {
            project_id: &p,
            name: "Orders",
            slug: "orders",
            description: "",
            inbox_mount: false,
        };
        let built = NewPageVersion::new("export default 1", &BTreeMap::new(), &json!([]))
            .with_artifact(NewArtifact {
                sha256: "aa",
                html: "<p>1</p>",
            });
        let (page, _) = store
            .create_page(&page, Some(&built), &owner)
            .await
            .unwrap();
        let broken = NewPageVersion::new("export default (", &BTreeMap::new(), &json!([]));
        store
            .save_page_version(&page.id, &broken, &owner, Some(1))
            .await
            .unwrap();
        store.publish_page(&page.id, 1, &owner).await.unwrap();
        store.unpublish_page(&page.id, &owner).await.unwrap();

        let events = store.events_after(&p, 0, 10).await.unwrap();
        let audiences: Vec<Audience> = events.iter().map(|e| e.audience).collect();
        assert_eq!(
            audiences,
            [
                Audience::Editors,
                Audience::Editors,
                Audience::Members,
                Audience::Members
            ],
            "saves are drafts: owners and admins only"
        );
        assert_eq!(
            kinds_and_data(&store, &p).await,
            [
                (
                    "page.saved".to_owned(),
                    json!({ "page_id": page.id, "version": 1, "build_ok": true })
                ),
                (
                    "page.saved".to_owned(),
                    json!({ "page_id": page.id, "version": 2, "build_ok": false })
                ),
                (
                    "page.published".to_owned(),
                    json!({ "page_id": page.id, "version": 1 })
                ),
                ("page.unpublished".to_owned(), json!({ "page_id": page.id })),
            ]
        );

        // A save refused because the head moved leaves no event.
        assert!(
            store
                .save_page_version(&page.id, &broken, &owner, Some(1))
                .await
                .is_err()
        );
        assert_eq!(store.events_after(&p, 0, 10).await.unwrap().len(), 4);
    })
    .await;
}

fn record(function_id: &str) -> InvocationRecord {
    InvocationRecord {
        id: String::new(),
        function_id: function_id.to_owned(),
        version: 1,
        via: "api".to_owned(),
        started_at: now_ms(),
        duration_ms: 1,
        status: Some(200),
        ok: true,
        error_code: None,
        error: None,
        error_stack: None,
        logs: String::new(),
        logs_truncated: false,
        request_bytes: 0,
        response_bytes: 0,
        public_link_id: None,
    }
}

fn count(function_id: &str) -> CallCount {
    CallCount {
        function_id: function_id.to_owned(),
        hour: hour_of(now_ms()),
        calls: 1,
        errors: 0,
    }
}

#[tokio::test]
async fn a_written_batch_of_calls_is_one_event_per_project_for_editors() {
    each_backend(|store| async move {
        let (owner_a, a) = project(&store, "a").await;
        let (owner_b, b) = project(&store, "b").await;
        let function = |project_id, slug, author_id| NewFunction {
            project_id,
            name: "F",
            slug,
            code: "async function handler() { return 1; }",
            load_error: None,
            public_endpoint: false,
            timeout_ms: 1000,
            memory_mb: 16,
            author_id,
        };
        let f1 = store
            .create_function(&function(&a, "one", &owner_a))
            .await
            .unwrap();
        let f2 = store
            .create_function(&function(&a, "two", &owner_a))
            .await
            .unwrap();
        let g = store
            .create_function(&function(&b, "g", &owner_b))
            .await
            .unwrap();

        store
            .record_calls(
                &[record(&f2.id), record(&g.id), record(&f1.id)],
                // f1 and f2 were called twice; one record of each was not kept.
                &[count(&f1.id), count(&f2.id), count(&g.id), count(&f1.id)],
            )
            .await
            .unwrap();
        let mut in_a = vec![f1.id.clone(), f2.id.clone()];
        in_a.sort();
        let events = store.events_after(&a, 0, 10).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, "function.called");
        assert_eq!(events[0].audience, Audience::Editors);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&events[0].data).unwrap(),
            json!({ "function_ids": in_a })
        );
        assert_eq!(
            kinds_and_data(&store, &b).await,
            [(
                "function.called".to_owned(),
                json!({ "function_ids": [g.id] })
            )]
        );

        store.record_calls(&[], &[]).await.unwrap();
        assert_eq!(
            store.events_after(&a, 0, 10).await.unwrap().len(),
            1,
            "an empty batch is no event"
        );
    })
    .await;
}

/// Waits (a few seconds at most) for a wake of `project`. Other wakes are skipped: on
/// `PostgreSQL`, tests running beside this one in other schemas notify the same channel.
async fn wake_of(wakes: &mut tokio::sync::broadcast::Receiver<EventWake>, project: &str) {
    let wanted = EventWake::Project(project.into());
    tokio::time::timeout(Duration::from_secs(5), async {
        while wakes.recv().await.expect("the wakes go on") != wanted {}
    })
    .await
    .expect("a wake of the project within 5 s");
}

#[tokio::test]
async fn a_commit_announced_wakes_the_readers_of_this_process() {
    each_backend(|store| async move {
        let (_, a) = project(&store, "a").await;
        let mut wakes = store.event_wakes();
        store.announce_events(&a);
        wake_of(&mut wakes, &a).await;
    })
    .await;
}

#[tokio::test]
async fn on_postgres_one_projects_ids_commit_in_id_order() {
    let Some(database) = TestDatabase::postgres().await else {
        eprintln!(
            "note: {} is not set; PostgreSQL was not tested",
            quire_store::testing::POSTGRES_URL_VAR
        );
        return;
    };
    let store = database.store.clone();
    let (_, a) = project(&store, "a").await;
    let (_, b) = project(&store, "b").await;

    let mut first = store.begin().await.unwrap();
    let first_id = store
        .append_event(
            &mut first,
            &NewEvent::new(&a, "x", Audience::Members, json!({})),
        )
        .await
        .unwrap();

    // A second writer of the same project waits for the first to end before it draws an id.
    let second = tokio::spawn({
        let store = store.clone();
        let a = a.clone();
        async move {
            let mut tx = store.begin().await.unwrap();
            let id = store
                .append_event(
                    &mut tx,
                    &NewEvent::new(&a, "x", Audience::Members, json!({})),
                )
                .await
                .unwrap();
            tx.commit().await.unwrap();
            id
        }
    });
    // A writer of another project does not wait.
    let other = tokio::time::timeout(
        Duration::from_secs(5),
        append(
            &store,
            &NewEvent::new(&b, "x", Audience::Members, json!({})),
        ),
    )
    .await
    .expect("another project's writer is not held up");
    assert!(other > first_id);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !second.is_finished(),
        "the second writer waits for the first"
    );
    assert!(
        store.events_after(&a, 0, 10).await.unwrap().is_empty(),
        "nothing of the project is committed yet"
    );

    first.commit().await.unwrap();
    let second_id = tokio::time::timeout(Duration::from_secs(5), second)
        .await
        .expect("the second writer goes on once the first committed")
        .unwrap();
    assert!(
        second_id > other,
        "the second id was drawn after the first commit"
    );
    let ids: Vec<i64> = store
        .events_after(&a, 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [first_id, second_id]);
}

#[tokio::test]
async fn on_postgres_another_instances_events_wake_this_one() {
    let Some(database) = TestDatabase::postgres().await else {
        eprintln!(
            "note: {} is not set; PostgreSQL was not tested",
            quire_store::testing::POSTGRES_URL_VAR
        );
        return;
    };
    let here = database.store.clone();
    let there = Store::connect(&database.url).await.unwrap();
    let (_, a) = project(&here, "a").await;

    here.follow_events().await.unwrap();
    here.follow_events().await.unwrap();
    let mut wakes = here.event_wakes();
    let mut tx = there.begin().await.unwrap();
    there
        .append_event(
            &mut tx,
            &NewEvent::new(&a, "x", Audience::Members, json!({})),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    while let Ok(wake) = wakes.try_recv() {
        assert_ne!(
            wake,
            EventWake::Project(a.as_str().into()),
            "nothing is announced before the commit"
        );
    }
    tx.commit().await.unwrap();
    wake_of(&mut wakes, &a).await;
    there.close().await;
}
