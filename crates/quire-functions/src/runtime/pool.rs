//! The pool of idle isolates, keyed by function version: it hands a call an isolate that last
//! ran on the caller's thread, evicts the least recently used beyond its caps, and remembers
//! the versions whose calls ran long.

use std::thread::ThreadId;

use crate::isolate::Isolate;
use crate::types::FunctionRef;

/// Function versions remembered as too slow to run on the caller's thread; past this many the
/// list starts over (a version forgotten that way hands off once more, then is listed again).
const SLOW_KEYS_KEPT: usize = 4096;

/// The idle pool sweeps out the lists of versions with no idle isolate when there are more
/// than this many of them.
const EMPTY_LISTS_SWEPT_PAST: usize = 1024;

/// A function version, whose isolates serve only its calls.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub project_id: String,
    pub function_id: String,
    pub version: i64,
}

impl Key {
    pub fn of(function: &FunctionRef) -> Self {
        Self {
            project_id: function.project_id.clone(),
            function_id: function.function_id.clone(),
            version: function.version,
        }
    }
}

/// An idle isolate, with when and where it last ran.
struct Idle {
    tick: u64,
    /// The thread it last ran on: a call there finds its memory still in that core's caches.
    thread: ThreadId,
    isolate: Isolate,
}

/// Idle isolates by function version. Every call hashes two ids per lookup: `foldhash`
/// (seeded per process) does it in about half the instructions of the standard `SipHash`.
#[derive(Default)]
pub struct IdlePool {
    /// A version's list stays when it empties, so the next call of that version puts its
    /// isolate back without a new entry; empty lists are swept when they pile up.
    by_key: foldhash::HashMap<Key, Vec<Idle>>,
    pub total: usize,
    tick: u64,
    /// Versions whose calls ran long on a caller's thread: their calls go to the workers.
    pub slow: foldhash::HashSet<Key>,
}

impl IdlePool {
    /// An idle isolate of `key`, preferably one that last ran on this thread: one that moves
    /// between threads finds its memory in the other core's caches (under load in the HTTP
    /// benchmark, keeping isolates on their threads saved about 10 µs of CPU per call).
    pub fn take(&mut self, key: &Key) -> Option<Isolate> {
        let list = self.by_key.get_mut(key)?;
        let here = std::thread::current().id();
        let position = list
            .iter()
            .rposition(|idle| idle.thread == here)
            .or_else(|| list.len().checked_sub(1))?;
        let isolate = list.remove(position).isolate;
        self.total -= 1;
        Some(isolate)
    }

    /// Keeps `isolate` unless its key or the pool is full; returns what to drop (outside the
    /// lock).
    pub fn put(&mut self, key: Key, isolate: Isolate, per_key: usize, cap: usize) -> Vec<Isolate> {
        let mut dropped = Vec::new();
        self.tick += 1;
        if self.by_key.len() > EMPTY_LISTS_SWEPT_PAST + self.total {
            self.by_key.retain(|_, list| !list.is_empty());
        }
        let list = self.by_key.entry(key).or_default();
        if list.len() >= per_key || cap == 0 {
            dropped.push(isolate);
            return dropped;
        }
        list.push(Idle {
            tick: self.tick,
            thread: std::thread::current().id(),
            isolate,
        });
        self.total += 1;
        while self.total > cap {
            let oldest = self
                .by_key
                .iter()
                .filter_map(|(key, list)| list.first().map(|idle| (idle.tick, key.clone())))
                .min_by_key(|(tick, _)| *tick);
            let Some((_, key)) = oldest else { break };
            // Lists stay in the order isolates came back, oldest first.
            let list = self.by_key.get_mut(&key).expect("key just seen");
            dropped.push(list.remove(0).isolate);
            if list.is_empty() {
                self.by_key.remove(&key);
            }
            self.total -= 1;
        }
        dropped
    }

    pub fn mark_slow(&mut self, key: Key) {
        if self.slow.len() >= SLOW_KEYS_KEPT {
            self.slow.clear();
        }
        self.slow.insert(key);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::call_state::CallState;
    use crate::config::{FetchPolicy, Limits};
    use crate::fetch::Fetcher;
    use crate::kv::MemoryKv;

    /// An isolate told apart from others by its memory limit.
    async fn isolate(memory_bytes: usize) -> Isolate {
        let limits = Limits {
            memory_bytes,
            ..Limits::default()
        };
        let state = Arc::new(CallState::new(
            Arc::new(MemoryKv::new()),
            Fetcher::new(FetchPolicy::default()),
            limits.clone(),
        ));
        let deadline = Instant::now() + Duration::from_secs(10);
        let code = "async function handler() { return {}; }";
        let Ok(blank) = Isolate::blank(1024 * 1024).await else {
            panic!("a blank isolate is made");
        };
        let Ok(isolate) = blank
            .load_function(code, &limits, &state, deadline, None)
            .await
        else {
            panic!("the function loads");
        };
        isolate
    }

    #[tokio::test]
    async fn an_idle_isolate_goes_back_to_the_thread_it_last_ran_on() {
        const HERE: usize = 32 << 20;
        const THERE: usize = 48 << 20;
        let key = Key {
            project_id: "p".to_owned(),
            function_id: "f".to_owned(),
            version: 1,
        };
        let pool = Mutex::new(IdlePool::default());
        let put = |isolate| {
            assert!(
                pool.lock()
                    .unwrap()
                    .put(key.clone(), isolate, 8, 8)
                    .is_empty()
            );
        };
        let take = || pool.lock().unwrap().take(&key).map(|i| i.memory_limit());
        let (here, there) = (isolate(HERE).await, isolate(THERE).await);
        put(here);
        let turns = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            s.spawn(|| {
                put(there);
                turns.wait();
                turns.wait();
                // This thread's isolate, though the other came back after it.
                assert_eq!(take(), Some(THERE));
            });
            turns.wait();
            // The other thread's isolate came back last; this thread still gets its own.
            let mine = pool.lock().unwrap().take(&key).expect("an idle isolate");
            assert_eq!(mine.memory_limit(), HERE);
            put(mine);
            turns.wait();
        });
        // A thread none of them ran on takes the one that came back last.
        put(isolate(THERE).await);
        let other = std::thread::scope(|s| s.spawn(take).join().unwrap());
        assert_eq!(other, Some(THERE));
    }

    #[tokio::test]
    async fn the_pool_forgets_versions_it_no_longer_holds_isolates_of() {
        let mut pool = IdlePool::default();
        let mut isolate = isolate(32 << 20).await;
        // One isolate passing through many versions leaves an empty list behind for each.
        let versions = i64::try_from(2 * EMPTY_LISTS_SWEPT_PAST).expect("a small count");
        for version in 0..versions {
            let key = Key {
                project_id: "p".to_owned(),
                function_id: "f".to_owned(),
                version,
            };
            assert!(pool.put(key.clone(), isolate, 8, 8).is_empty());
            isolate = pool.take(&key).expect("the isolate just put back");
        }
        assert!(
            pool.by_key.len() <= EMPTY_LISTS_SWEPT_PAST + 1,
            "{} lists kept for one isolate",
            pool.by_key.len()
        );
        assert_eq!(pool.total, 0);
    }
}
