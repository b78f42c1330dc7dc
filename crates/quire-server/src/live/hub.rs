//! The hub: one feed per project that has subscribers, each a `tokio::sync::broadcast` of the
//! project's new events, in id order.
//!
//! A feed is made when a project's first subscriber comes and dropped when its last one goes.
//! Each has one task, the only reader of the project's new rows: woken by the store's event
//! wakes (this process's writers after commit, and on `PostgreSQL` every instance's `NOTIFY`),
//! it reads the rows after the last id it broadcast and broadcasts them. Wakes that come while
//! it reads make one more read, not one each.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use quire_store::{Event, EventWake, Store, StoreError};
use tokio::sync::{Notify, broadcast, watch};

/// Events a subscriber may fall behind by before it is told it lagged (it then reads what it
/// missed from the database).
const FEED_BUFFER: usize = 1024;
/// Rows a feed reads at a time.
const READ_BATCH: i64 = 500;
/// How long a feed waits before it reads again after the database failed.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

pub(super) struct Hub {
    store: Store,
    feeds: Mutex<HashMap<Arc<str>, Arc<Feed>>>,
    /// Set once the store's wakes are followed (and on `PostgreSQL` listened for).
    following: tokio::sync::OnceCell<()>,
    /// `true` once the server shuts down: every stream ends. Its receivers also see the hub go.
    stopping: watch::Sender<bool>,
}

/// One project's new events.
struct Feed {
    project_id: Arc<str>,
    sender: broadcast::Sender<Arc<Event>>,
    /// A permit for the feed's task to read again.
    wake: Notify,
    /// `true` once the task knows where the project's events stand (the id it broadcasts
    /// after); a subscriber reads the database only then, so nothing falls between the two.
    ready: watch::Sender<bool>,
    /// Set when the last subscriber left: the task ends.
    closed: AtomicBool,
}

/// A subscriber's place in a project's feed. Dropping it leaves the feed (and drops the feed
/// when it was the last).
pub struct Subscription {
    receiver: Option<broadcast::Receiver<Arc<Event>>>,
    feed: Arc<Feed>,
    hub: Weak<Hub>,
}

impl Hub {
    pub(super) fn new(store: Store) -> Self {
        Self {
            store,
            feeds: Mutex::default(),
            following: tokio::sync::OnceCell::new(),
            stopping: watch::channel(false).0,
        }
    }

    pub(super) fn store(&self) -> &Store {
        &self.store
    }

    /// Ends every stream (at shutdown).
    pub(super) fn stop(&self) {
        self.stopping.send_replace(true);
    }

    pub(super) fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    /// Wakes the feed of `project_id`, if it has one: its task reads the project's new rows.
    pub(super) fn wake(&self, project_id: &str) {
        if let Some(feed) = self.feeds.lock().expect("feeds lock").get(project_id) {
            feed.wake.notify_one();
        }
    }

    fn wake_all(&self) {
        for feed in self.feeds.lock().expect("feeds lock").values() {
            feed.wake.notify_one();
        }
    }

    /// Joins `project_id`'s feed, making it if needed, once the feed knows where the
    /// project's events stand: every event committed after this answers reaches the
    /// subscription, and every one before it is in the database.
    pub(super) async fn subscribe(
        self: &Arc<Self>,
        project_id: &str,
    ) -> Result<Subscription, StoreError> {
        self.follow_wakes().await?;
        let (feed, receiver) = {
            let mut feeds = self.feeds.lock().expect("feeds lock");
            let feed = feeds
                .entry(Arc::from(project_id))
                .or_insert_with_key(|project_id| {
                    let feed = Arc::new(Feed {
                        project_id: project_id.clone(),
                        sender: broadcast::channel(FEED_BUFFER).0,
                        wake: Notify::new(),
                        ready: watch::channel(false).0,
                        closed: AtomicBool::new(false),
                    });
                    tokio::spawn(run_feed(self.store.clone(), feed.clone()));
                    feed
                })
                .clone();
            let receiver = feed.sender.subscribe();
            (feed, receiver)
        };
        let subscription = Subscription {
            receiver: Some(receiver),
            feed,
            hub: Arc::downgrade(self),
        };
        let mut ready = subscription.feed.ready.subscribe();
        // The feed's task holds the sender, so this ends with the feed ready.
        let _ = ready.wait_for(|ready| *ready).await;
        Ok(subscription)
    }

