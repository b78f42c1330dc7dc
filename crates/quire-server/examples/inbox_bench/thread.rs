//! One contact's history, planned before it is written: every message in order, what
//! happened to it (a contact's message arrives; a reply of the team is stored pending, sent or
//! refused, then delivered and read), and how the conversation's list entry ends up. The seed
//! writes a plan either step by step through the store's writers or as the rows those steps
//! leave ([`Thread::rows`], [`Thread::entry`]); both come from this one plan.

use quire_store::{MessageDirection, MessageStatus};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::meta::{self, Incoming};
use crate::texts;

const DAY_SECS: f64 = 86_400.0;
/// How long after a reply is stored the Cloud API answers it, in milliseconds.
pub const SEND_MS: i64 = 400;

/// A message of the thread.
#[derive(Clone, Debug)]
pub enum Step {
    /// A message of the contact, as a delivery brings it.
    Incoming(Incoming),
    /// A reply of the team: written at `at` (ms) after the agent read the thread; the Cloud
    /// API took it (`wamid`, then `statuses` arrived) or refused it (`error`).
    Reply {
        text: String,
        at: i64,
        outcome: ReplyOutcome,
    },
}

#[derive(Clone, Debug)]
pub enum ReplyOutcome {
    Sent {
        wamid: String,
        /// Statuses delivered later, with their times (ms), in order.
        statuses: Vec<(MessageStatus, i64)>,
    },
    Failed {
        error: Value,
    },
}

#[derive(Clone, Debug)]
pub struct Thread {
    pub steps: Vec<Step>,
    /// Whether the team read the thread after its last message (when that is the contact's).
    pub read_at_end: bool,
}

/// A message row as the writers leave it, without its generated id.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageRow {
    pub wamid: Option<String>,
    pub direction: MessageDirection,
    pub kind: String,
    pub body: Option<String>,
    /// The `data` column's text.
    pub data: String,
    pub status: MessageStatus,
    /// The `error` column's text.
    pub error: Option<String>,
    /// Whether an agent sent it (`sent_by` is the agent's id).
    pub by_agent: bool,
    pub created_at: i64,
    pub status_at: i64,
}

/// The conversation's list entry as the writers leave it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub last_message_at: i64,
    pub last_message_preview: String,
    pub last_message_direction: MessageDirection,
    /// Whether the last message is an agent's reply (`last_message_sent_by` is the agent's id).
    pub last_message_by_agent: bool,
    pub unread_count: i64,
}

impl Thread {
    /// The thread of conversation `index` with `length` messages; its own generator makes
    /// the same thread whichever writer writes it.
    pub fn plan(index: usize, length: usize, now_secs: i64) -> Self {
        let mut rng = StdRng::seed_from_u64(0x5EED_0000 ^ index as u64);
        let times = timeline(&mut rng, now_secs, length);
        let mut steps = Vec::with_capacity(length);
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
                let wamid = meta::wamid(&format!("S{index}.{k}"));
                steps.push(Step::Incoming(Incoming::random(
                    &mut rng,
                    wamid,
                    *at_secs,
                    answered.as_deref(),
                )));
            } else {
                let wamid = meta::wamid(&format!("R{index}.{k}"));
                let at = at_secs * 1000;
                let text = texts::answer(&mut rng);
                let outcome = if rng.gen_bool(0.02) {
                    ReplyOutcome::Failed {
                        error: json!({
                            "code": 131_047,
                            "title": "Re-engagement message",
                            "message": "Re-engagement message",
                            "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
                        }),
                    }
                } else {
                    let reached: &[MessageStatus] = match rng.gen_range(0..100) {
                        0..72 => &[MessageStatus::Delivered, MessageStatus::Read],
                        72..92 => &[MessageStatus::Delivered],
                        _ => &[],
                    };
                    let mut later = at + SEND_MS;
                    let statuses = reached
                        .iter()
                        .map(|status| {
                            later += rng.gen_range(1000..600_000);
                            (*status, later)
                        })
                        .collect();
                    answered = Some(wamid.clone());
                    ReplyOutcome::Sent { wamid, statuses }
                };
                steps.push(Step::Reply { text, at, outcome });
            }
        }
        // Most threads whose last word is the contact's were read since.
        let read_at_end = inbound && rng.gen_bool(0.75);
        Self { steps, read_at_end }
    }

    /// When its first message was sent (ms): the conversation's start.
    pub fn started_at(&self) -> i64 {
        match &self.steps[0] {
            Step::Incoming(message) => message.sent_at_ms(),
            Step::Reply { at, .. } => *at,
        }
    }

    /// Every message as the writers leave it, in the order they are written.
    pub fn rows(&self) -> Vec<MessageRow> {
        self.steps
            .iter()
            .map(|step| match step {
                Step::Incoming(message) => {
                    let stored = message.stored();
                    MessageRow {
                        wamid: Some(message.wamid.clone()),
                        direction: MessageDirection::Inbound,
                        kind: message.kind.to_owned(),
                        body: stored.body,
                        data: stored.data.to_string(),
                        status: MessageStatus::Received,
                        error: None,
                        by_agent: false,
                        created_at: message.sent_at_ms(),
                        status_at: message.sent_at_ms(),
                    }
                }
                Step::Reply { text, at, outcome } => {
                    let (wamid, status, error, status_at) = match outcome {
                        ReplyOutcome::Sent { wamid, statuses } => {
                            let (status, status_at) = statuses
                                .last()
                                .copied()
                                .unwrap_or((MessageStatus::Sent, at + SEND_MS));
                            (Some(wamid.clone()), status, None, status_at)
                        }
                        ReplyOutcome::Failed { error } => (
                            None,
                            MessageStatus::Failed,
                            Some(error.to_string()),
                            at + SEND_MS,
                        ),
                    };
                    MessageRow {
                        wamid,
                        direction: MessageDirection::Outbound,
                        kind: "text".to_owned(),
                        body: Some(text.clone()),
                        data: json!({ "body": text }).to_string(),
                        status,
                        error,
                        by_agent: true,
                        created_at: *at,
                        status_at,
                    }
                }
            })
            .collect()
    }

    /// The list entry after the last message: its time, preview and direction, and the
    /// contact's messages since the team last read the thread.
    pub fn entry(&self) -> Entry {
        let mut unread = 0;
        for step in &self.steps {
            match step {
                Step::Incoming(_) => unread += 1,
                Step::Reply { .. } => unread = 0,
            }
        }
        if self.read_at_end {
            unread = 0;
        }
        let (last_message_at, last_message_preview, last_message_direction) =
            match self.steps.last().expect("a thread has a message") {
                Step::Incoming(message) => (
                    message.sent_at_ms(),
                    message.stored().preview,
                    MessageDirection::Inbound,
                ),
                Step::Reply { text, at, .. } => (*at, text.clone(), MessageDirection::Outbound),
            };
        Entry {
            last_message_at,
            last_message_preview,
            last_message_direction,
            last_message_by_agent: last_message_direction == MessageDirection::Outbound,
            unread_count: unread,
        }
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
