//! The inbox: WhatsApp connections, conversations (upsert by contact, the list with its
//! keyset pages, filters and search), messages stored once per wamid, and status updates that
//! only move forward.

use quire_store::testing::TestDatabase;
use quire_store::{
    Activity, Backend, ContactSeen, Conversation, ConversationFilter, MessageDirection,
    MessageStatus, NewMessage, NewWhatsappConnection, SendOutcome, StatusChange, Store, StoreError,
    WhatsappConnectionChanges, apply_status, finish_send, insert_message, insert_messages,
    mark_conversation_read, record_activities, record_activity, set_conversation_metadata,
    upsert_conversation, upsert_conversations,
};
use serde_json::json;

use crate::each_backend;

struct World {
    owner: String,
    project: String,
    connection: String,
}

const NUMBER_ID: &str = "106540352242922";

async fn world(store: &Store) -> World {
    let owner = store
        .create_user("owner@example.com", "Owner", "h")
        .await
        .unwrap();
    let project = store.create_project("p", "P", &owner.id).await.unwrap();
    let connection = store
        .create_whatsapp_connection(&new_connection("w1", &project.id, NUMBER_ID), &owner.id)
        .await
        .unwrap();
    World {
        owner: owner.id,
        project: project.id,
        connection: connection.id,
    }
}

fn new_connection<'a>(
    id: &'a str,
    project_id: &'a str,
    phone_number_id: &'a str,
) -> NewWhatsappConnection<'a> {
    NewWhatsappConnection {
        id,
        project_id,
        name: "Support",
        phone_number_id,
        display_phone_number: Some("15550783881"),
        verify_token: "verify-me",
        app_secret_sealed: "sealed-secret",
        access_token_sealed: None,
    }
}

fn contact<'a>(w: &'a World, wa_id: Option<&'a str>, name: Option<&'a str>) -> ContactSeen<'a> {
    ContactSeen {
        project_id: &w.project,
        connection_id: &w.connection,
        phone_number_id: NUMBER_ID,
        wa_id,
        user_id: None,
        username: None,
        name,
    }
}

/// Stores an inbound text `wamid` from the contact with phone `number` at `at` the way a
/// delivery does; answers the conversation id and whether the message was new.
async fn inbound(
    store: &Store,
    w: &World,
    number: &str,
    wamid: &str,
    text: &str,
    at: i64,
) -> (String, bool) {
    let mut tx = store.begin().await.unwrap();
    let conversation = upsert_conversation(&mut tx, &contact(w, Some(number), Some(number)), at)
        .await
        .unwrap();
    let stored = insert_message(
        &mut tx,
        &NewMessage {
            project_id: &w.project,
            conversation_id: &conversation,
            wamid: Some(wamid),
            direction: MessageDirection::Inbound,
            kind: "text",
            body: Some(text),
            data: &json!({ "body": text }),
            status: MessageStatus::Received,
            error: None,
            sent_by: None,
            sent_via: None,
            created_at: at,
        },
    )
    .await
    .unwrap();
    if stored.is_some() {
        let activity = Activity {
            at,
            preview: text,
            direction: MessageDirection::Inbound,
            sent_by: None,
            sent_via: None,
            unread: true,
        };
        record_activity(&mut tx, &conversation, &activity)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    (conversation, stored.is_some())
}

/// An outbound message with `wamid` in `conversation`, as a reply leaves it once sent.
async fn outbound(store: &Store, w: &World, conversation: &str, wamid: &str) -> String {
    let pending = pending_reply(store, w, conversation).await;
    let sent = answer(store, &pending, wamid).await;
    assert_eq!(sent.status, MessageStatus::Sent);
    assert_eq!(sent.wamid.as_deref(), Some(wamid));
    let mut tx = store.begin().await.unwrap();
    assert!(
        finish_send(&mut tx, &pending, &SendOutcome::Sent { wamid }, 12)
            .await
            .unwrap()
            .is_none(),
        "only a pending message is finished"
    );
    tx.commit().await.unwrap();
    sent.id
}

/// A reply stored pending in `conversation`, on its way to the Cloud API.
async fn pending_reply(store: &Store, w: &World, conversation: &str) -> String {
    let mut tx = store.begin().await.unwrap();
    let pending = insert_message(
        &mut tx,
        &NewMessage {
            project_id: &w.project,
            conversation_id: conversation,
            wamid: None,
            direction: MessageDirection::Outbound,
            kind: "text",
            body: Some("On its way"),
            data: &json!({}),
            status: MessageStatus::Pending,
            error: None,
            sent_by: Some(&w.owner),
            sent_via: None,
            created_at: 10,
        },
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    pending.id
}

/// Stores the Cloud API's answer `wamid` for the pending reply `message_id`.
async fn answer(store: &Store, message_id: &str, wamid: &str) -> quire_store::Message {
    let mut tx = store.begin().await.unwrap();
    let sent = finish_send(&mut tx, message_id, &SendOutcome::Sent { wamid }, 11)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
    sent
}

async fn status(
    store: &Store,
    project: &str,
    wamid: &str,
    status: MessageStatus,
    at: i64,
) -> StatusChange {
    let mut tx = store.begin().await.unwrap();
    let error = (status == MessageStatus::Failed).then(|| json!({ "code": 131_047 }));
    let change = apply_status(&mut tx, project, wamid, status, at, error.as_ref())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    change
}

#[tokio::test]
async fn connections_are_created_changed_and_deleted_with_audit_entries() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let other = store.create_project("q", "Q", &w.owner).await.unwrap();
        let clash = store
            .create_whatsapp_connection(&new_connection("w2", &other.id, NUMBER_ID), &w.owner)
            .await
            .unwrap_err();
        assert!(matches!(clash, StoreError::Conflict { .. }), "{clash}");
        assert!(clash.to_string().contains(NUMBER_ID), "{clash}");

        let changes = WhatsappConnectionChanges {
            name: Some("Sales"),
            access_token_sealed: Some("sealed-token"),
            ..WhatsappConnectionChanges::default()
        };
        let updated = store
            .update_whatsapp_connection(&w.connection, &changes, &w.owner)
            .await
            .unwrap();
        assert_eq!(updated.name, "Sales");
        assert_eq!(updated.access_token_sealed.as_deref(), Some("sealed-token"));
        assert_eq!(updated.app_secret_sealed, "sealed-secret", "kept");
        assert_eq!(updated.display_phone_number.as_deref(), Some("15550783881"));
        assert_eq!(
            store.whatsapp_connections(&w.project).await.unwrap().len(),
            1
        );
        assert!(
            store
                .whatsapp_connection(&other.id, &w.connection)
                .await
                .unwrap()
                .is_none(),
            "another project's connection is not found"
        );

        let (conversation, _) = inbound(&store, &w, "14155550123", "wamid.1", "Hi", 1000).await;
        store
            .delete_whatsapp_connection(&w.connection, &w.owner)
            .await
            .unwrap();
        let kept = store
            .conversation(&w.project, &conversation)
            .await
            .unwrap()
            .expect("conversations outlive their connection");
        assert_eq!(kept.whatsapp_config_id, None);
        assert_eq!(kept.whatsapp_phone_number_id, NUMBER_ID);

        let actions: Vec<String> = store
            .audit_log(&w.project, None, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|entry| entry.action)
            .collect();
        assert_eq!(
            actions[..3],
            [
                "whatsapp.connection_delete",
                "whatsapp.connection_update",
                "whatsapp.connection_create"
            ]
        );
        let update = &store.audit_log(&w.project, None, 10).await.unwrap()[1];
        assert_eq!(update.details["changed"], json!(["name", "access_token"]));
        assert!(!update.details.to_string().contains("sealed"));
    })
    .await;
}

