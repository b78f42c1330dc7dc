//! Short-lived read caches for the hot paths: the credentials of every API call and the
//! function of every invocation. Without them each call costs several database reads.
//!
//! An entry is served only while the store's generation is the one it was read under (so a
//! change through this process, or on `PostgreSQL` through any instance, is seen by the next
//! request) and for at most [`TTL`], which bounds how long a change the store could not announce
//! stays unseen.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use quire_store::Store;

/// The longest an entry is served without reading the database again.
pub const TTL: Duration = Duration::from_secs(1);

/// Entries kept per cache; past this the cache starts over (names nobody uses, sent by a
/// client probing for them, must not grow memory without bound).
const MAX_ENTRIES: usize = 4096;

pub struct ReadCache<K, V> {
    entries: RwLock<HashMap<K, Entry<V>>>,
}

struct Entry<V> {
    value: V,
    generation: u64,
    loaded_at: Instant,
}

impl<K, V> Default for ReadCache<K, V> {
    fn default() -> Self {
        Self {
            entries: RwLock::default(),
        }
    }
}

impl<K: Eq + Hash, V: Clone> ReadCache<K, V> {
    /// The cached value of `key` if it is still current, else what `load` reads (which is then
    /// cached; errors are not).
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
        let value = load.await?;
        let mut entries = self.entries.write().expect("read cache lock");
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                value: value.clone(),
                generation,
                loaded_at: Instant::now(),
            },
        );
        Ok(value)
    }

    fn current(&self, key: &K, generation: u64) -> Option<V> {
        let entries = self.entries.read().expect("read cache lock");
        let entry = entries.get(key)?;
        (entry.generation == generation && entry.loaded_at.elapsed() < TTL)
            .then(|| entry.value.clone())
    }
}
