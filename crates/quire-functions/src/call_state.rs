//! The state of one invocation that the host functions share with the runtime: console output
//! and its limit, outbound request permits, the first host limit hit, and the host futures
//! still running (which [`CallState::cancel`] ends). An isolate finds the invocation it
//! serves through its [`Slot`].

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::config::Limits;
use crate::fetch::{FetchError, Fetcher};
use crate::kv::KvStore;

/// A typed limit that host code hit; it decides the outcome even if the function caught the
/// error it was thrown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostLimit {
    Fetches,
    Logs,
}

/// Console output kept for one invocation.
#[derive(Debug, Default)]
pub struct LogBuffer {
    pub text: String,
    pub truncated: bool,
}

/// Everything host functions need for one invocation.
pub struct CallState {
    pub kv: Arc<dyn KvStore>,
    pub fetcher: Fetcher,
    pub limits: Limits,
    pub logs: Mutex<LogBuffer>,
    fetches: AtomicU32,
    limit_hit: Mutex<Option<HostLimit>>,
    /// Host futures still running (fetch, KV, timers).
    pub pending: AtomicUsize,
    cancel: tokio::sync::watch::Sender<bool>,
}

impl CallState {
    pub fn new(kv: Arc<dyn KvStore>, fetcher: Fetcher, limits: Limits) -> Self {
        Self {
            kv,
            fetcher,
            limits,
            logs: Mutex::new(LogBuffer::default()),
            fetches: AtomicU32::new(0),
            limit_hit: Mutex::new(None),
            pending: AtomicUsize::new(0),
            cancel: tokio::sync::watch::channel(false).0,
        }
    }

    /// Ends the host futures this invocation left running (timers, fetches).
    pub fn cancel(&self) {
        // Nearly every call starts no host future: then there is no one to wake, and waking
        // no one still costs a lock per slot of the channel's notifier. A future started
        // later sees the flag when it subscribes.
        let watched = self.cancel.receiver_count() > 0;
        self.cancel.send_if_modified(|cancelled| {
            *cancelled = true;
            watched
        });
    }

    /// Appends one console line; false once the output is over the log limit (the output up
    /// to the limit is kept, and the limit decides the outcome).
    pub fn log(&self, level: &str, line: &str) -> bool {
        let mut logs = self.logs.lock().expect("log lock");
        if logs.truncated {
            return false;
        }
        let entry = if level == "log" || level == "info" {
            format!("{line}\n")
        } else {
            format!("[{level}] {line}\n")
        };
        let room = self.limits.max_log_bytes.saturating_sub(logs.text.len());
        if entry.len() <= room {
            logs.text.push_str(&entry);
            return true;
        }
        let mut cut = room;
        while !entry.is_char_boundary(cut) {
            cut -= 1;
        }
        logs.text.push_str(&entry[..cut]);
        logs.truncated = true;
        drop(logs);
        self.hit(HostLimit::Logs);
        false
    }

    /// Records the first host limit the call hit.
    fn hit(&self, limit: HostLimit) {
        self.limit_hit
            .lock()
            .expect("limit lock")
            .get_or_insert(limit);
    }

    /// The first host limit the call hit, if any.
    pub fn limit(&self) -> Option<HostLimit> {
        *self.limit_hit.lock().expect("limit lock")
    }

    pub fn take_fetch_permit(&self) -> Result<(), FetchError> {
        let limit = self.limits.max_fetches;
        if self.fetches.fetch_add(1, Ordering::Relaxed) >= limit {
            self.hit(HostLimit::Fetches);
            return Err(FetchError::RequestLimit { limit });
        }
        Ok(())
    }

    /// Runs a host future unless the invocation ends first.
    pub async fn guarded<T>(&self, future: impl Future<Output = T>) -> Result<T, &'static str> {
        let mut cancelled = self.cancel.subscribe();
        self.pending.fetch_add(1, Ordering::Relaxed);
        let result = tokio::select! {
            value = future => Ok(value),
            _ = cancelled.wait_for(|&c| c) => Err("the invocation already ended"),
        };
        self.pending.fetch_sub(1, Ordering::Relaxed);
        result
    }
}

/// The invocation an isolate is serving right now (one at a time).
pub type Slot = Arc<Mutex<Option<Arc<CallState>>>>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::FetchPolicy;
    use crate::kv::MemoryKv;

    fn call_state() -> CallState {
        CallState::new(
            Arc::new(MemoryKv::new()),
            Fetcher::new(FetchPolicy::default()),
            Limits::default(),
        )
    }

    #[tokio::test]
    async fn cancel_ends_a_host_future_that_is_running() {
        let state = Arc::new(call_state());
        let running = tokio::spawn({
            let state = state.clone();
            async move { state.guarded(std::future::pending::<()>()).await }
        });
        while state.pending.load(Ordering::Relaxed) == 0 {
            tokio::task::yield_now().await;
        }
        state.cancel();
        let ended = tokio::time::timeout(Duration::from_secs(5), running).await;
        assert_eq!(
            ended.expect("cancel woke the future").unwrap(),
            Err("the invocation already ended")
        );
    }

    #[tokio::test]
    async fn a_host_future_started_after_cancel_ends_at_once() {
        let state = call_state();
        state.cancel();
        let ended = tokio::time::timeout(
            Duration::from_secs(5),
            state.guarded(std::future::pending::<()>()),
        )
        .await;
        assert_eq!(
            ended.expect("the flag was seen"),
            Err("the invocation already ended")
        );
        assert_eq!(state.pending.load(Ordering::Relaxed), 0);
    }
}