    /// Starts passing the store's event wakes to the feeds, once; on `PostgreSQL` the store
    /// listens for every instance's events first, so none committed after this is missed.
    async fn follow_wakes(self: &Arc<Self>) -> Result<(), StoreError> {
        self.following
            .get_or_try_init(|| async {
                self.store.follow_events().await?;
                tokio::spawn(pass_on_wakes(
                    self.store.event_wakes(),
                    Arc::downgrade(self),
                    self.stopping.subscribe(),
                ));
                Ok::<_, StoreError>(())
            })
            .await?;
        Ok(())
    }

    /// Drops `feed` when nobody subscribes to it any more.
    fn leave(&self, feed: &Arc<Feed>) {
        let mut feeds = self.feeds.lock().expect("feeds lock");
        if feed.sender.receiver_count() == 0 {
            if feeds
                .get(&feed.project_id)
                .is_some_and(|current| Arc::ptr_eq(current, feed))
            {
                feeds.remove(&feed.project_id);
            }
            feed.closed.store(true, Ordering::Release);
            feed.wake.notify_one();
        }
    }

    /// How many projects have a feed (for tests and metrics).
    pub(super) fn feeds(&self) -> usize {
        self.feeds.lock().expect("feeds lock").len()
    }
}

impl Subscription {
    pub fn receiver(&mut self) -> &mut broadcast::Receiver<Arc<Event>> {
        self.receiver
            .as_mut()
            .expect("a subscription holds its receiver until dropped")
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // The receiver goes first, so the count the hub reads no longer includes it.
        self.receiver.take();
        if let Some(hub) = self.hub.upgrade() {
            hub.leave(&self.feed);
        }
    }
}

/// Hands the store's wakes to the feeds until the hub is gone or stops.
async fn pass_on_wakes(
    mut wakes: broadcast::Receiver<EventWake>,
    hub: Weak<Hub>,
    mut stopping: watch::Receiver<bool>,
) {
    loop {
        let wake = tokio::select! {
            wake = wakes.recv() => wake,
            // Stopping, or the hub is gone.
            _ = stopping.changed() => return,
        };
        let Some(hub) = hub.upgrade() else { return };
        match wake {
            Ok(EventWake::Project(project_id)) => hub.wake(&project_id),
            // Fell behind: some wakes are lost, so every feed reads.
            Ok(EventWake::All) | Err(broadcast::error::RecvError::Lagged(_)) => hub.wake_all(),
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// A feed's one reader: learns where the project's events stand, then on each wake reads the
/// rows after the last it broadcast and broadcasts them in order, until the feed closes.
async fn run_feed(store: Store, feed: Arc<Feed>) {
    let mut last = loop {
        if feed.closed.load(Ordering::Acquire) {
            return;
        }
        match store.latest_event_id(&feed.project_id).await {
            Ok(latest) => break latest,
            Err(error) => {
                tracing::warn!(%error, project = %feed.project_id, "cannot read where the project's events stand; retrying");
                tokio::time::sleep(RETRY_AFTER_FAILURE).await;
            }
        }
    };
    feed.ready.send_replace(true);
    loop {
        feed.wake.notified().await;
        loop {
            if feed.closed.load(Ordering::Acquire) {
                return;
            }
            match store.events_after(&feed.project_id, last, READ_BATCH).await {
                Ok(events) => {
                    let read = events.len();
                    for event in events {
                        last = event.id;
                        // Nobody listening right now is no error: the feed closes soon.
                        let _ = feed.sender.send(Arc::new(event));
                    }
                    if read < usize::try_from(READ_BATCH).unwrap_or(usize::MAX) {
                        break;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, project = %feed.project_id, "cannot read the project's new events; retrying");
                    tokio::time::sleep(RETRY_AFTER_FAILURE).await;
                }
            }
        }
    }
}
