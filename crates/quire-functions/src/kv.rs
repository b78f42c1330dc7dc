//! The key-value store behind `env.KV`: the [`KvStore`] trait the server implements over its
//! database, and [`MemoryKv`], a real in-memory store for local development and tests.
//! Scoping keys to a project is the caller's job: it hands each invocation its project's store.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

/// Failure of a KV backend; the message reaches the function as a thrown `Error`.
#[derive(Debug, thiserror::Error)]
pub enum KvError {
    /// The backend failed (database down, constraint, …).
    #[error("KV store failed: {0}")]
    Backend(String),
    /// The request was refused before reaching the backend.
    #[error("{0}")]
    Invalid(String),
}

/// A project's key-value store.
#[async_trait]
pub trait KvStore: Send + Sync {
    /// The value of `key`, or `None` if it is absent or expired.
    async fn get(&self, key: &str) -> Result<Option<String>, KvError>;
    /// Stores `value` under `key`, expiring after `ttl` if given.
    async fn put(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<(), KvError>;
    /// Removes `key`; removing an absent key is not an error.
    async fn delete(&self, key: &str) -> Result<(), KvError>;
    /// Up to `limit` live keys starting with `prefix`, in ascending order.
    async fn list(&self, prefix: &str, limit: usize) -> Result<Vec<String>, KvError>;
}

/// An in-memory [`KvStore`] with TTL support.
#[derive(Debug, Default)]
pub struct MemoryKv {
    entries: Mutex<BTreeMap<String, (String, Option<Instant>)>>,
}

impl MemoryKv {
    pub fn new() -> Self {
        Self::default()
    }
}

fn live(expires: Option<Instant>, now: Instant) -> bool {
    expires.is_none_or(|at| at > now)
}

#[async_trait]
impl KvStore for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        let now = Instant::now();
        let mut entries = self.entries.lock().expect("kv lock");
        match entries.get(key) {
            Some((value, expires)) if live(*expires, now) => Ok(Some(value.clone())),
            Some(_) => {
                entries.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn put(&self, key: &str, value: &str, ttl: Option<Duration>) -> Result<(), KvError> {
        let expires = ttl.map(|ttl| Instant::now() + ttl);
        self.entries
            .lock()
            .expect("kv lock")
            .insert(key.to_owned(), (value.to_owned(), expires));
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), KvError> {
        self.entries.lock().expect("kv lock").remove(key);
        Ok(())
    }

    async fn list(&self, prefix: &str, limit: usize) -> Result<Vec<String>, KvError> {
        let now = Instant::now();
        let entries = self.entries.lock().expect("kv lock");
        Ok(entries
            .range(prefix.to_owned()..)
            .take_while(|(key, _)| key.starts_with(prefix))
            .filter(|(_, (_, expires))| live(*expires, now))
            .map(|(key, _)| key.clone())
            .take(limit)
            .collect())
    }
}
