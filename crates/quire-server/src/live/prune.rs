//! Old events go: the stream is for catching up after a reconnect, not a history. A client
//! whose last event was pruned gets a `reset` and reloads what it shows.

use std::time::Duration;

use quire_store::{Store, now_ms};

/// How long events are kept: a laptop closed overnight still resumes.
pub const KEPT_FOR: Duration = Duration::from_hours(24);
/// Events kept per project at most, so a busy project's table stays small.
pub const KEPT_PER_PROJECT: i64 = 10_000;
/// How often pruning runs.
const EVERY: Duration = Duration::from_mins(10);

/// Prunes old events now and every [`EVERY`], for as long as the server runs. Every instance
/// runs it; deleting what another instance just deleted costs nothing.
pub async fn run_pruning(store: Store) {
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let older_than = now_ms() - i64::try_from(KEPT_FOR.as_millis()).unwrap_or(i64::MAX);
        match store.prune_events(older_than, KEPT_PER_PROJECT).await {
            Ok(0) => {}
            Ok(pruned) => tracing::debug!(pruned, "pruned old live events"),
            Err(error) => tracing::warn!(%error, "could not prune old live events"),
        }
    }
}
