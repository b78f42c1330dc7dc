//! One isolate: a `QuickJS` runtime and context holding one loaded function, with its memory
//! limit, its CPU/wall deadline ([`Meter`], checked by the engine's interrupt handler) and the
//! code that loads a function and runs one call on it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rquickjs::loader::bundle::{Bundle, ScaBundleData};
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{
    Array, AsyncContext, AsyncRuntime, CatchResultExt, CaughtError, Ctx, Function, Module, Object,
    Promise, Value,
};

use crate::call_state::{CallState, Slot};
use crate::config::Limits;
use crate::error::LoadError;
use crate::http::{HttpRequest, HttpResponse};
use crate::web_api;

/// The name the user's module is loaded under; stacks show `function.js:line:column`.
pub const MODULE_NAME: &str = "function.js";

/// Appended after the user's code (on its own line, so line numbers stay the user's): finds a
/// top-level `handler` without an `export`, the Kapso form.
const HANDLER_EXPORT: &str =
    "\n;export const __quire_handler = typeof handler === \"function\" ? handler : undefined;\n";

/// The Web API shim, compiled to bytecode (without its source text) by `build.rs`.
static SHIM: Bundle<ScaBundleData<&[u8]>> = Bundle(&[(
    SHIM_MODULE,
    include_bytes!(concat!(env!("OUT_DIR"), "/shim.bytecode")),
)]);
const SHIM_MODULE: &str = "quire:shim";

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
    fn new() -> Self {
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
    fn should_interrupt(&self) -> bool {
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

/// Loads the shim for the runtime, refuses every import of the user's code and remembers
/// what it asked for.
struct DenyImports(Arc<Mutex<Option<String>>>);

impl Resolver for DenyImports {
    fn resolve<'js>(
        &mut self,
        _ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        if name == SHIM_MODULE && base != MODULE_NAME {
            return Ok(name.to_owned());
        }
        *self.0.lock().expect("import lock") = Some(name.to_owned());
        Err(rquickjs::Error::new_resolving_message(
            base,
            name,
            "a function is a single file; imports are not available",
        ))
    }
}

impl Loader for DenyImports {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, rquickjs::module::Declared>> {
        if name == SHIM_MODULE {
            return SHIM.clone().load(ctx, name, attributes);
        }
        Err(rquickjs::Error::new_loading_message(
            name,
            "a function is a single file; imports are not available",
        ))
    }
}

/// An exception taken out of the engine.
#[derive(Debug, Clone, Default)]
pub struct JsError {
    pub name: String,
    pub message: String,
    pub stack: String,
    /// The engine could not even report the error (for example out of memory).
    pub uncaught_internal: bool,
    /// The engine ran out of memory: see [`JsError::from_caught`].
    pub out_of_memory: bool,
    /// The limit the interrupt handler enforced, if that is what stopped the code.
    pub trip: Option<Trip>,
}

impl JsError {
    /// Takes the exception apart. Out of memory is told by the exception itself, never by its
    /// text: `QuickJS` throws its own `InternalError` ("out of memory", or no message if even that
    /// string could not be allocated), which the shim recognises by its realm's original
    /// prototype, so an error a function makes up with the same words is not one; and when it
    /// cannot allocate even that error object, it throws `null`. A function that throws `null`
    /// itself is therefore reported as out of memory too (and its isolate discarded).
    fn from_caught<'js>(ctx: &Ctx<'js>, caught: CaughtError<'js>) -> Self {
        match caught {
            CaughtError::Exception(exception) => {
                let name = exception
                    .get::<_, Option<String>>("name")
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| "Error".to_owned());
                let message = exception.message().unwrap_or_default();
                let out_of_memory = match entry(ctx, IS_OUT_OF_MEMORY) {
                    // The check allocates nothing: if it fails all the same, memory is gone
                    // (unless the interrupt handler stopped it).
                    Some(check) => check
                        .call::<_, bool>((exception.clone(),))
                        .unwrap_or_else(|_| !ctx.catch().is_uncatchable_error()),
                    // The shim is not loaded yet (its own code throws no InternalError).
                    None => name == "InternalError" && message == "out of memory",
                };
                Self {
                    name,
                    message,
                    stack: exception.stack().unwrap_or_default(),
                    uncaught_internal: false,
                    out_of_memory,
                    trip: None,
                }
            }
            CaughtError::Value(value) => Self {
                name: "Error".to_owned(),
                message: describe_value(ctx, &value),
                stack: String::new(),
                uncaught_internal: value.is_null(),
                out_of_memory: value.is_null(),
                trip: None,
            },
            CaughtError::Error(err) => Self {
                name: "InternalError".to_owned(),
                message: err.to_string(),
                stack: String::new(),
                uncaught_internal: true,
                out_of_memory: matches!(err, rquickjs::Error::Allocation),
                trip: None,
            },
        }
    }

    pub fn is_out_of_memory(&self) -> bool {
        self.out_of_memory
    }

    /// Line and column of the first frame in the user's file.
    pub fn location(&self) -> Option<(u32, u32)> {
        user_location(&self.stack)
    }
}

