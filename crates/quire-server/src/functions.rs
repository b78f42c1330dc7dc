//! Running a project's functions for the server: [`target`] finds a function with its
//! deployed code and opened secrets (cached, see [`crate::read_cache`]), and one core
//! ([`run_deployed`]) hands it the project's KV, runs it in the runtime and queues the
//! invocation's record for a background writer; the HTTP invoke route and the page bridge
//! ([`invoke_for_page`]) both call it. Also the limits a function may set and the mapping of
//! runtime errors to API errors.

pub mod concurrency;
pub mod kv;
pub mod redact;
pub mod seal;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quire_functions::{
    FunctionRef, HttpRequest, HttpResponse, Invocation, InvokeError, Limits, Outcome,
};
use quire_store::{Function, InvocationRecord, Project, Store};

use self::redact::Redactor;
use crate::errors::ApiError;
use crate::functions::concurrency::{Gate, Gates};
use crate::rate_limit;
use crate::read_cache::ReadCache;
use crate::state::AppState;
use crate::validate::shown;

/// Invoke payloads above this many bytes are refused with 413.
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;
/// Wall-clock limit of a function unless it sets its own, and the most it may set.
pub const DEFAULT_TIMEOUT_MS: i64 = 30_000;
pub const MAX_TIMEOUT_MS: i64 = 30_000;
pub const MIN_TIMEOUT_MS: i64 = 10;
/// Memory limit of a function unless it sets its own, and the bounds it may set.
pub const DEFAULT_MEMORY_MB: i64 = 128;
pub const MAX_MEMORY_MB: i64 = 512;
pub const MIN_MEMORY_MB: i64 = 8;
/// Function source is at most this many bytes.
pub const MAX_CODE_BYTES: usize = 1024 * 1024;
/// Console output kept in an invocation record.
pub const MAX_RECORDED_LOG_BYTES: usize = 16 * 1024;
/// Invocation records kept per function; older ones are pruned as new ones come in.
pub const KEPT_INVOCATIONS: i64 = 1000;
/// One recorded invocation in this many also prunes its function's old records.
const PRUNE_EVERY: u64 = 100;
/// Records waiting for the writer at most; past this, new ones are dropped (and counted) so a
/// database that cannot keep up slows nothing but the log.
const MAX_PENDING_RECORDS: usize = 50_000;

/// One app's bookkeeping for the invocation path, held in its `AppState`: the functions of
/// recent calls, the invocation records waiting for the writer, and the count that paces
/// pruning.
pub struct Invocations {
    /// By (project id or slug, function id or slug), as callers name them.
    targets: ReadCache<(String, String), Option<Arc<Target>>>,
    /// Records waiting for the writer.
    pending: Mutex<Vec<InvocationRecord>>,
    /// How many may wait; see [`MAX_PENDING_RECORDS`].
    max_pending: usize,
    /// Whether a background writer is on its way; at most one is.
    writing: AtomicBool,
    /// Whether records are being dropped (said once in the log until the queue drains).
    dropping: AtomicBool,
    /// One writer at a time; it commits every waiting record in one transaction.
    writer: tokio::sync::Mutex<()>,
    recorded: AtomicU64,
    /// Each project's share of the runtime, handed to its targets as they load.
    gates: Gates,
}

impl Default for Invocations {
    fn default() -> Self {
        Self::with_max_pending(MAX_PENDING_RECORDS)
    }
}

/// A function as the invocation path needs it.
pub struct Target {
    pub project: Project,
    pub function: Function,
    /// `None` until the function is deployed.
    deployed: Option<Deployed>,
    /// The project's share of the runtime, one gate for all its functions.
    gate: Gate,
}

struct Deployed {
    version: i64,
    code: Arc<str>,
    /// The opened secrets, or why they could not be opened (said to the caller at run time).
    secrets: Result<Opened, String>,
}

/// Secrets by name, and what cuts their values out of texts, made once per cached read.
struct Opened {
    by_name: Arc<BTreeMap<String, String>>,
    redactor: Arc<Redactor>,
}

