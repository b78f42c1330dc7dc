//! Statuses held for a reply's wamid that never came (they were of messages other tools sent
//! through the number) go after [`quire_store::HELD_FOR_MS`].

use std::time::Duration;

use quire_store::{HELD_FOR_MS, Store, now_ms};

/// How often held statuses are pruned.
const EVERY: Duration = Duration::from_mins(5);

/// Prunes old held statuses now and every [`EVERY`], for as long as the server runs. Every
/// instance runs it; deleting what another instance just deleted costs nothing.
pub async fn run_pruning(store: Store) {
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.prune_early_statuses(now_ms() - HELD_FOR_MS).await {
            Ok(0) => {}
            Ok(pruned) => tracing::debug!(pruned, "pruned statuses no reply claimed"),
            Err(error) => {
                tracing::warn!(%error, "could not prune held WhatsApp statuses; trying again in five minutes");
            }
        }
    }
}
