//! The live event stream: events are rows the store writes in the same transaction as the
//! change they announce (`quire_store::Store::append_event`), with ids from the database, so
//! every instance sees one order. [`Live`], held by the app's state, fans a project's new rows
//! out to its subscribers through a per-project feed ([`hub`]); each subscriber's stream
//! resumes from an id, hands over from the database to the feed and sees only what its role
//! may ([`follow`], [`visibility`], [`access`]); each account holds a bounded number of
//! streams ([`slots`]); old rows are pruned ([`prune`]). The route
//! `GET /api/v1/projects/{p}/events` serves a stream as server-sent events.
//!
//! A writer that appends events commits and then calls `Store::announce_events` (or
//! [`Live::wake`]): that wakes this process's feeds; on `PostgreSQL`, `NOTIFY` wakes every
//! instance's at commit.

mod access;
mod follow;
mod hub;
mod prune;
mod slots;
mod visibility;

use std::sync::Arc;

use quire_store::{Store, StoreError};

pub use self::access::Access;
pub use self::follow::{Delivery, Follower, Start};
use self::hub::Hub;
pub use self::prune::{KEPT_FOR, KEPT_PER_PROJECT, run_pruning};
use self::slots::StreamSlots;
pub use self::slots::{STREAMS_PER_EMBED, STREAMS_PER_USER, StreamSlot};
pub use self::visibility::Visibility;

pub struct Live {
    hub: Arc<Hub>,
    slots: StreamSlots,
}

impl Live {
    pub fn new(store: Store) -> Self {
        Self {
            hub: Arc::new(Hub::new(store)),
            slots: StreamSlots::default(),
        }
    }

    /// Tells this process's subscribers of `project_id` that it has new committed events; the
    /// same as `Store::announce_events`, for callers that hold the app rather than the store.
    pub fn wake(&self, project_id: &str) {
        self.hub.wake(project_id);
    }

    /// Ends every stream, so shutdown does not wait for clients that never leave.
    pub fn stop(&self) {
        self.hub.stop();
    }

    /// A place for one more stream of `owner` (an account, or an embedded inbox); `None`
    /// when it holds `limit` on this instance already.
    pub fn take_slot(&self, owner: &str, limit: usize) -> Option<StreamSlot> {
        self.slots.take(owner, limit)
    }

    /// A stream of `project_id`'s events after the id the client `sent` (see
    /// [`Start::resolve`]) for the caller `access` checks. Once this answers, every event
    /// committed later reaches the stream.
    pub async fn follow(
        &self,
        project_id: &str,
        sent: Option<i64>,
        access: Access,
        slot: StreamSlot,
    ) -> Result<Follower, StoreError> {
        let subscription = self.hub.subscribe(project_id).await?;
        let start = Start::resolve(self.hub.store(), project_id, sent).await?;
        Ok(Follower::new(
            self.hub.store().clone(),
            project_id,
            subscription,
            start,
            access,
            self.hub.stopping(),
            slot,
        ))
    }

    /// How many projects have subscribers on this instance.
    pub fn followed_projects(&self) -> usize {
        self.hub.feeds()
    }
}