/// The function `function` (id or slug) of project `project` (id or slug) with its deployed
/// code and secrets; `None` when either does not exist.
pub async fn target(
    state: &AppState,
    project: &str,
    function: &str,
) -> Result<Option<Arc<Target>>, ApiError> {
    let store = &state.store;
    let key = (project.to_owned(), function.to_owned());
    let load = async {
        let Some(project) = store.project(project).await? else {
            return Ok(None);
        };
        let Some(function) = store.function(&project.id, function).await? else {
            return Ok(None);
        };
        let deployed = match function.deployed_version {
            Some(version) => Some(load_deployed(state, &function, version).await?),
            None => None,
        };
        let gate = state.invocations.gates.of(&project.id);
        Ok(Some(Arc::new(Target {
            project,
            function,
            deployed,
            gate,
        })))
    };
    state
        .invocations
        .targets
        .get_or_load(store, key, load)
        .await
}

async fn load_deployed(
    state: &AppState,
    function: &Function,
    version: i64,
) -> Result<Deployed, ApiError> {
    let stored = state
        .store
        .function_version(&function.id, version)
        .await?
        .ok_or_else(|| ApiError::internal(&"the deployed version of a function is missing"))?;
    let secrets = state
        .store
        .function_secrets_sealed(&function.id)
        .await?
        .into_iter()
        .map(|(name, sealed)| {
            let value = seal::open(&state.config.secret_key, &function.id, &name, &sealed)
                .map_err(|e| e.to_string())?;
            Ok((name, value))
        })
        .collect::<Result<BTreeMap<_, _>, String>>()
        .map(|by_name| Opened {
            redactor: Arc::new(Redactor::new(by_name.values().map(String::as_str))),
            by_name: Arc::new(by_name),
        });
    Ok(Deployed {
        version,
        code: Arc::from(stored.code),
        secrets,
    })
}

/// Who is calling through a page; the server sets these, never the page.
pub struct Caller {
    pub viewer_user_id: Option<String>,
    pub page_id: Option<String>,
    pub mount_point: Option<String>,
    pub mode: Option<String>,
}

/// `{id}` or `{slug}` of a function, as the bridge names it.
pub enum FunctionSelector {
    Id(String),
    Slug(String),
}

/// How a call reached the function; kept in its invocation record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// `POST …/functions/{f}/invoke` with credentials.
    Api,
    /// The same route without credentials, on a public function.
    Public,
    /// A page, through the bridge.
    Page,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Public => "public",
            Self::Page => "page",
        }
    }
}

/// Headers the caller may never set for a function: credentials and the caller headers the
/// server itself sets.
pub const CALLER_HEADERS: [&str; 4] = [
    "x-quire-viewer",
    "x-quire-page",
    "x-quire-mount-point",
    "x-quire-mode",
];
pub const CREDENTIAL_HEADERS: [&str; 4] = ["authorization", "cookie", "x-api-key", "x-csrf-token"];

