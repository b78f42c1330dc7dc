//! Short-lived read caches for the hot paths: the credentials of every API call and the
//! function of every invocation. Without them each call costs several database reads.
//!
//! An entry is served only while the store's generation is the one it was read under (so a
//! change through this process, or on `PostgreSQL` through any instance, is seen by the next
//! request) and for at most [`TTL`], which bounds how long a change the store could not announce
//! stays unseen. When an entry is missing or outdated, one request reads it again and the others
//! asking for it meanwhile wait for that read, so an entry expiring under load costs one read,
//! not one per request in flight.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use quire_store::Store;
use tokio::sync::OnceCell;

/// The longest an entry is served without reading the database again.
pub const TTL: Duration = Duration::from_secs(1);

/// Entries kept per cache; past this the cache starts over (names nobody uses, sent by a
/// client probing for them, must not grow memory without bound).
const MAX_ENTRIES: usize = 4096;

pub struct ReadCache<K, V> {
    slots: RwLock<HashMap<K, Arc<Slot<V>>>>,
}

/// One key as read under one store generation: filled by the first request that needed it.
struct Slot<V> {
    generation: u64,
    loaded: OnceCell<(V, Instant)>,
}

impl<V> Slot<V> {
    /// Whether a request under `generation` may take this slot's value, or wait for its read.
    fn serves(&self, generation: u64) -> bool {
        self.generation == generation
            && self
                .loaded
                .get()
                .is_none_or(|(_, loaded_at)| loaded_at.elapsed() < TTL)
    }
}

impl<K, V> Default for ReadCache<K, V> {
    fn default() -> Self {
        Self {
            slots: RwLock::default(),
        }
    }
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    /// The cached value of `key` if it is still current, else what `load` reads (which is then
    /// cached; errors are not, and the next request waiting reads again).
    pub async fn get_or_load<E>(
        &self,
        store: &Store,
        key: K,
        load: impl Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        // Taken before the read, so a change committed while it runs outdates what it read.
        let generation = store.generation();
        if let Some(value) = self.current(&key, generation) {
            return Ok(value);
        }
        let slot = self.slot(key, generation);
        let (value, _) = slot
            .loaded
            .get_or_try_init(|| async { Ok((load.await?, Instant::now())) })
            .await?;
        Ok(value.clone())
    }

    fn current(&self, key: &K, generation: u64) -> Option<V> {
        let slots = self.slots.read().expect("read cache lock");
        let slot = slots.get(key)?;
        let (value, _) = slot.loaded.get()?;
        slot.serves(generation).then(|| value.clone())
    }

    /// The slot a request under `generation` reads `key` into, or waits on.
    fn slot(&self, key: K, generation: u64) -> Arc<Slot<V>> {
        let mut slots = self.slots.write().expect("read cache lock");
        if let Some(slot) = slots.get(&key).filter(|slot| slot.serves(generation)) {
            return slot.clone();
        }
        if slots.len() >= MAX_ENTRIES {
            slots.clear();
        }
        let slot = Arc::new(Slot {
            generation,
            loaded: OnceCell::new(),
        });
        slots.insert(key, slot.clone());
        slot
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures::future::join_all;
    use quire_store::testing::TestDatabase;

    use super::*;

    #[tokio::test]
    async fn requests_that_miss_together_wait_for_one_read() {
        let database = TestDatabase::sqlite().await;
        let store = &database.store;
        let cache = ReadCache::<String, usize>::default();
        let reads = AtomicUsize::new(0);
        let read = || async {
            let n = reads.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok::<_, ()>(n)
        };

        let values = join_all((0..16).map(|_| cache.get_or_load(store, "k".into(), read()))).await;

        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert!(values.iter().all(|value| *value == Ok(0)));
    }

    #[tokio::test]
    async fn a_failed_read_is_not_cached_and_the_next_request_reads_again() {
        let database = TestDatabase::sqlite().await;
        let store = &database.store;
        let cache = ReadCache::<String, &str>::default();

        let failed = cache.get_or_load(store, "k".into(), async { Err("down") });
        assert_eq!(failed.await, Err("down"));
        let read = cache.get_or_load(store, "k".into(), async { Ok::<_, &str>("up") });
        assert_eq!(read.await, Ok("up"));
        let cached = cache.get_or_load(store, "k".into(), async { Ok::<_, &str>("changed") });
        assert_eq!(cached.await, Ok("up"));
    }
}
