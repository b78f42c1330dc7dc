//! One subscriber's stream: where it starts, the handover from the database to the feed, and
//! what it may see.
//!
//! The subscriber joins the project's feed first and reads the database after: every event
//! committed since it joined reaches it through the feed, and every one before is in the
//! database. It sends the rows after its starting id, then follows the feed, skipping ids it
//! already sent, so nothing is sent twice or missed in between. A subscriber that falls
//! behind the feed reads what it missed from the database the same way.

use std::sync::Arc;

use quire_store::{Event, Store, StoreError};
use tokio::sync::{broadcast, watch};

use super::access::Access;
use super::hub::Subscription;
use super::slots::StreamSlot;
use super::visibility::Visibility;

/// Rows read from the database at a time while catching up.
const CATCH_UP_BATCH: i64 = 500;
/// Events sent together at most when they come quickly.
const MAX_BATCH: usize = 256;

/// What a stream sends.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// First on every stream: where it starts. Its id gives the client a place to resume
    /// from even before the first event.
    Ready {
        after: i64,
    },
    /// First instead of `Ready` when the client's place is gone (pruned, or from another
    /// database): it reloads what it shows, and the stream goes on after `after`.
    Reset {
        after: i64,
    },
    Event(Arc<Event>),
}

/// Where a stream starts, from the id the client sent (`Last-Event-ID` or `?after=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Start {
    /// The id after which events are sent.
    pub after: i64,
    /// Whether the client must reload first (its id is not among the stored ones).
    pub reset: bool,
}

impl Start {
    /// No id: from now on. `0`: every stored event (the client holds none). Another id: after
    /// it, when it is one of the project's stored ids or between them; an id outside them was
    /// pruned (or never was this database's), so the client resets and goes on from the
    /// latest.
    pub async fn resolve(
        store: &Store,
        project_id: &str,
        sent: Option<i64>,
    ) -> Result<Self, StoreError> {
        let after = match sent {
            None => store.latest_event_id(project_id).await?,
            Some(0) => 0,
            Some(sent) => {
                let retained = store.retained_events(project_id).await?;
                if retained.is_some_and(|r| r.oldest <= sent && sent <= r.latest) {
                    sent
                } else {
                    return Ok(Self {
                        after: retained.map_or(0, |r| r.latest),
                        reset: true,
                    });
                }
            }
        };
        Ok(Self {
            after,
            reset: false,
        })
    }
}

pub struct Follower {
    store: Store,
    project_id: String,
    subscription: Subscription,
    access: Access,
    stopping: watch::Receiver<bool>,
    /// The newest id sent or passed over.
    last: i64,
    /// Whether the database may hold events after `last` that the feed will not send.
    catching_up: bool,
    /// What to send first; `None` once sent.
    opening: Option<Delivery>,
    _slot: StreamSlot,
}

impl Follower {
    pub(super) fn new(
        store: Store,
        project_id: &str,
        subscription: Subscription,
        start: Start,
        access: Access,
        stopping: watch::Receiver<bool>,
        slot: StreamSlot,
    ) -> Self {
        Self {
            store,
            project_id: project_id.to_owned(),
            subscription,
            access,
            stopping,
            last: start.after,
            catching_up: true,
            opening: Some(if start.reset {
                Delivery::Reset { after: start.after }
            } else {
                Delivery::Ready { after: start.after }
            }),
            _slot: slot,
        }
    }

    /// The next events to send, oldest first; `None` when the stream ends: the server stops,
    /// the caller may no longer see the project, or the database failed (the client
    /// reconnects and resumes).
    pub async fn next_batch(&mut self) -> Option<Vec<Delivery>> {
        if let Some(opening) = self.opening.take() {
            return Some(vec![opening]);
        }
        loop {
            if *self.stopping.borrow() {
                return None;
            }
            let events = if self.catching_up {
                self.read_missed().await?
            } else {
                let (events, lagged) = tokio::select! {
                    received = receive(self.subscription.receiver()) => received?,
                    _ = self.stopping.changed() => return None,
                };
                self.catching_up = lagged;
                events
            };
            let fresh: Vec<Arc<Event>> = events.into_iter().filter(|e| e.id > self.last).collect();
            let Some(newest) = fresh.last().map(|e| e.id) else {
                continue;
            };
            self.last = newest;
            let visibility: Visibility = self.access.visibility().await?;
            let deliveries: Vec<Delivery> = fresh
                .into_iter()
                .filter(|event| visibility.allows(event))
                .map(Delivery::Event)
                .collect();
            if !deliveries.is_empty() {
                return Some(deliveries);
            }
        }
    }

    /// The stored events after `last`, a batch at a time, until there are no more.
    async fn read_missed(&mut self) -> Option<Vec<Arc<Event>>> {
        match self
            .store
            .events_after(&self.project_id, self.last, CATCH_UP_BATCH)
            .await
        {
            Ok(events) => {
                if events.len() < usize::try_from(CATCH_UP_BATCH).unwrap_or(usize::MAX) {
                    self.catching_up = false;
                }
                Some(events.into_iter().map(Arc::new).collect())
            }
            Err(error) => {
                tracing::warn!(%error, project = %self.project_id, "cannot read events for a stream; ending it so the client resumes");
                None
            }
        }
    }
}

/// The feed's next events: one, and those that came with it, and whether some were missed
/// (the receiver fell behind); `None` when the feed is gone.
async fn receive(
    receiver: &mut broadcast::Receiver<Arc<Event>>,
) -> Option<(Vec<Arc<Event>>, bool)> {
    let first = match receiver.recv().await {
        Ok(event) => event,
        Err(broadcast::error::RecvError::Lagged(_)) => return Some((Vec::new(), true)),
        Err(broadcast::error::RecvError::Closed) => return None,
    };
    let mut events = vec![first];
    while events.len() < MAX_BATCH {
        match receiver.try_recv() {
            Ok(event) => events.push(event),
            Err(broadcast::error::TryRecvError::Lagged(_)) => return Some((events, true)),
            Err(_) => break,
        }
    }
    Some((events, false))
}
