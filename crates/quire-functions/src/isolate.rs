//! One isolate: a `QuickJS` runtime and context holding one loaded function, with its memory
//! limit and its [`Meter`], and the code that loads a function and runs one call on it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, Instant};

use rquickjs::{Array, AsyncContext, AsyncRuntime, Ctx, Module, Object, Promise, Value};

use crate::call_state::{CallState, Slot};
use crate::config::Limits;
use crate::error::LoadError;
use crate::http::{HttpRequest, HttpResponse};
use crate::js_error::{self, JsError};
use crate::meter::{Handoff, Meter, Metered, Trip};
use crate::shim::{
    self, DenyImports, ENCODE_BINARY, MODULE_NAME, RUN, SET_HANDLER, SHIM_MODULE, WIRE,
};
use crate::web_api;

/// Appended after the user's code (on its own line, so line numbers stay the user's): finds a
/// top-level `handler` without an `export`, the Kapso form.
const HANDLER_EXPORT: &str =
    "\n;export const __quire_handler = typeof handler === \"function\" ? handler : undefined;\n";

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

/// The shim: Web APIs on the global object; its entry points go to the runtime's user data.
async fn install_shim(ctx: &Ctx<'_>, slot: &Slot) -> Result<(), JsError> {
    let install = || -> rquickjs::Result<rquickjs::Promise<'_>> {
        ctx.globals()
            .set("__quire_host", web_api::host_object(ctx, slot)?)?;
        Module::import(ctx, SHIM_MODULE)
    };
    let installed = install().map_err(|err| js_error::caught(ctx, err))?;
    installed
        .into_future::<()>()
        .await
        .map_err(|err| js_error::caught(ctx, err))
}

async fn load_in(ctx: &Ctx<'_>, source: String) -> Result<(), LoadFailure> {
    let threw =
        |ctx: &Ctx<'_>, err: rquickjs::Error| LoadFailure::Threw(js_error::caught(ctx, err));
    let set_handler = shim::entry(ctx, SET_HANDLER).ok_or_else(|| {
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
    let caught = |err: rquickjs::Error| js_error::caught(ctx, err);
    let missing = || JsError {
        name: "InternalError".to_owned(),
        message: "the Web API shim's entry points are missing".to_owned(),
        uncaught_internal: true,
        ..JsError::default()
    };
    let (run, wire) = shim::entry(ctx, RUN)
        .zip(shim::entry(ctx, WIRE))
        .ok_or_else(missing)?;
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
        let encode = shim::entry(ctx, ENCODE_BINARY).ok_or(rquickjs::Error::Unknown)?;
        web_api::binary_to_bytes(&encode.call::<_, String>((body,))?)
    };
    Ok(CallResult::Response(HttpResponse {
        status,
        headers,
        body,
    }))
}