/// Stores the inbound messages `wamids` sent at `ats` in the conversations `ids` as a batch
/// does, checks which were new, and records their activity with a late message of
/// `late_in`.
async fn batch_messages(
    tx: &mut quire_store::Tx<'_>,
    w: &World,
    ids: &[String],
    wamids: &[&str],
    ats: &[i64],
    late_in: &str,
) {
    let data = json!({});
    let new: Vec<NewMessage<'_>> = ids
        .iter()
        .zip(wamids)
        .zip(ats)
        .map(|((conversation, wamid), at)| NewMessage {
            project_id: &w.project,
            conversation_id: conversation,
            wamid: Some(wamid),
            direction: MessageDirection::Inbound,
            kind: "text",
            body: Some(wamid),
            data: &data,
            status: MessageStatus::Received,
            error: None,
            sent_by: None,
            sent_via: None,
            created_at: *at,
        })
        .collect();
    let stored = insert_messages(&mut *tx, &new).await.unwrap();
    let stored_wamids: Vec<Option<&str>> = stored
        .iter()
        .map(|m| m.as_ref().and_then(|m| m.wamid.as_deref()))
        .collect();
    assert_eq!(
        stored_wamids,
        [
            Some("wamid.1"),
            Some("wamid.2"),
            Some("wamid.3"),
            None,
            None,
            Some("wamid.4")
        ],
        "a wamid stored before, or earlier in the batch, is not stored again"
    );
    for (message, conversation) in stored.iter().zip(ids) {
        if let Some(message) = message {
            assert_eq!(&message.conversation_id, conversation);
        }
    }
    let activities: Vec<(&str, Activity<'_>)> = stored
        .iter()
        .zip(&new)
        .filter(|(stored, _)| stored.is_some())
        .map(|(_, new)| {
            let activity = Activity {
                at: new.created_at,
                preview: new.body.unwrap_or_default(),
                direction: MessageDirection::Inbound,
                sent_by: None,
                sent_via: None,
                unread: true,
            };
            (new.conversation_id, activity)
        })
        .collect();
    // One late message: it counts, and leaves the preview alone.
    let late = Activity {
        at: 500,
        preview: "late",
        direction: MessageDirection::Inbound,
        sent_by: None,
        sent_via: None,
        unread: true,
    };
    let mut each: Vec<(&str, &Activity<'_>)> = activities.iter().map(|(c, a)| (*c, a)).collect();
    each.push((late_in, &late));
    record_activities(tx, &each).await.unwrap();
}

/// A batch in a few statements does what one contact, message and activity after another
/// would: the same contact twice is one conversation (found by its number or its
/// business-scoped id, new or stored), its last name wins, a wamid twice is stored once, and
/// the unread count and preview add up.
#[tokio::test]
async fn a_batch_writes_as_one_message_after_another_would() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (stored_before, _) = inbound(&store, &w, "14155550100", "wamid.0", "Hi", 1000).await;
        let hidden = ContactSeen {
            user_id: Some("US.batch1"),
            ..contact(&w, None, Some("Fox"))
        };
        let revealed = ContactSeen {
            wa_id: Some("15145550199"),
            ..hidden.clone()
        };
        let contacts = [
            (contact(&w, Some("14155550100"), Some("Ana")), 2000),
            (hidden.clone(), 2001),
            (contact(&w, Some("14155550101"), Some("Ben")), 2002),
            (revealed, 2003),
            (contact(&w, Some("14155550100"), Some("Ana Maria")), 2004),
            (contact(&w, Some("14155550101"), None), 2005),
        ];
        let mut tx = store.begin().await.unwrap();
        let ids = upsert_conversations(&mut tx, &contacts).await.unwrap();
        assert_eq!(ids[0], stored_before);
        assert_eq!(ids[4], stored_before);
        assert_eq!(
            ids[1], ids[3],
            "the business-scoped id finds the new conversation"
        );
        assert_eq!(ids[2], ids[5]);
        assert_ne!(ids[1], ids[2]);
        let wamids = [
            "wamid.1", "wamid.2", "wamid.3", "wamid.2", "wamid.0", "wamid.4",
        ];
        let ats: Vec<i64> = contacts.iter().map(|(_, at)| *at).collect();
        batch_messages(&mut tx, &w, &ids, &wamids, &ats, &stored_before).await;
        tx.commit().await.unwrap();

        let conversation = |id: String| {
            let store = store.clone();
            let project = w.project.clone();
            async move { store.conversation(&project, &id).await.unwrap().unwrap() }
        };
        let ana = conversation(ids[0].clone()).await;
        assert_eq!(ana.contact_name.as_deref(), Some("Ana Maria"));
        assert_eq!(
            ana.unread_count, 3,
            "wamid.0 before, wamid.1 and the late one"
        );
        assert_eq!(ana.last_message_preview, "wamid.1");
        assert_eq!(ana.last_message_at, 2000);
        let fox = conversation(ids[1].clone()).await;
        assert_eq!(fox.contact_key, "US.batch1");
        assert_eq!(fox.phone_number.as_deref(), Some("15145550199"));
        assert_eq!(fox.unread_count, 1);
        assert_eq!(fox.last_message_preview, "wamid.2");
        let ben = conversation(ids[2].clone()).await;
        assert_eq!(ben.contact_name.as_deref(), Some("Ben"), "kept");
        assert_eq!(ben.unread_count, 2);
        assert_eq!(ben.last_message_preview, "wamid.4");
        assert_eq!(ben.last_message_at, 2005);
        // The search index follows the contacts as the batch left them.
        for (search, found) in [("Maria", &ids[0]), ("5550199", &ids[1]), ("Ben", &ids[2])] {
            let filter = ConversationFilter {
                search: Some(search),
                ..ConversationFilter::default()
            };
            let listed = store.conversations(&w.project, &filter, 10).await.unwrap();
            let listed: Vec<&str> = listed.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(listed, [found.as_str()], "{search}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_contact_is_one_conversation_whatever_ids_it_is_named_by() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (first, _) = inbound(&store, &w, "14155550123", "wamid.1", "Hi", 1000).await;
        let (again, _) = inbound(&store, &w, "14155550123", "wamid.2", "Hello?", 2000).await;
        assert_eq!(first, again);

        // A contact known only by the business-scoped id, then with a number as well.
        let hidden = ContactSeen {
            user_id: Some("US.8Hk2mQ7rT1xZ"),
            username: Some("@quietfox"),
            ..contact(&w, None, Some("quietfox"))
        };
        let mut tx = store.begin().await.unwrap();
        let by_user = upsert_conversation(&mut tx, &hidden, 3000).await.unwrap();
        let revealed = ContactSeen {
            wa_id: Some("15145550199"),
            username: None,
            ..hidden.clone()
        };
        let later = upsert_conversation(&mut tx, &revealed, 4000).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(by_user, later);
        let conversation = store
            .conversation(&w.project, &by_user)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(conversation.contact_key, "US.8Hk2mQ7rT1xZ");
        assert_eq!(conversation.phone_number.as_deref(), Some("15145550199"));
        assert_eq!(conversation.username.as_deref(), Some("@quietfox"), "kept");
        assert_eq!(
            conversation.display_phone_number.as_deref(),
            Some("15550783881")
        );
        assert_ne!(by_user, first);
    })
    .await;
}

/// One batch may name a contact on two numbers: each number has a conversation of its own,
/// found by the number the message came to, whether by the contact's key or its
/// business-scoped id (one statement looks all of them up).
#[tokio::test]
async fn a_batch_finds_each_numbers_own_conversation_of_a_contact() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let second_number = "106540352242923";
        let second = store
            .create_whatsapp_connection(&new_connection("w2", &w.project, second_number), &w.owner)
            .await
            .unwrap();
        let first = contact(&w, None, None);
        let on_second = ContactSeen {
            connection_id: &second.id,
            phone_number_id: second_number,
            ..first.clone()
        };
        let batch = |at: i64| {
            [
                (
                    ContactSeen {
                        wa_id: Some("14155550100"),
                        ..first.clone()
                    },
                    at,
                ),
                (
                    ContactSeen {
                        wa_id: Some("14155550100"),
                        ..on_second.clone()
                    },
                    at + 1,
                ),
                (
                    ContactSeen {
                        user_id: Some("US.both"),
                        ..first.clone()
                    },
                    at + 2,
                ),
                (
                    ContactSeen {
                        user_id: Some("US.both"),
                        ..on_second.clone()
                    },
                    at + 3,
                ),
            ]
        };
        let mut tx = store.begin().await.unwrap();
        let made = upsert_conversations(&mut tx, &batch(1000)).await.unwrap();
        tx.commit().await.unwrap();
        let distinct: std::collections::HashSet<&String> = made.iter().collect();
        assert_eq!(distinct.len(), 4, "a conversation per contact and number");

        let mut tx = store.begin().await.unwrap();
        let mut again = batch(2000);
        again.reverse();
        let found = upsert_conversations(&mut tx, &again).await.unwrap();
        tx.commit().await.unwrap();
        let found: Vec<String> = found.into_iter().rev().collect();
        assert_eq!(found, made, "each found by its own number");
    })
    .await;
}

