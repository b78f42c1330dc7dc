//! How many event streams each account (or embedded inbox) holds open on this instance, bounded.
//!
//! A stream holds a connection, a task's worth of state and a place in a feed for as long as
//! the client stays. The app opens one per project a tab shows (shared by the tab's
//! components), so a person with many tabs needs a few dozen at most; past
//! [`STREAMS_PER_USER`] it is a leak or a script, and one account must not hold the instance's
//! connections and memory. The bound is per instance, like the other in-memory limits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Streams one account may hold open on one instance.
pub const STREAMS_PER_USER: usize = 32;
/// Streams one embedded inbox may hold open on one instance: every person of the team that
/// embeds it shares its token.
pub const STREAMS_PER_EMBED: usize = 1000;

#[derive(Default)]
pub(super) struct StreamSlots {
    /// Open streams by user id; users with none are absent.
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// One open stream; dropping it frees the place.
pub struct StreamSlot {
    open: Arc<Mutex<HashMap<String, usize>>>,
    user_id: String,
}

impl StreamSlots {
    /// A place for one more stream of `user_id`, or `None` when they hold `limit` already.
    pub(super) fn take(&self, user_id: &str, limit: usize) -> Option<StreamSlot> {
        let mut open = self.open.lock().expect("stream slots lock");
        let count = open.entry(user_id.to_owned()).or_default();
        if *count >= limit {
            if *count == 0 {
                open.remove(user_id);
            }
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            open: self.open.clone(),
            user_id: user_id.to_owned(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().expect("stream slots lock");
        if let Some(count) = open.get_mut(&self.user_id) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_holds_at_most_the_limit_and_a_closed_stream_frees_its_place() {
        let slots = StreamSlots::default();
        let first = slots.take("ann", 2).expect("a first place");
        let second = slots.take("ann", 2).expect("a second place");
        assert!(slots.take("ann", 2).is_none(), "no third");
        assert!(
            slots.take("bob", 2).is_some(),
            "another account has its own"
        );
        drop(first);
        let third = slots.take("ann", 2).expect("a place again once one closed");
        drop((second, third));
        assert!(
            slots.open.lock().unwrap().is_empty(),
            "nothing is kept for accounts without streams"
        );
    }
}
