//! The meter of one call: the CPU time its JavaScript uses and its wall deadline, enforced by
//! the engine's interrupt handler, which also moves the executor thread's other tasks away when
//! a stretch of JavaScript runs long ([`Handoff`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Which limit the interrupt handler enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trip {
    Cpu,
    Wall,
}

#[derive(Debug)]
struct MeterState {
    armed: bool,
    cpu_used: Duration,
    slice_start: Option<Instant>,
    cpu_limit: Duration,
    wall_deadline: Instant,
    tripped: Option<Trip>,
    handoff: Option<Handoff>,
    handed_off: bool,
    /// Whether the current poll has moved its thread's other tasks away already. A later poll
    /// may run on an executor thread again (after an `await`), so it may hand off once more.
    handed_off_this_poll: bool,
    /// The longest poll so far: JavaScript that stays in native code (an allocation, the
    /// garbage collector, a sort) never reaches the interrupt handler, so only this shows it.
    longest_poll: Duration,
    /// The thread's CPU time when the interrupt handler first ran in the current poll, for a
    /// call with a handoff: wall time would count the moments the OS ran other threads. Read
    /// there rather than when the poll begins, as short calls never reach the handler and so
    /// make no system call for it.
    slice_cpu_start: Option<Duration>,
}

/// A call running on a thread of a multi-threaded async executor (the server's, see
/// [`crate::RuntimeConfig::inline_calls`], or the runtime's workers): once one stretch of its
/// JavaScript has used `after` of CPU time, the thread's other tasks move to a fresh thread
/// (tokio's `block_in_place`) and the call finishes the stretch where it is. `moved` counts
/// such calls while they run.
#[derive(Debug, Clone)]
pub struct Handoff {
    pub after: Duration,
    pub moved: Arc<AtomicUsize>,
    /// Move the thread's other tasks away before each poll, not only once JavaScript has run
    /// long: for a function known to run long, whose next stretch may never reach the
    /// interrupt handler.
    pub at_once: bool,
}

/// How long the thread waits at most inside `block_in_place` for another thread to run the
/// executor's tasks (tokio wakes or starts one at once; the wait is not the call's CPU time).
const HANDOFF_WAIT: Duration = Duration::from_millis(100);

/// Lets tokio move this executor thread's other tasks to another thread while the JavaScript
/// on this one keeps running; returns how long that took. `block_in_place` hands the thread's
/// tasks to a new thread, but takes them back if it returns before that thread has started:
/// so it returns only once a probe task has run elsewhere.
fn move_other_tasks_away() -> Duration {
    let start = Instant::now();
    // Never unwind into the engine: a runtime where this is not allowed keeps the thread.
    let _ = std::panic::catch_unwind(|| {
        let (ran, running_elsewhere) = std::sync::mpsc::channel();
        tokio::spawn(async move {
            let _ = ran.send(());
        });
        tokio::task::block_in_place(|| {
            let _ = running_elsewhere.recv_timeout(HANDOFF_WAIT);
        });
    });
    start.elapsed()
}