#[tokio::test]
async fn a_message_is_stored_once_and_counts_as_unread_once() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (conversation, new) = inbound(&store, &w, "14155550123", "wamid.1", "Hi", 5000).await;
        assert!(new);
        let (_, again) = inbound(&store, &w, "14155550123", "wamid.1", "Hi", 5000).await;
        assert!(!again, "a redelivery is not stored again");
        // An older message arriving late counts, but does not become the preview.
        inbound(&store, &w, "14155550123", "wamid.0", "Earlier", 4000).await;
        let listed = store
            .conversation(&w.project, &conversation)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(listed.unread_count, 2);
        assert_eq!(listed.last_message_preview, "Hi");
        assert_eq!(listed.last_message_at, 5000);
        assert_eq!(
            listed.last_message_direction,
            Some(MessageDirection::Inbound)
        );
        let messages = store.messages(&conversation, None, 10).await.unwrap();
        assert_eq!(messages.len(), 2);

        let read = read_in_tx(&store, &w.project, &conversation).await.unwrap();
        assert_eq!(read.unread_count, 0);

        // The same wamid in another project is another message.
        let other = store.create_project("q", "Q", &w.owner).await.unwrap();
        store
            .create_whatsapp_connection(&new_connection("w2", &other.id, "999"), &w.owner)
            .await
            .unwrap();
        let elsewhere = World {
            owner: w.owner.clone(),
            project: other.id.clone(),
            connection: "w2".to_owned(),
        };
        let mut tx = store.begin().await.unwrap();
        let seen = ContactSeen {
            phone_number_id: "999",
            ..contact(&elsewhere, Some("14155550123"), None)
        };
        let theirs = upsert_conversation(&mut tx, &seen, 1).await.unwrap();
        tx.commit().await.unwrap();
        assert_ne!(theirs, conversation);
        assert!(
            store
                .message_by_wamid(&other.id, "wamid.1")
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

/// Records a reply by `sent_by` or `sent_via` at `at` in `conversation`'s list entry; answers
/// the entry's author as it then stands.
async fn reply_at(
    store: &Store,
    conversation: &str,
    sent_by: Option<&str>,
    sent_via: Option<&str>,
    at: i64,
) -> (Option<String>, Option<String>) {
    let activity = Activity {
        at,
        preview: "reply",
        direction: MessageDirection::Outbound,
        sent_by,
        sent_via,
        unread: false,
    };
    let mut tx = store.begin().await.unwrap();
    let updated = record_activity(&mut tx, conversation, &activity)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (updated.last_message_sent_by, updated.last_message_sent_via)
}

/// The list entry keeps who wrote its last message when that is a reply: a member, or an
/// embedded inbox by name. A later inbound message clears it; an older reply arriving late
/// changes neither preview nor author.
#[tokio::test]
async fn the_list_entry_names_who_wrote_its_last_reply() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (conversation, _) = inbound(&store, &w, "14155550123", "wamid.1", "Hi", 5000).await;
        let owner = Some(w.owner.as_str());
        assert_eq!(
            reply_at(&store, &conversation, owner, None, 6000).await,
            (Some(w.owner.clone()), None)
        );
        let help_desk = (None, Some("Help desk".to_owned()));
        assert_eq!(
            reply_at(&store, &conversation, None, Some("Help desk"), 7000).await,
            help_desk
        );
        assert_eq!(
            reply_at(&store, &conversation, owner, None, 6500).await,
            help_desk,
            "an older reply leaves the entry alone"
        );
        inbound(&store, &w, "14155550123", "wamid.2", "Thanks", 8000).await;
        let listed = store
            .conversation(&w.project, &conversation)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (listed.last_message_sent_by, listed.last_message_sent_via),
            (None, None)
        );
    })
    .await;
}