/// Line and column of the first frame of `stack` in the user's file.
pub fn user_location(stack: &str) -> Option<(u32, u32)> {
    let at = stack.find(&format!("{MODULE_NAME}:"))? + MODULE_NAME.len() + 1;
    let mut parts = stack[at..].split(|c: char| !c.is_ascii_digit());
    let line = parts.next()?.parse().ok()?;
    let column = parts.next()?.parse().ok()?;
    Some((line, column))
}

fn describe_value<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> String {
    let string: Option<Function> = ctx.globals().get("String").ok();
    string
        .and_then(|f| f.call::<_, String>((value.clone(),)).ok())
        .unwrap_or_else(|| "a thrown value".to_owned())
}

/// What a call produced, before limits and status are judged.
#[derive(Debug)]
pub enum CallResult {
    Response(HttpResponse),
    Invalid(String),
    Threw(JsError),
}

/// Why loading failed.
#[derive(Debug)]
pub enum LoadFailure {
    Load(LoadError),
    /// The top level hit a limit or ran out of memory; judged like a failed call.
    Threw(JsError),
}

pub struct Isolate {
    // Field order is drop order: the context goes before its runtime.
    ctx: AsyncContext,
    rt: AsyncRuntime,
    slot: Slot,
    pub meter: Arc<Meter>,
    memory_limit: usize,
    /// The last request URL and its normalized form: calls of one function mostly share it.
    last_url: Mutex<(String, String)>,
    /// The module the function's code tried to import, if any (every import is refused).
    imported: Arc<Mutex<Option<String>>>,
}

impl Isolate {
    /// A runtime and context with the Web API shim installed and no function in it yet. Only
    /// Quire's own code has run in it, so it can be made ahead of time (see
    /// [`crate::RuntimeConfig::spare_isolates`]) and given to any one function.
    pub async fn blank(stack_bytes: usize) -> Result<Self, JsError> {
        let internal = |err: rquickjs::Error| JsError {
            name: "InternalError".to_owned(),
            message: format!("could not create an isolate: {err}"),
            stack: String::new(),
            uncaught_internal: true,
            out_of_memory: false,
            trip: None,
        };
        let memory_limit = Limits::default().memory_bytes;
        let rt = AsyncRuntime::new().map_err(internal)?;
        rt.set_memory_limit(memory_limit).await;
        rt.set_max_stack_size(stack_bytes).await;
        let meter = Arc::new(Meter::new());
        let m = meter.clone();
        rt.set_interrupt_handler(Some(Box::new(move || m.should_interrupt())))
            .await;
        let imported = Arc::new(Mutex::new(None));
        rt.set_loader(DenyImports(imported.clone()), DenyImports(imported.clone()))
            .await;
        let ctx = AsyncContext::full(&rt).await.map_err(internal)?;
        let isolate = Self {
            ctx,
            rt,
            slot: Arc::new(Mutex::new(None)),
            meter,
            memory_limit,
            last_url: Mutex::new((String::new(), String::new())),
            imported,
        };
        let slot = isolate.slot.clone();
        isolate
            .ctx
            .async_with(async |ctx| install_shim(&ctx, &slot).await)
            .await?;
        Ok(isolate)
    }

