//! Configuration of the runtime: per-function [`Limits`], the pool's sizes and the outbound
//! [`FetchPolicy`].

use std::time::Duration;

/// Caps that apply to one invocation of one function. Exceeding any of them ends the
/// invocation with a typed [`crate::InvokeError`] that names the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time from start to response, including time spent waiting on `fetch`, KV
    /// and timers.
    pub wall_time: Duration,
    /// Time spent running JavaScript (and the host code it calls synchronously).
    pub cpu_time: Duration,
    /// Heap the isolate may allocate, in bytes.
    pub memory_bytes: usize,
    /// Outbound HTTP requests (each redirect hop counts).
    pub max_fetches: u32,
    /// Size of the function's response body, in bytes.
    pub max_response_bytes: usize,
    /// Console output per invocation, in bytes. Writing more ends the call with
    /// [`crate::InvokeError::LogTooLarge`]; the output up to the limit is kept and
    /// [`crate::Outcome::logs_truncated`] is set.
    pub max_log_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            wall_time: Duration::from_secs(30),
            cpu_time: Duration::from_secs(5),
            memory_bytes: 128 * 1024 * 1024,
            max_fetches: 50,
            max_response_bytes: 5 * 1024 * 1024,
            max_log_bytes: 1024 * 1024,
        }
    }
}

/// Which destinations `fetch` may reach. The default refuses every non-public address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Ports on `127.0.0.1` that `fetch` may reach when the URL names that IP literally.
    /// Only tests set this (to reach a local test server); host names that resolve to
    /// loopback stay refused even then.
    pub loopback_ports_for_tests: Vec<u16>,
}

/// Settings of a [`crate::Runtime`].
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Worker threads that run JavaScript. Defaults to the number of CPUs.
    pub workers: usize,
    /// Idle isolates kept per (project, function, version).
    pub idle_per_function: usize,
    /// Idle isolates kept in total; the least recently used beyond this are dropped.
    pub idle_total: usize,
    /// Blank isolates (a runtime and context with the Web API shim, no function) kept ready on
    /// a background thread, so a call that needs a fresh isolate only loads its function's
    /// code. Each is given to one function and never comes back. 0 makes every fresh isolate
    /// from scratch on the call.
    pub spare_isolates: usize,
    /// Native stack available to JavaScript, in bytes (deep recursion ends in a `RangeError`).
    pub js_stack_bytes: usize,
    /// Where `fetch` may go.
    pub fetch_policy: FetchPolicy,
    /// Limits used by [`crate::Runtime::validate`] when it loads code.
    pub validate_limits: Limits,
    /// Run calls that find a warm isolate on the caller's thread instead of a worker's, when
    /// the caller is a task on a multi-threaded tokio runtime. A call whose JavaScript keeps
    /// that thread for longer than [`RuntimeConfig::handoff_after`] hands the thread's other
    /// tasks to a fresh thread and finishes where it is, and its function's later calls go to
    /// the workers. Set it only when the runtime's threads have
    /// [`RuntimeConfig::caller_stack_bytes`] of stack.
    pub inline_calls: bool,
    /// How long one stretch of JavaScript may run on the caller's thread before the thread's
    /// other tasks move away from it.
    pub handoff_after: Duration,
    /// The nice value of the workers' threads (Linux; 0 leaves them as they are), and so of
    /// the calls that run long there: a project's looping calls then take CPU time from other
    /// projects' calls on the server's threads at about a tenth of their weight.
    pub worker_nice: i32,
}

impl RuntimeConfig {
    /// Stack a thread needs to run JavaScript: the engine's own allowance plus room for the
    /// Rust frames around it.
    pub fn caller_stack_bytes(&self) -> usize {
        self.js_stack_bytes + 4 * 1024 * 1024
    }
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            idle_per_function: 4,
            idle_total: 512,
            spare_isolates: 2,
            js_stack_bytes: 1024 * 1024,
            fetch_policy: FetchPolicy::default(),
            validate_limits: Limits {
                wall_time: Duration::from_secs(5),
                cpu_time: Duration::from_secs(1),
                ..Limits::default()
            },
            inline_calls: false,
            handoff_after: Duration::from_millis(1),
            worker_nice: 10,
        }
    }
}