#[tokio::test]
async fn statuses_only_move_a_message_forward() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (conversation, _) = inbound(&store, &w, "14155550123", "wamid.in", "Hi", 1000).await;
        outbound(&store, &w, &conversation, "wamid.out").await;

        let read = status(&store, &w.project, "wamid.out", MessageStatus::Read, 30).await;
        assert!(
            matches!(read, StatusChange::Applied(ref m) if m.status == MessageStatus::Read),
            "{read:?}"
        );
        for late in [
            MessageStatus::Sent,
            MessageStatus::Delivered,
            MessageStatus::Read,
        ] {
            let change = status(&store, &w.project, "wamid.out", late, 20).await;
            assert!(matches!(change, StatusChange::Stale), "{late}: {change:?}");
        }
        let message = store
            .message_by_wamid(&w.project, "wamid.out")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(message.status, MessageStatus::Read);
        assert_eq!(message.status_at, 30);

        // Failed ends a message, with its error; nothing moves it again.
        outbound(&store, &w, &conversation, "wamid.doomed").await;
        let failed = status(
            &store,
            &w.project,
            "wamid.doomed",
            MessageStatus::Failed,
            40,
        )
        .await;
        assert!(matches!(failed, StatusChange::Applied(_)));
        let late = status(
            &store,
            &w.project,
            "wamid.doomed",
            MessageStatus::Delivered,
            50,
        )
        .await;
        assert!(matches!(late, StatusChange::Stale));
        let doomed = store
            .message_by_wamid(&w.project, "wamid.doomed")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(doomed.status, MessageStatus::Failed);
        assert_eq!(doomed.error, Some(json!({ "code": 131_047 })));

        // Unknown: never stored, inbound, or another project's.
        for wamid in ["wamid.never", "wamid.in"] {
            let change = status(&store, &w.project, wamid, MessageStatus::Delivered, 60).await;
            assert!(
                matches!(change, StatusChange::Unknown),
                "{wamid}: {change:?}"
            );
        }
        let other = store.create_project("q", "Q", &w.owner).await.unwrap();
        let change = status(&store, &other.id, "wamid.out", MessageStatus::Failed, 70).await;
        assert!(matches!(change, StatusChange::Unknown));
    })
    .await;
}

async fn held_statuses(store: &Store, wamid: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM early_statuses WHERE wamid = $1")
        .bind(wamid)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_status_before_its_replys_wamid_is_held_and_applied_with_the_wamid() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (conversation, _) = inbound(&store, &w, "14155550123", "wamid.in", "Hi", 1000).await;

        // No reply on its way: a status of an unknown wamid is another tool's, and dropped.
        let change = status(&store, &w.project, "wamid.early", MessageStatus::Sent, 20).await;
        assert!(matches!(change, StatusChange::Unknown), "{change:?}");
        assert_eq!(held_statuses(&store, "wamid.early").await, 0);

        // A reply is on its way; Meta's statuses for it come before the Cloud API's answer.
        let reply = pending_reply(&store, &w, &conversation).await;
        for (early, at) in [(MessageStatus::Sent, 20), (MessageStatus::Delivered, 25)] {
            let change = status(&store, &w.project, "wamid.early", early, at).await;
            assert!(matches!(change, StatusChange::Held), "{early}: {change:?}");
        }
        // Held once, however often Meta repeats it.
        status(&store, &w.project, "wamid.early", MessageStatus::Sent, 20).await;
        assert_eq!(held_statuses(&store, "wamid.early").await, 2);
        let sent = answer(&store, &reply, "wamid.early").await;
        assert_eq!(sent.status, MessageStatus::Delivered);
        assert_eq!(sent.status_at, 25);
        assert_eq!(held_statuses(&store, "wamid.early").await, 0);
        let change = status(&store, &w.project, "wamid.early", MessageStatus::Read, 30).await;
        assert!(matches!(change, StatusChange::Applied(_)), "{change:?}");

        // A failure that comes first ends the reply with its error.
        let doomed = pending_reply(&store, &w, &conversation).await;
        let change = status(
            &store,
            &w.project,
            "wamid.doomed",
            MessageStatus::Failed,
            40,
        )
        .await;
        assert!(matches!(change, StatusChange::Held), "{change:?}");
        let failed = answer(&store, &doomed, "wamid.doomed").await;
        assert_eq!(failed.status, MessageStatus::Failed);
        assert_eq!(failed.error, Some(json!({ "code": 131_047 })));

        // What waited longer than any answer takes is pruned; what did not is kept.
        pending_reply(&store, &w, &conversation).await;
        let change = status(
            &store,
            &w.project,
            "wamid.elsewhere",
            MessageStatus::Sent,
            50,
        )
        .await;
        assert!(matches!(change, StatusChange::Held), "{change:?}");
        let now = quire_store::now_ms();
        assert_eq!(
            store
                .prune_early_statuses(now - quire_store::HELD_FOR_MS)
                .await
                .unwrap(),
            0
        );
        assert_eq!(held_statuses(&store, "wamid.elsewhere").await, 1);
        assert_eq!(store.prune_early_statuses(now + 1).await.unwrap(), 1);
        assert_eq!(held_statuses(&store, "wamid.elsewhere").await, 0);
    })
    .await;
}