/// CPU time the current thread has used.
fn thread_cpu_time() -> Duration {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// CPU time of one invocation, measured as the time spent inside polls of the isolate's
/// futures (all JavaScript runs inside them), plus the wall deadline.
#[derive(Debug)]
pub struct Meter(Mutex<MeterState>);

impl Meter {
    pub fn new() -> Self {
        Self(Mutex::new(MeterState {
            armed: false,
            cpu_used: Duration::ZERO,
            slice_start: None,
            cpu_limit: Duration::MAX,
            wall_deadline: Instant::now(),
            tripped: None,
            handoff: None,
            handed_off: false,
            handed_off_this_poll: false,
            longest_poll: Duration::ZERO,
            slice_cpu_start: None,
        }))
    }

    pub fn arm(&self, cpu_limit: Duration, wall_deadline: Instant, handoff: Option<Handoff>) {
        let mut m = self.0.lock().expect("meter lock");
        *m = MeterState {
            armed: true,
            cpu_used: Duration::ZERO,
            slice_start: None,
            cpu_limit,
            wall_deadline,
            tripped: None,
            handoff,
            handed_off: false,
            handed_off_this_poll: false,
            longest_poll: Duration::ZERO,
            slice_cpu_start: None,
        };
    }

    /// Whether the call ran long enough on an executor thread to move that thread's other
    /// tasks away (counted in [`Handoff::moved`] until the caller subtracts it).
    pub fn handed_off(&self) -> bool {
        self.0.lock().expect("meter lock").handed_off
    }

    pub fn disarm(&self) {
        self.0.lock().expect("meter lock").armed = false;
    }

    pub fn tripped(&self) -> Option<Trip> {
        self.0.lock().expect("meter lock").tripped
    }

    /// The longest poll of the call so far.
    pub fn longest_poll(&self) -> Duration {
        self.0.lock().expect("meter lock").longest_poll
    }

    fn begin(&self) {
        let mut m = self.0.lock().expect("meter lock");
        m.slice_cpu_start = None;
        m.handed_off_this_poll = false;
        // Read in place: cloning the handoff on every poll would cost each warm call an
        // atomic increment and decrement.
        if m.armed && m.handoff.as_ref().is_some_and(|handoff| handoff.at_once) {
            if !m.handed_off
                && let Some(handoff) = &m.handoff
            {
                handoff.moved.fetch_add(1, Ordering::Relaxed);
            }
            m.handed_off = true;
            m.handed_off_this_poll = true;
            drop(m);
            move_other_tasks_away();
            m = self.0.lock().expect("meter lock");
        }
        m.slice_start = Some(Instant::now());
    }

    fn end(&self) {
        let mut m = self.0.lock().expect("meter lock");
        if let Some(start) = m.slice_start.take() {
            let poll = start.elapsed();
            m.cpu_used += poll;
            m.longest_poll = m.longest_poll.max(poll);
        }
    }

    /// The interrupt handler: true stops the running JavaScript with an uncatchable error.
    pub fn should_interrupt(&self) -> bool {
        let mut m = self.0.lock().expect("meter lock");
        if !m.armed {
            return false;
        }
        if m.tripped.is_some() {
            return true;
        }
        let now = Instant::now();
        let used = m.cpu_used + m.slice_start.map_or(Duration::ZERO, |s| now - s);
        m.tripped = if used > m.cpu_limit {
            Some(Trip::Cpu)
        } else if now > m.wall_deadline {
            Some(Trip::Wall)
        } else {
            None
        };
        if m.tripped.is_none()
            && !m.handed_off_this_poll
            && let Some(handoff) = m.handoff.clone()
        {
            let Some(cpu_start) = m.slice_cpu_start else {
                m.slice_cpu_start = Some(thread_cpu_time());
                return false;
            };
            // Wall time first (no system call), then the thread's own CPU time.
            let stretch = m.slice_start.map_or(Duration::ZERO, |s| now - s);
            if stretch > handoff.after
                && thread_cpu_time().saturating_sub(cpu_start) > handoff.after
            {
                if !m.handed_off {
                    handoff.moved.fetch_add(1, Ordering::Relaxed);
                }
                m.handed_off = true;
                m.handed_off_this_poll = true;
                drop(m);
                let waited = move_other_tasks_away();
                let mut m = self.0.lock().expect("meter lock");
                m.slice_start = m.slice_start.map(|s| s + waited);
                return false;
            }
        }
        m.tripped.is_some()
    }
}

/// A future whose polls are counted as CPU time of the current invocation.
pub struct Metered<'m, F> {
    meter: &'m Meter,
    inner: Pin<Box<F>>,
}

impl<'m, F> Metered<'m, F> {
    pub fn new(meter: &'m Meter, inner: F) -> Self {
        Self {
            meter,
            inner: Box::pin(inner),
        }
    }
}

impl<F: Future> Future for Metered<'_, F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.meter.begin();
        let result = self.inner.as_mut().poll(cx);
        self.meter.end();
        result
    }
}