/// Runs the deployed version of a function of `project_id` with `payload` as the JSON body and the caller in
/// `X-Quire-Viewer`, `X-Quire-Page`, `X-Quire-Mount-Point`, `X-Quire-Mode` headers (and nothing else from the browser), records the
/// invocation, and answers the HTTP response to give the page: the function's body and content type with status 200 on success;
/// on failure (thrown error, limit, status >= 400) a Quire error body `{"error":{"code":"function_error"|"function_timeout"|…,"message":<the function's message>}}`
/// with the function's status when it returned >= 400, else 502. Unknown function in this project → `ApiError` 404; undeployed → 422.
pub async fn invoke_for_page(
    state: &AppState,
    project_id: &str,
    function: &FunctionSelector,
    payload: serde_json::Value,
    caller: &Caller,
) -> Result<Response, ApiError> {
    let named = match function {
        FunctionSelector::Id(named) | FunctionSelector::Slug(named) => named,
    };
    let found = target(state, project_id, named).await?;
    let found = found.filter(|found| match function {
        FunctionSelector::Id(id) => &found.function.id == id,
        FunctionSelector::Slug(slug) => &found.function.slug == slug,
    });
    let Some(found) = found else {
        return Err(ApiError::not_found(format!(
            "this project has no function {}; check the id or slug passed to kapso.invokeFunction",
            shown(named)
        )));
    };
    let body = payload.to_string().into_bytes();
    if body.len() > MAX_PAYLOAD_BYTES {
        return Err(payload_too_large(body.len()));
    }
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    let caller_headers = [
        ("x-quire-viewer", &caller.viewer_user_id),
        ("x-quire-page", &caller.page_id),
        ("x-quire-mount-point", &caller.mount_point),
        ("x-quire-mode", &caller.mode),
    ];
    for (name, value) in caller_headers {
        if let Some(value) = value {
            headers.push((name.to_owned(), value.clone()));
        }
    }
    let request = HttpRequest {
        method: "POST".to_owned(),
        url: function_url(state, &found.function),
        headers,
        body,
    };
    let viewer = caller.viewer_user_id.as_deref();
    let outcome = run_deployed(state, &found, request, Via::Page, viewer).await?;
    Ok(match outcome.result {
        Ok(response) => {
            let content_type = response
                .header("content-type")
                .unwrap_or("text/plain;charset=UTF-8")
                .to_owned();
            let mut answer = (StatusCode::OK, response.body).into_response();
            if let Ok(value) = HeaderValue::from_str(&content_type) {
                answer.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            answer
        }
        Err(error) => invoke_error(&error, &outcome.redactor).into_response(),
    })
}

/// The URL a function sees as `request.url`.
pub fn function_url(state: &AppState, function: &Function) -> String {
    format!(
        "{}/api/v1/projects/{}/functions/{}/invoke",
        state.config.public_url.trim_end_matches('/'),
        function.project_id,
        function.slug
    )
}

pub fn payload_too_large(size: usize) -> ApiError {
    ApiError::too_large(format!(
        "the payload is {size} bytes; the limit is {MAX_PAYLOAD_BYTES} (1 MiB): send less data per call"
    ))
}

/// What came of a run: the runtime's outcome, with what cuts the secret values handed to the
/// function out of what callers show.
pub struct Ran {
    pub result: Result<HttpResponse, InvokeError>,
    pub redactor: Arc<Redactor>,
}

/// The limits of `function` for one invocation.
pub fn limits(function: &Function) -> Limits {
    let wall =
        u64::try_from(function.timeout_ms.clamp(MIN_TIMEOUT_MS, MAX_TIMEOUT_MS)).unwrap_or(30_000);
    let memory =
        usize::try_from(function.memory_mb.clamp(MIN_MEMORY_MB, MAX_MEMORY_MB)).unwrap_or(128);
    Limits {
        wall_time: Duration::from_millis(wall),
        memory_bytes: memory * 1024 * 1024,
        ..Limits::default()
    }
}

/// The one place a function runs: takes the call from the rate limits of `viewer` (a user id)
/// and the project, waits for a place in the project's share of the runtime, hands the
/// deployed version its secrets and the project's KV, runs it under its limits and queues its
/// invocation record (secret values redacted from the error and the logs). Undeployed → 422;
/// over a rate limit, or no place within the queue wait → 429 with `Retry-After`.
pub async fn run_deployed(
    state: &AppState,
    target: &Target,
    request: HttpRequest,
    via: Via,
    viewer: Option<&str>,
) -> Result<Ran, ApiError> {
    let function = &target.function;
    let Some(deployed) = &target.deployed else {
        return Err(ApiError::unprocessable(format!(
            "function {:?} has not been deployed yet; deploy it first (POST …/functions/{}/deploy or `quire functions deploy`)",
            function.slug, function.slug
        )));
    };
    take_invoke_limits(state, &function.project_id, viewer)?;
    let secrets = deployed
        .secrets
        .as_ref()
        .map_err(|why| ApiError::unprocessable(why.clone()))?;
    let redactor = secrets.redactor.clone();
    let wait = state.config.function_queue_wait;
    let Some(_running) = target.gate.enter(wait).await else {
        return Err(project_busy(state, &target.project, wait));
    };
    let reference = FunctionRef {
        project_id: function.project_id.clone(),
        function_id: function.id.clone(),
        version: deployed.version,
        code: deployed.code.clone(),
        limits: limits(function),
    };
    let invocation = Invocation {
        request,
        secrets: secrets.by_name.clone(),
        kv: Arc::new(kv::ProjectKv::new(
            state.store.clone(),
            function.project_id.clone(),
        )),
    };
    let started_at = quire_store::now_ms();
    let outcome = state.functions.invoke(&reference, invocation).await;
    crate::telemetry::record_invocation(outcome.result.is_ok(), outcome.duration);
    let record = invocation_record(
        function,
        deployed.version,
        via,
        started_at,
        &outcome,
        &redactor,
    );
    queue_record(state, record);
    Ok(Ran {
        result: outcome.result,
        redactor,
    })
}

fn take_invoke_limits(
    state: &AppState,
    project_id: &str,
    viewer: Option<&str>,
) -> Result<(), ApiError> {
    let limits = &state.rate_limits;
    if let Some(viewer) = viewer {
        limits.invoke_per_viewer.take(viewer).map_err(|wait| {
            rate_limit::refused(
                wait,
                format!(
                    "you have made more than {} function calls in the last minute; wait and try again",
                    state.config.invoke_rate_per_viewer
                ),
            )
        })?;
    }
    limits.invoke_per_project.take(project_id).map_err(|wait| {
        rate_limit::refused(
            wait,
            format!(
                "this project's functions were called more than {} times in the last minute; wait and try again",
                state.config.invoke_rate_per_project
            ),
        )
    })
}

/// The answer to a call that found no place in its project's share within `waited`.
fn project_busy(state: &AppState, project: &Project, waited: Duration) -> ApiError {
    crate::telemetry::record_function_call_refused_busy();
    let limit = state.config.function_concurrency_per_project;
    let waited_ms = waited.as_millis();
    let mut error = ApiError::too_many_requests(
        1,
        format!(
            "project {:?} already has {limit} function calls running, its limit \
             (function_concurrency_per_project), and none finished within the {waited_ms} ms \
             this call waited; try again in a moment, and make calls that run long return sooner",
            project.slug,
        ),
    )
    .with_details(serde_json::json!({ "limit": limit, "waited_ms": waited_ms }));
    error.code = "function_concurrency_limit";
    error
}

/// Queues one invocation record for the background writer, which commits everything waiting
/// after the configured batch window in one transaction (group commit), so the caller never waits
/// for the database. A listing calls [`Invocations::flush`] first and so sees every call
/// answered before it.
fn queue_record(state: &AppState, record: InvocationRecord) {
    if state.invocations.push(record) {
        let state = state.clone();
        tokio::spawn(async move {
            let invocations = &state.invocations;
            loop {
                // Under load a batch then holds hundreds of records instead of the few that
                // arrived during the last commit.
                tokio::time::sleep(state.config.record_batch_window).await;
                invocations.flush(&state.store).await;
                invocations.writing.store(false, Ordering::Release);
                // A record queued after the last batch but before the flag fell found the flag
                // up and left it to this writer.
                let more = !invocations
                    .pending
                    .lock()
                    .expect("pending records lock")
                    .is_empty();
                if !more || invocations.writing.swap(true, Ordering::AcqRel) {
                    break;
                }
            }
        });
    }
}

impl Invocations {
    fn with_max_pending(max_pending: usize) -> Self {
        Self {
            targets: ReadCache::default(),
            pending: Mutex::default(),
            max_pending,
            writing: AtomicBool::default(),
            dropping: AtomicBool::default(),
            writer: tokio::sync::Mutex::default(),
            recorded: AtomicU64::default(),
            gates: Gates::new(0),
        }
    }

    /// The bookkeeping of an app whose projects may each run `per_project` calls at once
    /// (0: no cap).
    pub fn with_concurrency(per_project: usize) -> Self {
        Self {
            gates: Gates::new(per_project),
            ..Self::default()
        }
    }

    /// Queues `record`, or drops it (counted, and said once in the log) when the queue is
    /// full; true when no writer is on its way and the caller must start one.
    fn push(&self, record: InvocationRecord) -> bool {
        {
            let mut pending = self.pending.lock().expect("pending records lock");
            if pending.len() >= self.max_pending {
                crate::telemetry::record_dropped_invocation_record();
                if !self.dropping.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        waiting = self.max_pending,
                        "the database is not keeping up with invocation records; new ones are \
                         dropped (counted in quire_invocation_records_dropped_total) until it \
                         catches up"
                    );
                }
                return false;
            }
            pending.push(record);
        }
        !self.writing.swap(true, Ordering::AcqRel)
    }

    /// Commits every record queued before this call (after any batch in progress), and now
    /// and then prunes the oldest records of the functions written.
    pub async fn flush(&self, store: &Store) {
        let _writer = self.writer.lock().await;
        let batch = std::mem::take(&mut *self.pending.lock().expect("pending records lock"));
        if batch.is_empty() {
            return;
        }
        if self.dropping.swap(false, Ordering::Relaxed) {
            tracing::info!("invocation records are being written again");
        }
        let calls = batch.len() as u64;
        let batch = kept_after_pruning(
            batch,
            usize::try_from(KEPT_INVOCATIONS).unwrap_or(usize::MAX),
        );
        if let Err(error) = store.record_invocations(&batch).await {
            tracing::warn!(%error, records = batch.len(), "could not record invocations");
        }
        let before = self.recorded.fetch_add(calls, Ordering::Relaxed);
        if before / PRUNE_EVERY != (before + calls) / PRUNE_EVERY {
            prune(store, &batch).await;
        }
    }
}