/// A reply's answer stored by one instance while another takes a status for it, at the same
/// time, a hundred times: the status is never lost, whichever commits first. (Without the
/// wamid lock, `PostgreSQL` lost it within the first few rounds: the status found no message
/// and the answer nothing held, or the status read "no such message", then "already sent".)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_racing_its_replys_answer_on_another_instance_is_never_lost() {
    for database in quire_store::testing::TestDatabase::all().await {
        let answering = &database.store;
        let receiving = Store::connect(&database.url).await.unwrap();
        let w = world(answering).await;
        let (conversation, _) = inbound(answering, &w, "14155550123", "wamid.in", "Hi", 1).await;
        for round in 0..100 {
            let wamid = format!("wamid.race.{round}");
            let reply = pending_reply(answering, &w, &conversation).await;
            let (sent, delivered) = tokio::join!(
                answer(answering, &reply, &wamid),
                status(&receiving, &w.project, &wamid, MessageStatus::Delivered, 20),
            );
            assert!(
                matches!(delivered, StatusChange::Applied(_) | StatusChange::Held),
                "{:?} round {round}: {delivered:?}",
                answering.backend()
            );
            let now = answering
                .message(&w.project, &sent.id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                now.status,
                MessageStatus::Delivered,
                "round {round}: the status was lost"
            );
        }
    }
}

