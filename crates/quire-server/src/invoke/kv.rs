//! `env.KV` over the store: a [`KvStore`] scoped to one project, so a function can only ever
//! see its own project's keys.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use quire_functions::{KvError, KvStore};
use quire_store::Store;

/// Keys are at most this many bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Values are at most this many bytes.
pub const MAX_VALUE_BYTES: usize = 1024 * 1024;
/// One put in this many also deletes the expired entries of the project.
const SWEEP_EVERY: u64 = 64;

static PUTS: AtomicU64 = AtomicU64::new(0);

/// The KV namespace of one project.
pub struct ProjectKv {
    store: Store,
    project_id: String,
}

impl ProjectKv {
    pub fn new(store: Store, project_id: String) -> Self {
        Self { store, project_id }
    }
}

fn backend(error: &quire_store::StoreError) -> KvError {
    tracing::warn!(%error, "KV store failed");
    KvError::Backend("the database did not answer; try again".to_owned())
}

fn check_key(key: &str) -> Result<(), KvError> {
    if key.is_empty() {
        return Err(KvError::Invalid("KV keys cannot be empty".to_owned()));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(KvError::Invalid(format!(
            "the KV key is {} bytes; the limit is {MAX_KEY_BYTES}",
            key.len()
        )));
    }
    Ok(())
}

#[async_trait]
impl KvStore for ProjectKv {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        check_key(key)?;
        self.store
            .kv_get(&self.project_id, key)
            .await
            .map_err(|e| backend(&e))
    }

    async fn put(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<(), KvError> {
        check_key(key)?;
        if value.len() > MAX_VALUE_BYTES {
            return Err(KvError::Invalid(format!(
                "the KV value is {} bytes; the limit is {MAX_VALUE_BYTES}",
                value.len()
            )));
        }
        let expires_at = match ttl {
            Some(ttl) => {
                let ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
                Some(quire_store::now_ms().saturating_add(ms.max(1)))
            }
            None => None,
        };
        if PUTS
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(SWEEP_EVERY)
        {
            self.store
                .kv_sweep_project(&self.project_id)
                .await
                .map_err(|e| backend(&e))?;
        }
        self.store
            .kv_put(&self.project_id, key, value, expires_at)
            .await
            .map_err(|e| backend(&e))
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        check_key(key)?;
        self.store
            .kv_delete(&self.project_id, key)
            .await
            .map_err(|e| backend(&e))
    }

    async fn list(&self, prefix: &str, limit: usize) -> Result<Vec<String>, KvError> {
        let limit = i64::try_from(limit.min(1001)).unwrap_or(1001);
        self.store
            .kv_list(&self.project_id, prefix, limit)
            .await
            .map_err(|e| backend(&e))
    }
}