/// The records of `batch` that pruning would keep: of a function with more than `keep` records
/// in the batch, only the newest `keep` (by start time, then queue order, which is the order
/// of their ids, as listings sort them). Writing the others would only have the next prune
/// delete them; under load that was most of what the database did.
fn kept_after_pruning(mut batch: Vec<InvocationRecord>, keep: usize) -> Vec<InvocationRecord> {
    if batch.len() <= keep {
        return batch;
    }
    let mut per_function: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, record) in batch.iter().enumerate() {
        per_function
            .entry(record.function_id.as_str())
            .or_default()
            .push(index);
    }
    let mut dropped = vec![false; batch.len()];
    for indices in per_function.values_mut().filter(|i| i.len() > keep) {
        indices.sort_by_key(|&index| (batch[index].started_at, index));
        for &index in &indices[..indices.len() - keep] {
            dropped[index] = true;
        }
    }
    let mut index = 0;
    batch.retain(|_| {
        index += 1;
        !dropped[index - 1]
    });
    batch
}

/// Keeps the newest [`KEPT_INVOCATIONS`] records of each function in `batch`.
async fn prune(store: &Store, batch: &[InvocationRecord]) {
    let mut functions: Vec<&str> = batch.iter().map(|r| r.function_id.as_str()).collect();
    functions.sort_unstable();
    functions.dedup();
    for function in functions {
        if let Err(error) = store.prune_invocations(function, KEPT_INVOCATIONS).await {
            tracing::warn!(%error, function, "could not prune old invocation records");
        }
    }
}