#[tokio::test]
async fn the_list_pages_by_newest_activity_and_filters() {
    each_backend(|store| async move {
        let w = world(&store).await;
        // Seven conversations; three share one time, so pages break ties by id.
        let mut ids = Vec::new();
        for n in 0..7_i64 {
            let at = if n < 3 { 1000 } else { 1000 + n };
            let (id, _) = inbound(
                &store,
                &w,
                &format!("1415555000{n}"),
                &format!("wamid.{n}"),
                "Hi",
                at,
            )
            .await;
            ids.push(id);
        }
        let mut seen = Vec::new();
        let mut cursor: Option<(i64, String)> = None;
        loop {
            let filter = ConversationFilter {
                before: cursor.as_ref().map(|(at, id)| (*at, id.as_str())),
                ..ConversationFilter::default()
            };
            let page = store.conversations(&w.project, &filter, 3).await.unwrap();
            seen.extend(page.iter().map(|c| (c.last_message_at, c.id.clone())));
            if page.len() < 3 {
                break;
            }
            let last = page.last().unwrap();
            cursor = Some((last.last_message_at, last.id.clone()));
        }
        assert_eq!(seen.len(), 7, "every conversation once: {seen:?}");
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(seen, sorted, "newest activity first, ties by id");

        read_in_tx(&store, &w.project, &ids[6]).await.unwrap();
        let unread = ConversationFilter {
            unread_only: true,
            ..ConversationFilter::default()
        };
        let listed = store.conversations(&w.project, &unread, 10).await.unwrap();
        assert_eq!(listed.len(), 6);
        assert!(listed.iter().all(|c| c.id != ids[6]));

        let by_connection = ConversationFilter {
            connection_id: Some(&w.connection),
            ..ConversationFilter::default()
        };
        assert_eq!(
            store
                .conversations(&w.project, &by_connection, 10)
                .await
                .unwrap()
                .len(),
            7
        );
        let by_number = ConversationFilter {
            phone_number_id: Some(NUMBER_ID),
            ..ConversationFilter::default()
        };
        assert_eq!(
            store
                .conversations(&w.project, &by_number, 10)
                .await
                .unwrap()
                .len(),
            7
        );
        let by_other_number = ConversationFilter {
            phone_number_id: Some("999"),
            ..ConversationFilter::default()
        };
        assert!(
            store
                .conversations(&w.project, &by_other_number, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let by_other = ConversationFilter {
            connection_id: Some("nope"),
            ..ConversationFilter::default()
        };
        assert!(
            store
                .conversations(&w.project, &by_other, 10)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn search_finds_names_usernames_numbers_and_message_text() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let mut tx = store.begin().await.unwrap();
        let maria = upsert_conversation(
            &mut tx,
            &contact(&w, Some("14155550123"), Some("Maria Lopez")),
            1,
        )
        .await
        .unwrap();
        let hidden = ContactSeen {
            user_id: Some("US.8Hk2mQ7rT1xZ"),
            username: Some("@quietfox"),
            ..contact(&w, None, Some("Quiet Fox"))
        };
        let fox = upsert_conversation(&mut tx, &hidden, 2).await.unwrap();
        tx.commit().await.unwrap();
        let (ken, _) = inbound(
            &store,
            &w,
            "819012345678",
            "wamid.k",
            "Where is my order #1042?",
            3,
        )
        .await;
        let other = store.create_project("q", "Q", &w.owner).await.unwrap();

        let search = |q: &'static str| {
            let store = store.clone();
            let project = w.project.clone();
            async move {
                let filter = ConversationFilter {
                    search: Some(q),
                    ..ConversationFilter::default()
                };
                store
                    .conversations(&project, &filter, 10)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| c.id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(search("mar").await, [maria.as_str()], "a name's start");
        assert_eq!(
            search("LOPEZ maria").await,
            [maria.as_str()],
            "every word, any order"
        );
        assert_eq!(
            search("5550").await,
            [maria.as_str()],
            "any part of a number"
        );
        assert_eq!(
            search("+1 (415) 555").await,
            [maria.as_str()],
            "a number as people write it"
        );
        assert_eq!(search("quietf").await, [fox.as_str()], "a username");
        assert_eq!(search("order 1042").await, [ken.as_str()], "message text");
        assert!(
            search("maria order").await.is_empty(),
            "one document holds every word"
        );
        assert!(
            search("maria\")* NEAR(").await.is_empty(),
            "query syntax is taken as words"
        );
        assert_eq!(
            search("\"maria\"*").await,
            [maria.as_str()],
            "and never as syntax"
        );
        assert!(search("?!").await.is_empty(), "no words: nothing found");
        let filter = ConversationFilter {
            search: Some("maria"),
            ..ConversationFilter::default()
        };
        assert!(
            store
                .conversations(&other.id, &filter, 10)
                .await
                .unwrap()
                .is_empty(),
            "another project's"
        );
    })
    .await;
}

/// A contact that gives a new name is found by it, and no longer by the old one: the
/// full-text index follows a contact's words.
#[tokio::test]
async fn a_renamed_contact_is_found_by_the_new_name_only() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let maria = named(&store, &w, "Maria Lopez", 1).await;
        assert_eq!(found(&store, &w, "lopez").await, [maria.as_str()]);
        let renamed = named(&store, &w, "Marisol Vega", 2).await;
        assert_eq!(renamed, maria, "the same conversation");
        assert_eq!(
            found(&store, &w, "vega").await,
            [maria.as_str()],
            "the new name"
        );
        assert!(
            found(&store, &w, "lopez").await.is_empty(),
            "not the old one"
        );
        assert_eq!(
            found(&store, &w, "5550").await,
            [maria.as_str()],
            "the same number"
        );
    })
    .await;
}

/// The conversation of +1 415 555 0123 as the contact names itself `name` at `at`.
async fn named(store: &Store, w: &World, name: &str, at: i64) -> String {
    let mut tx = store.begin().await.unwrap();
    let id = upsert_conversation(&mut tx, &contact(w, Some("14155550123"), Some(name)), at)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Migration 0016 gave the conversations already there the author of their last reply. Its
/// backfill, run again over conversations whose author is cleared, sets what replies set: a
/// member, an embed by name, nothing where the last message came in.
#[tokio::test]
async fn the_backfill_of_migration_0016_names_who_wrote_the_last_reply() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let author = |id: String| {
            let store = store.clone();
            let project = w.project.clone();
            async move {
                let c = store.conversation(&project, &id).await.unwrap().unwrap();
                (c.last_message_sent_by, c.last_message_sent_via)
            }
        };
        let owner = Some(w.owner.as_str());
        let (by_member, _) = inbound(&store, &w, "14155550001", "wamid.1", "Hi", 1000).await;
        stored_reply(&store, &w, &by_member, owner, None, 2000).await;
        let (by_embed, _) = inbound(&store, &w, "14155550002", "wamid.2", "Hi", 1000).await;
        stored_reply(&store, &w, &by_embed, owner, None, 2000).await;
        stored_reply(&store, &w, &by_embed, None, Some("Help desk"), 3000).await;
        let (answered, _) = inbound(&store, &w, "14155550003", "wamid.3", "Hi", 1000).await;
        stored_reply(&store, &w, &answered, owner, None, 2000).await;
        inbound(&store, &w, "14155550003", "wamid.4", "Thanks", 3000).await;
        assert_eq!(
            author(by_embed.clone()).await,
            (None, Some("Help desk".to_owned())),
            "as replies set it"
        );

        sqlx::query(
            "UPDATE conversations SET last_message_sent_by = NULL, last_message_sent_via = NULL",
        )
        .execute(store.pool())
        .await
        .unwrap();
        let backend = match store.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        let migration = std::fs::read_to_string(format!(
            "{}/migrations/{backend}/0016_conversation_last_author.sql",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let (_, backfill) = migration
            .split_once("-- Conversations whose last message is a reply take its author.")
            .expect("the migration's backfill");
        sqlx::query(backfill).execute(store.pool()).await.unwrap();

        assert_eq!(author(by_member).await, (Some(w.owner.clone()), None));
        assert_eq!(author(by_embed).await, (None, Some("Help desk".to_owned())));
        assert_eq!(author(answered).await, (None, None));
    })
    .await;
}

/// Stores a sent reply by `sent_by` or `sent_via` at `at` in `conversation`, then its list
/// entry.
async fn stored_reply(
    store: &Store,
    w: &World,
    conversation: &str,
    sent_by: Option<&str>,
    sent_via: Option<&str>,
    at: i64,
) {
    let wamid = format!("wamid.reply.{conversation}.{at}");
    let mut tx = store.begin().await.unwrap();
    insert_message(
        &mut tx,
        &NewMessage {
            project_id: &w.project,
            conversation_id: conversation,
            wamid: Some(&wamid),
            direction: MessageDirection::Outbound,
            kind: "text",
            body: Some("reply"),
            data: &json!({}),
            status: MessageStatus::Sent,
            error: None,
            sent_by,
            sent_via,
            created_at: at,
        },
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    reply_at(store, conversation, sent_by, sent_via, at).await;
}

/// The ids of the conversations a search for `q` finds in `w`'s project.
async fn found(store: &Store, w: &World, q: &str) -> Vec<String> {
    let filter = ConversationFilter {
        search: Some(q),
        ..ConversationFilter::default()
    };
    let found = store.conversations(&w.project, &filter, 10).await.unwrap();
    found.into_iter().map(|c| c.id).collect()
}

#[tokio::test]
async fn on_sqlite_message_search_folds_case_and_the_accents_of_latin_letters() {
    let db = TestDatabase::sqlite().await;
    let w = world(&db.store).await;
    let (olga, _) = inbound(
        &db.store,
        &w,
        "3512345678",
        "wamid.o",
        "Olá! Meu pedido NÃO chegou",
        1,
    )
    .await;
    let (ivan, _) = inbound(
        &db.store,
        &w,
        "7912345678",
        "wamid.i",
        "Привет, где заказ?",
        2,
    )
    .await;
    for q in ["nao", "NÃO cheg", "OLA", "ola pedido"] {
        assert_eq!(found(&db.store, &w, q).await, [olga.as_str()], "{q:?}");
    }
    assert_eq!(found(&db.store, &w, "ЗАКАЗ").await, [ivan.as_str()]);
    assert!(
        found(&db.store, &w, "edido").await.is_empty(),
        "words' starts only"
    );
}

/// Messages stored before message search kept their words (migration 0014) get them when the
/// store opens, and are found from then on.
#[tokio::test]
async fn on_sqlite_messages_stored_before_their_search_words_get_them_on_start() {
    let db = TestDatabase::sqlite().await;
    let w = world(&db.store).await;
    let mut conversations = Vec::new();
    // More than one round of the rewrite (256 messages).
    for n in 0..300 {
        let text = if n % 100 == 7 {
            "where is my umbrella"
        } else {
            "hello"
        };
        let at = 1000 - n;
        let (id, _) = inbound(
            &db.store,
            &w,
            &format!("1555{n:07}"),
            &format!("wamid.{n}"),
            text,
            at,
        )
        .await;
        if n % 100 == 7 {
            conversations.push(id);
        }
    }
    sqlx::query("UPDATE messages SET search_text = NULL")
        .execute(db.store.pool())
        .await
        .unwrap();
    assert!(
        found(&db.store, &w, "umbrella").await.is_empty(),
        "without their words, the index holds nothing of them"
    );
    db.store.close().await;
    let reopened = Store::connect(&db.url).await.unwrap();
    assert_eq!(found(&reopened, &w, "umbrella").await, conversations);
    let missing: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages WHERE search_text IS NULL AND body IS NOT NULL",
    )
    .fetch_one(reopened.pool())
    .await
    .unwrap();
    assert_eq!(missing, 0);
    let indexed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM messages_search WHERE messages_search MATCH 'umbrella'",
    )
    .fetch_one(reopened.pool())
    .await
    .unwrap();
    assert_eq!(indexed, 3, "the full-text index has the words again");
}