    /// Loads `code` into this blank isolate: the load runs under `limits` and `wall_deadline`,
    /// serving `state`, and leaves its thread to the thread's other tasks if it runs long.
    pub async fn load_function(
        mut self,
        code: &str,
        limits: &Limits,
        state: &Arc<CallState>,
        wall_deadline: Instant,
        handoff: Option<Handoff>,
    ) -> Result<Self, LoadFailure> {
        if self.memory_limit != limits.memory_bytes {
            self.set_memory_limit(limits.memory_bytes).await;
        }
        *self.slot.lock().expect("slot lock") = Some(state.clone());
        self.meter.arm(limits.cpu_time, wall_deadline, handoff);
        let source = format!("{code}{HANDLER_EXPORT}");
        let loaded = tokio::time::timeout_at(
            wall_deadline.into(),
            Metered::new(
                &self.meter,
                self.ctx.async_with(async |ctx| load_in(&ctx, source).await),
            ),
        )
        .await;
        self.meter.disarm();
        *self.slot.lock().expect("slot lock") = None;
        let loaded = loaded.map_err(|_| {
            LoadFailure::Threw(JsError {
                name: "InternalError".to_owned(),
                message: "interrupted".to_owned(),
                trip: Some(Trip::Wall),
                ..JsError::default()
            })
        })?;
        match loaded {
            Ok(()) => Ok(self),
            Err(LoadFailure::Threw(mut err)) => {
                err.trip = err.trip.or(self.meter.tripped());
                if let Some(specifier) = self.imported.lock().expect("import lock").take() {
                    return Err(LoadFailure::Load(LoadError::Import { specifier }));
                }
                Err(LoadFailure::Threw(err))
            }
            Err(other) => Err(other),
        }
    }

    pub fn memory_limit(&self) -> usize {
        self.memory_limit
    }

    pub async fn set_memory_limit(&mut self, bytes: usize) {
        self.rt.set_memory_limit(bytes).await;
        self.memory_limit = bytes;
    }

    /// Runs one call. The caller arms the meter and enforces the wall deadline around this.
    pub async fn call(
        &self,
        state: &Arc<CallState>,
        request: &HttpRequest,
        secrets: &BTreeMap<String, String>,
    ) -> CallResult {
        *self.slot.lock().expect("slot lock") = Some(state.clone());
        let url = {
            let mut last = self.last_url.lock().expect("url lock");
            if last.0 != request.url {
                *last = (request.url.clone(), normalize_url(&request.url));
            }
            last.1.clone()
        };
        let result = self
            .ctx
            .async_with(async |ctx| call_in(&ctx, request, url, secrets).await)
            .await;
        result.unwrap_or_else(CallResult::Threw)
    }

    /// Settles host futures the call left behind (after [`CallState::cancel`]); false if
    /// they did not finish within `budget`.
    pub async fn settle(&self, budget: Duration) -> bool {
        tokio::time::timeout(budget, self.rt.idle()).await.is_ok()
    }

    pub fn release(&self) {
        *self.slot.lock().expect("slot lock") = None;
    }
}

/// A position the parser reports inside the appended export line belongs to the end of the
/// user's code (an unclosed brace, for example).
fn clamp_to_user_code(source: &str, (line, column): (u32, u32)) -> (u32, u32) {
    let user = source.strip_suffix(HANDLER_EXPORT).unwrap_or(source);
    let lines: Vec<&str> = user.split('\n').collect();
    let count = u32::try_from(lines.len()).unwrap_or(u32::MAX);
    if line <= count {
        return (line, column);
    }
    let last = lines.last().map_or(0, |l| l.chars().count());
    (
        count,
        u32::try_from(last).unwrap_or(u32::MAX).saturating_add(1),
    )
}

/// The exception `err` stands for, taken out of the engine.
fn caught(ctx: &Ctx<'_>, err: rquickjs::Error) -> JsError {
    match Err::<(), _>(err).catch(ctx) {
        Err(caught) => JsError::from_caught(ctx, caught),
        Ok(()) => JsError::default(),
    }
}

