//! The history: conversations and messages written straight through the store, as the
//! server writes them, many to a transaction.
//!
//! Each incoming message goes through the writer functions that `inbox::ingest` calls for a
//! delivery (`upsert_conversation`, `insert_message`, `record_activity`), with the body,
//! preview and data that ingestion derives ([`meta::Incoming::stored`], checked against real
//! deliveries by [`check_stored_form`]). Each answer of the team goes the way `inbox::reply`
//! stores a reply (`insert_message` pending, `record_activity`, then `finish_send` with its
//! wamid), after the conversation was read (`mark_conversation_read`), and its statuses
//! move it as status deliveries do (`apply_status`). So the rows, the `SQLite` full-text triggers and the `PostgreSQL`
//! `tsvector` columns are what the server would have written; what is skipped is what a
//! delivery adds around them (the signature, the JSON, a transaction per delivery, the
//! connection's last delivery time, and live events, which are pruned after a day anyway).

use std::time::Instant;

use anyhow::Context;
use quire_store::{
    Activity, ContactSeen, MessageDirection, MessageStatus, NewMessage, SendOutcome, Store,
    StoreError, Tx, apply_status, finish_send, insert_message, mark_conversation_read, now_ms,
    record_activity, upsert_conversation,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::meta::{self, Incoming, Number};
use crate::people::Person;
use crate::texts;

/// Conversations written per transaction.
const CONVERSATIONS_PER_TX: usize = 250;
/// The longest thread the history has.
const MAX_THREAD: usize = 3000;
const DAY_SECS: f64 = 86_400.0;

/// A contact with a conversation on one of the numbers.
#[derive(Clone, Debug)]
pub struct Contact {
    pub person: Person,
    /// Index into the benchmark's numbers.
    pub number: usize,
}

/// What the seed wrote.
pub struct Seeded {
    pub conversations: usize,
    pub messages: usize,
    pub seconds: f64,
}

/// How many messages each of `conversations` threads gets, `messages` in all: most a few,
/// some dozens, a few in the thousands.
pub fn thread_lengths(rng: &mut impl Rng, conversations: usize, messages: usize) -> Vec<usize> {
    if conversations == 0 {
        return Vec::new();
    }
    #[expect(clippy::cast_precision_loss, reason = "counts of the benchmark")]
    let mean = messages as f64 / conversations as f64;
    let mut lengths: Vec<usize> = (0..conversations)
        .map(|_| {
            let exponential = -(1.0 - rng.r#gen::<f64>()).ln() * (mean - 1.0).max(0.0);
            let scale = if rng.gen_bool(0.005) { 20.0 } else { 1.0 };
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a small positive count"
            )]
            let length = 1 + (exponential * scale) as usize;
            length.min(MAX_THREAD)
        })
        .collect();
    let mut total: usize = lengths.iter().sum();
    while total != messages {
        let pick = rng.gen_range(0..conversations);
        if total < messages && lengths[pick] < MAX_THREAD {
            lengths[pick] += 1;
            total += 1;
        } else if total > messages && lengths[pick] > 1 {
            lengths[pick] -= 1;
            total -= 1;
        }
    }
    lengths
}