/// Every page of a search for `q`, walked by cursor `page` at a time, as (time, id).
async fn search_pages(
    store: &Store,
    project: &str,
    q: &str,
    unread_only: bool,
    page: i64,
) -> Vec<(i64, String)> {
    let mut seen = Vec::new();
    let mut cursor: Option<(i64, String)> = None;
    loop {
        let filter = ConversationFilter {
            before: cursor.as_ref().map(|(at, id)| (*at, id.as_str())),
            search: Some(q),
            unread_only,
            ..ConversationFilter::default()
        };
        let found = store.conversations(project, &filter, page).await.unwrap();
        seen.extend(found.iter().map(|c| (c.last_message_at, c.id.clone())));
        if i64::try_from(found.len()).unwrap() < page {
            return seen;
        }
        let last = found.last().unwrap();
        cursor = Some((last.last_message_at, last.id.clone()));
    }
}

#[tokio::test]
async fn search_pages_are_exact_whether_the_words_are_common_or_rare() {
    // More conversations than a search checks one by one before it looks matches up, so
    // both ways, and the hand-over between them, give pages here.
    const CONVERSATIONS: i64 = 2600;
    each_backend(|store| async move {
        let w = world(&store).await;
        let rare = [5_i64, 480, 700, 1234, 2590];
        let named_zed = [3_i64, 1999, 2400];
        let text = |n: i64| {
            let mut text = String::from("Hello");
            if n % 3 == 0 {
                text.push_str(" where is my order");
            }
            if rare.contains(&n) {
                text.push_str(", the umbrella");
            }
            text
        };
        let mut tx = store.begin().await.unwrap();
        for n in 0..CONVERSATIONS {
            let number = format!("1415{n:07}");
            let name = if named_zed.contains(&n) {
                format!("Zed {n}")
            } else {
                format!("Person {n}")
            };
            let conversation =
                upsert_conversation(&mut tx, &contact(&w, Some(&number), Some(&name)), n)
                    .await
                    .unwrap();
            let body = text(n);
            insert_message(
                &mut tx,
                &NewMessage {
                    project_id: &w.project,
                    conversation_id: &conversation,
                    wamid: Some(&format!("wamid.{n}")),
                    direction: MessageDirection::Inbound,
                    kind: "text",
                    body: Some(&body),
                    data: &json!({ "body": body }),
                    status: MessageStatus::Received,
                    error: None,
                    sent_by: None,
                    sent_via: None,
                    created_at: n,
                },
            )
            .await
            .unwrap();
            // Read conversations are the even ones.
            let activity = Activity {
                at: n,
                preview: &body,
                direction: MessageDirection::Inbound,
                sent_by: None,
                sent_via: None,
                unread: n % 2 == 1,
            };
            record_activity(&mut tx, &conversation, &activity)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let times = |matching: &dyn Fn(i64) -> bool| -> Vec<i64> {
            (0..CONVERSATIONS).rev().filter(|n| matching(*n)).collect()
        };
        for (q, unread_only, expected) in [
            ("order", false, times(&|n| n % 3 == 0)),
            ("umbrella", false, times(&|n| rare.contains(&n))),
            ("zed", false, times(&|n| named_zed.contains(&n))),
            ("order", true, times(&|n| n % 3 == 0 && n % 2 == 1)),
            (
                "umbrella",
                true,
                times(&|n| rare.contains(&n) && n % 2 == 1),
            ),
            ("nowhere", false, Vec::new()),
        ] {
            for page in [30, 7] {
                let seen = search_pages(&store, &w.project, q, unread_only, page).await;
                let seen_times: Vec<i64> = seen.iter().map(|(at, _)| *at).collect();
                assert_eq!(
                    seen_times, expected,
                    "{q:?} (unread only: {unread_only}), {page} a page"
                );
            }
        }
    })
    .await;
}

#[tokio::test]
async fn metadata_is_replaced_and_audited_by_its_keys() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let (conversation, _) = inbound(&store, &w, "14155550123", "wamid.1", "Hi", 1000).await;
        let fresh = store
            .conversation(&w.project, &conversation)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(fresh.metadata, json!({}));
        let metadata = json!({ "tier": "gold", "orders": [1042] });
        let updated = metadata_in_tx(&store, &w.project, &conversation, &metadata, &w.owner)
            .await
            .unwrap();
        assert_eq!(updated.metadata, metadata);
        let entry = &store.audit_log(&w.project, None, 1).await.unwrap()[0];
        assert_eq!(entry.action, "conversation.metadata_update");
        assert_eq!(entry.target.as_deref(), Some(conversation.as_str()));
        assert_eq!(entry.details, json!({ "keys": ["orders", "tier"] }));
        assert!(
            metadata_in_tx(&store, "elsewhere", &conversation, &metadata, &w.owner)
                .await
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn a_thread_pages_newest_first() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let mut conversation = String::new();
        for n in 0..5_i64 {
            // Two messages in the same second, as WhatsApp's timestamps often are.
            let (id, _) = inbound(
                &store,
                &w,
                "14155550123",
                &format!("wamid.{n}"),
                &format!("m{n}"),
                1000 * (n / 2),
            )
            .await;
            conversation = id;
        }
        let first = store.messages(&conversation, None, 2).await.unwrap();
        let last = first.last().unwrap();
        let second = store
            .messages(&conversation, Some((last.created_at, &last.id)), 2)
            .await
            .unwrap();
        let last = second.last().unwrap();
        let third = store
            .messages(&conversation, Some((last.created_at, &last.id)), 2)
            .await
            .unwrap();
        let bodies: Vec<String> = [first, second, third]
            .concat()
            .into_iter()
            .map(|m| m.body.unwrap())
            .collect();
        assert_eq!(bodies, ["m4", "m3", "m2", "m1", "m0"]);
    })
    .await;
}