/// The shim: Web APIs on the global object; its entry points go to the runtime's user data.
async fn install_shim(ctx: &Ctx<'_>, slot: &Slot) -> Result<(), JsError> {
    let install = || -> rquickjs::Result<rquickjs::Promise<'_>> {
        ctx.globals()
            .set("__quire_host", web_api::host_object(ctx, slot)?)?;
        Module::import(ctx, SHIM_MODULE)
    };
    let installed = install().map_err(|err| caught(ctx, err))?;
    installed
        .into_future::<()>()
        .await
        .map_err(|err| caught(ctx, err))
}

async fn load_in(ctx: &Ctx<'_>, source: String) -> Result<(), LoadFailure> {
    let threw = |ctx: &Ctx<'_>, err: rquickjs::Error| LoadFailure::Threw(caught(ctx, err));
    let set_handler = entry(ctx, SET_HANDLER).ok_or_else(|| {
        LoadFailure::Threw(JsError {
            name: "InternalError".to_owned(),
            message: "the Web API shim did not register its entry points".to_owned(),
            uncaught_internal: true,
            ..JsError::default()
        })
    })?;

    let module = match Module::declare(ctx.clone(), MODULE_NAME, source.clone()) {
        Ok(module) => module,
        Err(err) => {
            let LoadFailure::Threw(js) = threw(ctx, err) else {
                unreachable!("threw always builds Threw")
            };
            if js.name == "SyntaxError" {
                let (line, column) = clamp_to_user_code(&source, js.location().unwrap_or((0, 0)));
                return Err(LoadFailure::Load(LoadError::Syntax {
                    message: format!("SyntaxError: {}", js.message),
                    line,
                    column,
                }));
            }
            return Err(LoadFailure::Threw(js));
        }
    };
    let (module, promise) = module.eval().map_err(|err| threw(ctx, err))?;
    promise
        .into_future::<()>()
        .await
        .map_err(|err| threw(ctx, err))?;
    let namespace = module.namespace().map_err(|err| threw(ctx, err))?;
    let default: Value = namespace.get("default").map_err(|err| threw(ctx, err))?;
    let named: Value = namespace
        .get("__quire_handler")
        .map_err(|err| threw(ctx, err))?;
    let handler = if default
        .as_object()
        .and_then(|o| o.get::<_, Value>("fetch").ok())
        .is_some_and(|f| f.is_function())
        || default.is_function()
    {
        default
    } else if named.is_function() {
        named
    } else {
        return Err(LoadFailure::Load(LoadError::NoHandler));
    };
    set_handler
        .call::<_, ()>((handler,))
        .map_err(|err| threw(ctx, err))?;
    Ok(())
}

/// Indexes of the shim's entry points in the array it registers (see the end of `shim.js`).
const RUN: usize = 0;
const WIRE: usize = 1;
const SET_HANDLER: usize = 2;
const IS_OUT_OF_MEMORY: usize = 3;
const ENCODE_BINARY: usize = 4;

/// One of the shim's entry points, kept in the runtime's user data (not in any global, so the
/// function's code cannot reach them).
fn entry<'js>(ctx: &Ctx<'js>, index: usize) -> Option<Function<'js>> {
    let entries = ctx.userdata::<Array<'js>>()?.clone();
    entries.get(index).ok()
}

/// The request URL as the function sees it: absolute and normalized, a relative one resolved
/// against `http://localhost/`.
fn normalize_url(url: &str) -> String {
    url::Url::parse(url)
        .or_else(|_| url::Url::parse("http://localhost/").and_then(|base| base.join(url)))
        .map_or_else(|_| "http://localhost/".to_owned(), String::from)
}