fn invocation_record(
    function: &Function,
    version: i64,
    via: Via,
    started_at: i64,
    outcome: &Outcome,
    redactor: &Redactor,
) -> InvocationRecord {
    let (error_code, error, error_stack) = match &outcome.result {
        Ok(_) => (None, None, None),
        Err(error) => {
            let stack = match error {
                InvokeError::Thrown { stack, .. }
                | InvokeError::Load(quire_functions::LoadError::Threw { stack, .. }) => {
                    Some(redactor.redact(stack))
                }
                _ => None,
            };
            (
                Some(error_code(error).to_owned()),
                Some(redactor.redact(&error.to_string())),
                stack,
            )
        }
    };
    let mut logs = redactor.redact(&outcome.logs);
    let mut logs_truncated = outcome.logs_truncated;
    if logs.len() > MAX_RECORDED_LOG_BYTES {
        let mut cut = MAX_RECORDED_LOG_BYTES;
        while !logs.is_char_boundary(cut) {
            cut -= 1;
        }
        logs.truncate(cut);
        logs_truncated = true;
    }
    InvocationRecord {
        id: String::new(),
        function_id: function.id.clone(),
        version,
        via: via.as_str().to_owned(),
        started_at,
        duration_ms: i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX),
        status: outcome.status().map(i64::from),
        ok: outcome.result.is_ok(),
        error_code,
        error,
        error_stack,
        logs,
        logs_truncated,
        request_bytes: i64::try_from(outcome.request_bytes).unwrap_or(i64::MAX),
        response_bytes: i64::try_from(outcome.response_bytes).unwrap_or(i64::MAX),
    }
}

/// The stable code of a runtime error, as the API reports it.
pub fn error_code(error: &InvokeError) -> &'static str {
    match error {
        InvokeError::Timeout { .. } => "function_timeout",
        InvokeError::CpuLimit { .. } => "function_cpu_limit",
        InvokeError::OutOfMemory { .. } => "function_out_of_memory",
        InvokeError::TooManyRequests { .. } => "function_fetch_limit",
        InvokeError::ResponseTooLarge { .. } => "function_response_too_large",
        InvokeError::LogTooLarge { .. } => "function_log_limit",
        InvokeError::Thrown { .. } | InvokeError::BadStatus { .. } => "function_error",
        InvokeError::InvalidResponse(_) => "function_invalid_response",
        InvokeError::Load(_) => "function_load_error",
        InvokeError::Internal(_) => "function_runtime_error",
    }
}