/// Writes one conversation per contact, `lengths[i]` messages for `contacts[i]`, with
/// `workers` writers at once (1 on `SQLite`, whose writes queue anyway).
pub async fn seed(
    store: &Store,
    project_id: &str,
    agent_id: &str,
    numbers: &[Number],
    contacts: &[Contact],
    lengths: &[usize],
    workers: usize,
) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let now_secs = now_ms() / 1000;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..workers {
        let store = store.clone();
        let project_id = project_id.to_owned();
        let agent_id = agent_id.to_owned();
        let numbers = numbers.to_vec();
        let mine: Vec<(usize, Contact, usize)> = contacts
            .iter()
            .zip(lengths)
            .enumerate()
            .filter(|(index, _)| index % workers == worker)
            .map(|(index, (contact, length))| (index, contact.clone(), *length))
            .collect();
        tasks.spawn(async move {
            let writer = Writer {
                project_id: &project_id,
                agent_id: &agent_id,
                numbers: &numbers,
                now_secs,
            };
            for chunk in mine.chunks(CONVERSATIONS_PER_TX) {
                let mut tx = store.begin().await?;
                for (index, contact, length) in chunk {
                    writer
                        .conversation(&mut tx, *index, contact, *length)
                        .await?;
                }
                tx.commit().await?;
            }
            Ok::<_, StoreError>(())
        });
    }
    let mut done = 0;
    while let Some(finished) = tasks.join_next().await {
        finished.context("a seed worker panicked")??;
        done += 1;
        eprintln!(
            "  seed: {done} of {workers} writers done ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(Seeded {
        conversations: contacts.len(),
        messages: lengths.iter().sum(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

struct Writer<'a> {
    project_id: &'a str,
    agent_id: &'a str,
    numbers: &'a [Number],
    now_secs: i64,
}

impl Writer<'_> {
    /// One contact's whole thread, from their first message on; its own generator makes
    /// the same thread whichever writer runs it.
    async fn conversation(
        &self,
        tx: &mut Tx,
        index: usize,
        contact: &Contact,
        length: usize,
    ) -> Result<(), StoreError> {
        let mut rng = StdRng::seed_from_u64(0x5EED_0000 ^ index as u64);
        let number = &self.numbers[contact.number];
        let person = &contact.person;
        let times = timeline(&mut rng, self.now_secs, length);
        let seen = ContactSeen {
            project_id: self.project_id,
            connection_id: &number.connection_id,
            phone_number_id: &number.phone_number_id,
            wa_id: person.wa_id.as_deref(),
            user_id: person.user_id.as_deref(),
            username: person.username.as_deref(),
            name: Some(&person.name),
        };
        let conversation = upsert_conversation(tx, &seen, times[0] * 1000).await?;
        let mut inbound = true;
        let mut answered: Option<String> = None;
        for (k, at_secs) in times.iter().enumerate() {
            if k > 0 {
                // After a message of the contact the team answers about half the time; after
                // an answer the contact often writes again.
                inbound = if inbound {
                    !rng.gen_bool(0.45)
                } else {
                    rng.gen_bool(0.7)
                };
            }
            if inbound {
                let message = Incoming::random(
                    &mut rng,
                    meta::wamid(&format!("S{index}.{k}")),
                    *at_secs,
                    answered.as_deref(),
                );
                self.incoming(tx, &conversation, &message).await?;
            } else {
                let wamid = meta::wamid(&format!("R{index}.{k}"));
                self.answer(tx, &mut rng, &conversation, &wamid, *at_secs)
                    .await?;
                answered = Some(wamid);
            }
        }
        // Most threads whose last word is the contact's were read since.
        if inbound && rng.gen_bool(0.75) {
            mark_conversation_read(tx, self.project_id, &conversation).await?;
        }
        Ok(())
    }

    /// As `inbox::ingest::store_message` writes a new message.
    async fn incoming(
        &self,
        tx: &mut Tx,
        conversation: &str,
        message: &Incoming,
    ) -> Result<(), StoreError> {
        let stored = message.stored();
        insert_message(
            tx,
            &NewMessage {
                project_id: self.project_id,
                conversation_id: conversation,
                wamid: Some(&message.wamid),
                direction: MessageDirection::Inbound,
                kind: message.kind,
                body: stored.body.as_deref(),
                data: &stored.data,
                status: MessageStatus::Received,
                error: None,
                sent_by: None,
                created_at: message.sent_at_ms(),
            },
        )
        .await?;
        record_activity(
            tx,
            conversation,
            &Activity {
                at: message.sent_at_ms(),
                preview: &stored.preview,
                direction: MessageDirection::Inbound,
                unread: true,
            },
        )
        .await
    }

    /// As `inbox::reply` stores a reply the Cloud API took (or refused), after the agent
    /// read the thread, and as status deliveries move it on.
    async fn answer(
        &self,
        tx: &mut Tx,
        rng: &mut StdRng,
        conversation: &str,
        wamid: &str,
        at_secs: i64,
    ) -> Result<(), StoreError> {
        mark_conversation_read(tx, self.project_id, conversation).await?;
        let text = texts::answer(rng);
        let at = at_secs * 1000;
        let pending = insert_message(
            tx,
            &NewMessage {
                project_id: self.project_id,
                conversation_id: conversation,
                wamid: None,
                direction: MessageDirection::Outbound,
                kind: "text",
                body: Some(&text),
                data: &json!({ "body": text }),
                status: MessageStatus::Pending,
                error: None,
                sent_by: Some(self.agent_id),
                created_at: at,
            },
        )
        .await?
        .expect("a pending message has no wamid to collide");
        record_activity(
            tx,
            conversation,
            &Activity {
                at,
                preview: &text,
                direction: MessageDirection::Outbound,
                unread: false,
            },
        )
        .await?;
        if rng.gen_bool(0.02) {
            let error = json!({
                "code": 131_047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
            });
            finish_send(
                tx,
                &pending.id,
                &SendOutcome::Failed { error: &error },
                at + 400,
            )
            .await?;
            return Ok(());
        }
        finish_send(tx, &pending.id, &SendOutcome::Sent { wamid }, at + 400).await?;
        let reached: &[MessageStatus] = match rng.gen_range(0..100) {
            0..72 => &[MessageStatus::Delivered, MessageStatus::Read],
            72..92 => &[MessageStatus::Delivered],
            _ => &[],
        };
        for (step, status) in reached.iter().enumerate() {
            let later =
                at + 2000 * (i64::try_from(step).unwrap_or(0) + 1) + rng.gen_range(0..600_000);
            apply_status(tx, self.project_id, wamid, *status, later, None).await?;
        }
        Ok(())
    }
}

/// When each of `length` messages was sent, in Unix seconds, oldest first: bursts minutes
/// apart, with days between some; the last one anywhere in the past year, recent ones more
/// often (people come back).
fn timeline(rng: &mut impl Rng, now_secs: i64, length: usize) -> Vec<i64> {
    let gaps: Vec<f64> = (1..length)
        .map(|_| {
            let mean = if rng.gen_bool(0.15) {
                3.0 * DAY_SECS
            } else {
                900.0
            };
            -(1.0 - rng.r#gen::<f64>()).ln() * mean + 5.0
        })
        .collect();
    #[expect(
        clippy::cast_precision_loss,
        reason = "seconds since the epoch fit in f64"
    )]
    let last = now_secs as f64 - 60.0 - 365.0 * DAY_SECS * rng.r#gen::<f64>().powi(2);
    let mut at = last - gaps.iter().sum::<f64>();
    let mut times = Vec::with_capacity(length);
    #[expect(clippy::cast_possible_truncation, reason = "seconds since the epoch")]
    times.push(at as i64);
    for gap in gaps {
        at += gap;
        #[expect(clippy::cast_possible_truncation, reason = "seconds since the epoch")]
        times.push(at as i64);
    }
    times
}