async fn read_in_tx(store: &Store, project: &str, conversation: &str) -> Option<Conversation> {
    let mut tx = store.begin().await.unwrap();
    let read = mark_conversation_read(&mut tx, project, conversation)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    read
}

async fn metadata_in_tx(
    store: &Store,
    project: &str,
    conversation: &str,
    metadata: &serde_json::Value,
    actor: &str,
) -> Option<Conversation> {
    let mut tx = store.begin().await.unwrap();
    let updated = set_conversation_metadata(
        &mut tx,
        project,
        conversation,
        metadata.as_object().unwrap(),
        actor,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    updated
}

#[tokio::test]
async fn embeds_are_created_found_by_token_changed_and_revoked_with_audit_entries() {
    each_backend(|store| async move {
        let w = world(&store).await;
        let origins = vec!["https://app.example.com".to_owned()];
        let new = quire_store::NewInboxEmbed {
            id: "e1",
            project_id: &w.project,
            name: "Support desk",
            token_hash: "hash-1",
            token_hint: "quire_embed_ab…",
            phone_number_id: Some(NUMBER_ID),
            allowed_origins: &origins,
            theme: "system",
            expires_at: Some(4_000_000_000_000),
        };
        let created = store.create_inbox_embed(&new, &w.owner).await.unwrap();
        assert_eq!(created.allowed_origins, origins);
        assert_eq!(created.phone_number_id.as_deref(), Some(NUMBER_ID));
        assert_eq!(created.created_by.as_deref(), Some(w.owner.as_str()));
        assert_eq!(
            store.inbox_embed_by_token("hash-1").await.unwrap(),
            Some(created.clone())
        );
        assert_eq!(store.inbox_embed_by_token("hash-2").await.unwrap(), None);
        assert_eq!(store.inbox_embed("other", "e1").await.unwrap(), None);

        let wider = vec![
            "https://app.example.com".to_owned(),
            "https://*.example.org".to_owned(),
        ];
        let changes = quire_store::InboxEmbedChanges {
            allowed_origins: Some(&wider),
            expires_at: Some(None),
            ..quire_store::InboxEmbedChanges::default()
        };
        let updated = store
            .update_inbox_embed(&w.project, "e1", &changes, &w.owner)
            .await
            .unwrap();
        assert_eq!(updated.allowed_origins, wider);
        assert_eq!(updated.expires_at, None);
        assert_eq!(updated.name, "Support desk");

        store.touch_inbox_embed("e1", 5_000).await.unwrap();
        store.touch_inbox_embed("e1", 6_000).await.unwrap();
        let touched = store.inbox_embed(&w.project, "e1").await.unwrap().unwrap();
        assert_eq!(touched.last_used_at, Some(5_000), "at most once a minute");

        let revoked = store
            .revoke_inbox_embed(&w.project, "e1", &w.owner)
            .await
            .unwrap();
        assert!(revoked.revoked_at.is_some());
        let again = store
            .revoke_inbox_embed(&w.project, "e1", &w.owner)
            .await
            .unwrap();
        assert_eq!(again.revoked_at, revoked.revoked_at);
        assert_eq!(store.inbox_embeds(&w.project).await.unwrap().len(), 1);

        store
            .audit_embed_action(&revoked, "inbox_embed.reply", "c1", json!({"chars": 5}))
            .await
            .unwrap();
        let log = store.audit_log(&w.project, None, 10).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|entry| entry.action.as_str()).collect();
        assert_eq!(
            actions[..4],
            [
                "inbox_embed.reply",
                "inbox_embed.revoke",
                "inbox_embed.update",
                "inbox_embed.create"
            ]
        );
        assert_eq!(log[0].actor_id, None);
        assert_eq!(log[0].details["embed_name"], "Support desk");
        assert_eq!(
            log[2].details["changed"],
            json!(["allowed_origins", "expires_at"])
        );
        assert!(
            !log.iter()
                .any(|entry| entry.details.to_string().contains("hash-1"))
        );
    })
    .await;
}