/// A failed run as a Quire error: the function's status when it answered >= 400, else 502,
/// with the function's message (secret values cut out, see [`redact`]).
pub fn invoke_error(error: &InvokeError, redactor: &Redactor) -> ApiError {
    let status = match error {
        InvokeError::BadStatus { status, .. } => {
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
        }
        _ => StatusCode::BAD_GATEWAY,
    };
    ApiError::new(
        status,
        error_code(error),
        redactor.redact(&error.to_string()),
    )
}

/// Response headers a function may set on the app origin: what describes and caches its body.
/// Anything else is dropped, notably `Set-Cookie`, CORS (the server alone decides it),
/// `Clear-Site-Data`, `Refresh`, `Link`, security policies and hop-by-hop headers. `Location`
/// is checked on its own ([`same_origin_location`]).
const ALLOWED_RESPONSE_HEADERS: [&str; 10] = [
    "content-type",
    "content-language",
    "content-disposition",
    "cache-control",
    "expires",
    "etag",
    "last-modified",
    "vary",
    "retry-after",
    "location",
];

/// `X-` headers a function may not set although custom ones pass: those that set a browser
/// security policy, name the request (the server's own id), belong to Quire, or tell a proxy
/// in front to serve something else (a file, an internal location).
const DENIED_X_HEADERS: [&str; 9] = [
    "x-frame-options",
    "x-content-type-options",
    "x-xss-protection",
    "x-dns-prefetch-control",
    "x-permitted-cross-domain-policies",
    "x-download-options",
    "x-ua-compatible",
    "x-request-id",
    "x-sendfile",
];
const DENIED_X_PREFIXES: [&str; 4] = ["x-quire-", "x-accel-", "x-forwarded-", "x-lighttpd-"];