/// Checks that [`Incoming::stored`] is what ingestion stores: `sent` are messages that went
/// through the real webhook; each stored row must have the type, body and data the seed
/// would write for it. Answers how many were compared.
pub async fn check_stored_form(
    store: &Store,
    project_id: &str,
    sent: &[Incoming],
) -> anyhow::Result<usize> {
    for message in sent {
        let row = store
            .message_by_wamid(project_id, &message.wamid)
            .await?
            .with_context(|| format!("the delivered message {} was not stored", message.wamid))?;
        let expected = message.stored();
        anyhow::ensure!(
            row.kind == message.kind && row.body == expected.body && row.data == expected.data,
            "the seed would store {} differently from ingestion: ingestion stored ({}, {:?}, {}), the seed ({}, {:?}, {})",
            message.wamid,
            row.kind,
            row.body,
            row.data,
            message.kind,
            expected.body,
            expected.data,
        );
    }
    Ok(sent.len())
}

/// Checks the list preview ingestion wrote against [`Incoming::stored`]: `lasts` holds each
/// contact's key (`wa_id`, else user id) with the last message they sent through the webhook.
pub async fn check_previews(
    store: &Store,
    project_id: &str,
    lasts: &[(String, Incoming)],
) -> anyhow::Result<usize> {
    for (contact_key, message) in lasts {
        let preview: String = sqlx::query_scalar(
            "SELECT last_message_preview FROM conversations WHERE project_id = $1 AND contact_key = $2",
        )
        .bind(project_id)
        .bind(contact_key)
        .fetch_one(store.pool())
        .await?;
        let expected = message.stored().preview;
        anyhow::ensure!(
            preview == expected,
            "the seed would write the preview {expected:?} where ingestion wrote {preview:?}"
        );
    }
    Ok(lasts.len())
}