async fn call_in(
    ctx: &Ctx<'_>,
    request: &HttpRequest,
    url: String,
    secrets: &BTreeMap<String, String>,
) -> Result<CallResult, JsError> {
    let caught = |err: rquickjs::Error| match Err::<(), _>(err).catch(ctx) {
        Err(caught) => JsError::from_caught(ctx, caught),
        Ok(()) => JsError::default(),
    };
    let missing = || JsError {
        name: "InternalError".to_owned(),
        message: "the Web API shim's entry points are missing".to_owned(),
        uncaught_internal: true,
        ..JsError::default()
    };
    let (run, wire) = entry(ctx, RUN).zip(entry(ctx, WIRE)).ok_or_else(missing)?;
    let headers = header_list(&request.headers);
    // Text bodies (nearly all) cross as strings; others as bytes.
    let body: Value = match std::str::from_utf8(&request.body) {
        Ok(text) => rquickjs::String::from_str(ctx.clone(), text)
            .map_err(caught)?
            .into_value(),
        Err(_) => rquickjs::TypedArray::<u8>::new(ctx.clone(), request.body.clone())
            .map_err(caught)?
            .into_value(),
    };
    let env = Object::new(ctx.clone()).map_err(caught)?;
    for (name, value) in secrets {
        env.set(name.as_str(), value.as_str()).map_err(caught)?;
    }
    let method = if request.method.is_empty() {
        "GET"
    } else {
        request.method.as_str()
    };
    let returned: Value = run
        .call((method, url, headers, body, env))
        .map_err(caught)?;
    let result = match returned.as_promise() {
        Some(promise) => settled(ctx, promise).await.map_err(caught)?,
        None => returned,
    };
    let wire: Value = wire.call((result,)).map_err(caught)?;
    read_wire(ctx, wire).map_err(caught)
}

/// The request's headers as the shim's header list: names lowercase and distinct, the values of
/// a repeated name joined with ", " (as `Headers.append` does). It crosses as one string,
/// "name\0value\0…", which the shim splits only if the function reads the headers (a JS
/// string per name and value would cost more than most calls spend on headers); a header with
/// a NUL in it, which HTTP does not allow, is left out.
fn header_list(headers: &[(String, String)]) -> String {
    let mut names: Vec<Cow<'_, str>> = Vec::with_capacity(headers.len());
    let mut values: Vec<Cow<'_, str>> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        if name.contains('\0') || value.contains('\0') {
            continue;
        }
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name.as_str())
        };
        if let Some(i) = names.iter().position(|known| *known == name) {
            values[i] = Cow::Owned(format!("{}, {value}", values[i]));
        } else {
            names.push(name);
            values.push(Cow::Borrowed(value.as_str()));
        }
    }
    let mut list = String::new();
    for (name, value) in names.iter().zip(&values) {
        if !list.is_empty() {
            list.push('\0');
        }
        list.push_str(name);
        list.push('\0');
        list.push_str(value);
    }
    list
}

/// Waits for `promise` to settle. `async_with` polls this again after every step of progress
/// (a job run, a host future done), so unlike awaiting the promise it needs no `then` callback,
/// which would cost a function and a promise per call. An uncatchable error (the interrupt
/// handler's) ends the wait, as rquickjs's own promise future does.
fn settled<'js>(
    ctx: &Ctx<'js>,
    promise: &Promise<'js>,
) -> impl Future<Output = rquickjs::Result<Value<'js>>> {
    std::future::poll_fn(move |_| {
        if let Some(result) = promise.result::<Value>() {
            return Poll::Ready(result);
        }
        if ctx.has_exception() {
            let exception = ctx.catch();
            if exception.is_uncatchable_error() {
                return Poll::Ready(Err(ctx.throw(exception)));
            }
        }
        Poll::Pending
    })
}

/// Reads what the shim's `wire` made of the handler's result.
fn read_wire<'js>(ctx: &Ctx<'js>, wire: Value<'js>) -> rquickjs::Result<CallResult> {
    if let Some(what) = web_api::js_string(&wire) {
        return Ok(CallResult::Invalid(what?));
    }
    let wire = Array::from_value(wire)?;
    let status: u16 = wire.get(0)?;
    let flat: Vec<String> = wire.get(1)?;
    let headers = flat
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    let body: Value = wire.get(2)?;
    let binary: bool = wire.get(3)?;
    let body = if body.is_null() || body.is_undefined() {
        Vec::new()
    } else if binary {
        web_api::binary_to_bytes(&body.get::<String>()?)
    } else if let Some(Ok(text)) = web_api::js_string(&body) {
        text.into_bytes()
    } else {
        // Lone surrogates do not convert; the shim's encoder replaces them.
        let encode = entry(ctx, ENCODE_BINARY).ok_or(rquickjs::Error::Unknown)?;
        web_api::binary_to_bytes(&encode.call::<_, String>((body,))?)
    };
    Ok(CallResult::Response(HttpResponse {
        status,
        headers,
        body,
    }))
}
