//! Where a call runs: on the runtime's worker threads (its own tokio executor, at a lower
//! priority than the server) or, with a warm isolate, on the caller's thread; and how a call
//! that runs long there hands the thread's other tasks to another thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::Shared;
use super::pool::Key;
use crate::config::RuntimeConfig;
use crate::isolate::Isolate;
use crate::meter::{Handoff, Meter};
use crate::types::FunctionRef;

/// Starts the workers' executor.
pub fn start(config: &RuntimeConfig) -> tokio::runtime::Runtime {
    let nice = config.worker_nice;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.workers.max(1))
        .thread_name("quire-fn")
        .on_thread_start(move || lower_priority(nice))
        // Also the stack of the threads that calls running long move to.
        .thread_stack_size(config.caller_stack_bytes())
        .enable_all()
        .build()
        .expect("the OS starts the function workers")
}

/// Gives the calling thread the nice value `nice` (on Linux a thread's own; elsewhere it would
/// be the whole process's, so it is left alone there).
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice != 0
        && let Err(error) = rustix::process::setpriority_process(None, nice)
    {
        tracing::debug!(%error, nice, "could not lower a function worker's priority");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// Where a call runs, with how it leaves its thread to the thread's other tasks if it runs long.
pub enum Placement {
    /// On the caller's thread, an executor thread of the server.
    Caller(Handoff),
    /// On one of the runtime's workers.
    Worker(Handoff),
}

impl Shared {
    /// A warm isolate for a call on the caller's thread, if this call may run there: the
    /// caller is a task on a multi-threaded tokio runtime, the function has not run long there
    /// before, and fewer calls than there are workers are running long on such threads now.
    pub fn take_for_caller(&self, function: &FunctionRef) -> Option<(Key, Isolate)> {
        if !self.config.inline_calls
            || self.moved.load(Ordering::Relaxed) >= self.config.workers.max(1)
        {
            return None;
        }
        let flavor = tokio::runtime::Handle::try_current().ok()?.runtime_flavor();
        if flavor != tokio::runtime::RuntimeFlavor::MultiThread {
            return None;
        }
        let key = Key::of(function);
        let mut pool = self.pool.lock().expect("pool lock");
        if pool.slow.contains(&key) {
            return None;
        }
        let isolate = pool.take(&key)?;
        Some((key, isolate))
    }

    /// How JavaScript running long on the caller's thread leaves the thread's other tasks to it.
    pub fn caller_handoff(&self) -> Handoff {
        Handoff {
            after: self.config.handoff_after,
            moved: self.moved.clone(),
            at_once: false,
        }
    }

    /// How JavaScript running long on a worker leaves the worker's other calls to it; `at_once`
    /// for a version known to run long.
    pub fn worker_handoff(&self, at_once: bool) -> Handoff {
        Handoff {
            after: self.config.handoff_after,
            moved: self.moved_on_workers.clone(),
            at_once,
        }
    }
}

/// Takes a call that handed off its thread back out of the count of calls running long when
/// it ends, also when its caller drops it mid-way (a client that went away).
pub struct RunningLong {
    pub meter: Arc<Meter>,
    pub moved: Arc<AtomicUsize>,
}

impl Drop for RunningLong {
    fn drop(&mut self) {
        if self.meter.handed_off() {
            self.moved.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use crate::{Runtime, RuntimeConfig};

    #[tokio::test]
    async fn the_workers_run_at_a_lower_priority_than_the_server() {
        let ours = rustix::process::getpriority_process(None).unwrap();
        let rt = Runtime::new(RuntimeConfig {
            workers: 1,
            ..RuntimeConfig::default()
        });
        let theirs = rt
            .inner
            .workers()
            .spawn(async { rustix::process::getpriority_process(None).unwrap() })
            .await
            .unwrap();
        assert_eq!(theirs, (ours + 10).min(19));
        assert_eq!(
            rustix::process::getpriority_process(None).unwrap(),
            ours,
            "only the workers' threads"
        );
    }
}