/// Whether a function may answer with header `name` (lower case).
fn allowed_response_header(name: &str) -> bool {
    if ALLOWED_RESPONSE_HEADERS.contains(&name) {
        return true;
    }
    name.starts_with("x-")
        && !DENIED_X_HEADERS.contains(&name)
        && !DENIED_X_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

/// Whether `location`, read as a browser would against `app`, stays on the app's origin.
/// Whether `location`, resolved as a browser would against the app's URL, stays on its origin.
/// The app URL is parsed only for an answer that has a `Location`, not on every call.
fn same_origin_location(public_url: &str, location: &str) -> bool {
    url::Url::parse(public_url).is_ok_and(|app| {
        app.join(location)
            .is_ok_and(|target| target.origin() == app.origin())
    })
}

/// The function's own response as the HTTP invoke route's answer: its status, body and the
/// headers of [`ALLOWED_RESPONSE_HEADERS`] and custom `X-` ones. The body is never rendered as
/// a document of the app origin (`Content-Disposition: attachment` unless the function chose an
/// attachment), and a redirect never leaves the app origin (`public_url`): a `Location`
/// elsewhere on a redirect answers 502 (naming it with secret values cut out), on any other
/// status it is dropped.
pub fn pass_through(response: HttpResponse, public_url: &str, redactor: &Redactor) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    let mut refused_location = None;
    // The function's headers alone: a body turned into a response would bring a content type
    // of its own, and the function's would then be a second one.
    let mut answer = Response::new(axum::body::Body::from(response.body));
    *answer.status_mut() = status;
    let headers = answer.headers_mut();
    for (name, value) in &response.headers {
        let lower = name.to_ascii_lowercase();
        if !allowed_response_header(&lower) {
            continue;
        }
        if lower == "location" && !same_origin_location(public_url, value) {
            refused_location = Some(value.clone());
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(lower.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    if let Some(location) = refused_location
        && status.is_redirection()
    {
        return ApiError::new(
            StatusCode::BAD_GATEWAY,
            "function_redirect_refused",
            format!(
                "the function redirected to {:?}, off this server's origin; a function may only redirect within {public_url}",
                redactor.redact(&location)
            ),
        )
        .into_response();
    }
    let attachment = headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("attachment")
        });
    if !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
    }
    if !attachment {
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    answer
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use quire_store::NewFunction;
    use quire_store::testing::TestDatabase;

    use super::*;

    /// What the log said, as text.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn count(&self, needle: &str) -> usize {
            String::from_utf8_lossy(&self.0.lock().unwrap())
                .matches(needle)
                .count()
        }
    }

    fn record(function_id: &str) -> InvocationRecord {
        InvocationRecord {
            id: String::new(),
            function_id: function_id.to_owned(),
            version: 1,
            via: "api".to_owned(),
            started_at: quire_store::now_ms(),
            duration_ms: 1,
            status: Some(200),
            ok: true,
            error_code: None,
            error: None,
            error_stack: None,
            logs: String::new(),
            logs_truncated: false,
            request_bytes: 2,
            response_bytes: 2,
        }
    }

    async fn a_function(store: &Store) -> Function {
        let owner = store
            .create_user("ann@example.com", "Ann", "x")
            .await
            .unwrap();
        let project = store.create_project("p", "P", &owner.id).await.unwrap();
        store
            .create_function(&NewFunction {
                project_id: &project.id,
                name: "F",
                slug: "f",
                code: "async function handler() { return 1; }",
                load_error: None,
                public_endpoint: false,
                timeout_ms: 1000,
                memory_mb: 16,
                author_id: &owner.id,
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_flush_of_more_records_than_are_kept_writes_the_newest() {
        let database = TestDatabase::sqlite().await;
        let store = &database.store;
        let function = a_function(store).await;
        let invocations = Invocations::default();
        let calls = usize::try_from(KEPT_INVOCATIONS).unwrap() + 5;
        for version in 0..calls {
            invocations.push(InvocationRecord {
                version: i64::try_from(version).unwrap(),
                ..record(&function.id)
            });
        }
        invocations.flush(store).await;

        let mut listed = Vec::new();
        let mut before = None;
        loop {
            let page = store
                .function_invocations(&function.id, before.as_deref(), 100)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            before = Some(last.id.clone());
            listed.extend(page.iter().map(|r| r.version));
        }
        let newest: Vec<i64> = (5..i64::try_from(calls).unwrap()).rev().collect();
        // The same as writing every record and pruning, without writing what is pruned.
        assert_eq!(listed, newest, "the newest records, newest first");
    }

    #[test]
    fn a_batch_keeps_only_the_records_pruning_would_keep() {
        let at = |function_id: &str, started_at: i64, version: i64| InvocationRecord {
            started_at,
            version,
            ..record(function_id)
        };
        // Queue order is not start order: a call that started first may finish last.
        let batch = vec![
            at("busy", 20, 1),
            at("quiet", 5, 2),
            at("busy", 10, 3),
            at("busy", 30, 4),
            at("busy", 20, 5),
            at("quiet", 1, 6),
        ];
        let kept: Vec<i64> = kept_after_pruning(batch, 2)
            .iter()
            .map(|r| r.version)
            .collect();
        assert_eq!(
            kept,
            [2, 4, 5, 6],
            "the newest two of the busy function (the later of two at the same time wins), \
             every record of the other, in queue order"
        );

        let small = vec![at("busy", 3, 1), at("busy", 2, 2)];
        assert_eq!(kept_after_pruning(small, 2).len(), 2);
    }

    #[tokio::test]
    async fn past_the_queue_limit_records_are_dropped_counted_and_said_once() {
        let logs = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer({
                let logs = logs.clone();
                move || logs.clone()
            })
            .with_ansi(false)
            .finish();
        let _logging = tracing::subscriber::set_default(subscriber);
        let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let rendered = metrics.handle();

        let database = TestDatabase::sqlite().await;
        let store = &database.store;
        let function = a_function(store).await;

        let invocations = Invocations::with_max_pending(3);
        let asked_for_writer: Vec<bool> = metrics::with_local_recorder(&metrics, || {
            (0..8)
                .map(|_| invocations.push(record(&function.id)))
                .collect()
        });
        assert_eq!(
            asked_for_writer,
            [true, false, false, false, false, false, false, false],
            "the first record starts the writer; the rest wait for it or are dropped"
        );
        assert_eq!(invocations.pending.lock().unwrap().len(), 3);
        assert!(
            rendered
                .render()
                .contains("quire_invocation_records_dropped_total 5"),
            "{}",
            rendered.render()
        );
        assert_eq!(logs.count("not keeping up with invocation records"), 1);

        invocations.flush(store).await;
        let written = store
            .function_invocations(&function.id, None, 100)
            .await
            .unwrap();
        assert_eq!(written.len(), 3, "what was queued is written");
        assert_eq!(logs.count("invocation records are being written again"), 1);
        invocations.push(record(&function.id));
        assert_eq!(invocations.pending.lock().unwrap().len(), 1, "queued again");
        assert_eq!(logs.count("not keeping up"), 1);
    }
}
