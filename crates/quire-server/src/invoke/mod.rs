//! The invoke service: runs a project's deployed functions for the invoke route and for pages
//! through the bridge. [`Invoker`] finds the function a call names (`target.rs`), builds the
//! one request it gets and runs it under its limits (`run.rs`), queues the call's record for a
//! background writer (`records.rs`) and answers the caller (`answer.rs`). Routes parse HTTP,
//! authorize and hand the call to [`Invoker::call`]; nothing here knows the app's state.

mod answer;
mod concurrency;
mod kv;
mod records;
mod redact;
mod run;
mod target;
mod trial;

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::response::Response;
use quire_functions::Runtime;
use quire_store::Store;

use self::concurrency::Gates;
use self::records::Records;
pub use self::run::{CREDENTIAL_HEADERS, MAX_PAYLOAD_BYTES, payload_too_large};
pub use self::target::Target;
pub use self::trial::{Trial, TrialRun};
use crate::config::ServerConfig;
use crate::errors::ApiError;
use crate::rate_limit::RateLimiter;
use crate::read_cache::ReadCache;

/// One app's invocation path, held in its `AppState`: the functions of recent calls, each
/// project's share of the runtime, the rate limits of calls, and the invocation records
/// waiting for the writer.
pub struct Invoker {
    store: Store,
    runtime: Runtime,
    config: ServerConfig,
    /// By (project id or slug, function id or slug), as callers name them.
    targets: ReadCache<(String, String), Option<Arc<Target>>>,
    /// Each project's share of the runtime, handed to its targets as they load.
    gates: Gates,
    /// Calls per viewer and minute.
    per_viewer: RateLimiter,
    /// Calls per project and minute, from all callers together.
    per_project: RateLimiter,
    records: Arc<Records>,
}

/// `{id}` or `{slug}` of a function, as the bridge names it.
pub enum FunctionSelector {
    Id(String),
    Slug(String),
}

/// Who is calling; the server sets these, never the caller. A call of the invoke route has at
/// most a viewer; one through the bridge has them all.
#[derive(Clone, Default)]
pub struct Caller {
    pub viewer_user_id: Option<String>,
    pub page_id: Option<String>,
    pub mount_point: Option<String>,
    pub mode: Option<String>,
    /// The public link a page's call came through (its record names it).
    pub public_link_id: Option<String>,
}

/// How a call reached the function; kept in its invocation record, and it decides the form of
/// the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// `POST …/functions/{f}/invoke` with credentials.
    Api,
    /// The same route without credentials, on a public function.
    Public,
    /// A page, through the bridge.
    Page,
    /// An owner or admin trying a version from the function's screen (`…/{f}/test`).
    Test,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Public => "public",
            Self::Page => "page",
            Self::Test => "test",
        }
    }
}

/// One call of a function, as a route hands it over.
pub struct Call {
    pub via: Via,
    pub caller: Caller,
    /// The headers the caller sent (none through the bridge); the function gets them without
    /// credentials, caller and hop-by-hop headers.
    pub headers: HeaderMap,
    /// The payload, the body of the function's request (at most [`MAX_PAYLOAD_BYTES`]).
    pub body: Vec<u8>,
}

impl Invoker {
    pub fn new(store: Store, runtime: Runtime, config: ServerConfig) -> Self {
        Self {
            targets: ReadCache::default(),
            gates: Gates::new(config.function_concurrency_per_project),
            per_viewer: RateLimiter::per_minute(config.invoke_rate_per_viewer),
            per_project: RateLimiter::per_minute(config.invoke_rate_per_project),
            records: Arc::default(),
            store,
            runtime,
            config,
        }
    }

    /// Runs the deployed version of `target` for `call` and answers it: through the bridge
    /// (`Via::Page`) the function's body and content type with status 200, else the function's
    /// own response (status, allowed headers, body). A failed run is a Quire error
    /// `{"error":{"code":"function_error"|"function_timeout"|…,"message":<the function's
    /// message>}}` with the function's status when it answered >= 400, else 502. Over
    /// [`MAX_PAYLOAD_BYTES`] → 413; undeployed → 422; over a rate limit or the project's share
    /// → 429.
    pub async fn call(&self, target: &Target, call: Call) -> Result<Response, ApiError> {
        if call.body.len() > MAX_PAYLOAD_BYTES {
            return Err(payload_too_large(call.body.len()));
        }
        let request = self.request(&target.function, &call.headers, call.body, &call.caller);
        let viewer = call.caller.viewer_user_id.as_deref();
        let link = call.caller.public_link_id.as_deref();
        let ran = self.run(target, request, call.via, viewer, link).await?;
        Ok(answer::answer(ran, call.via, &self.config.public_url))
    }

    /// Commits every invocation record queued so far: before a listing, and at shutdown.
    pub async fn flush_records(&self) {
        self.records.flush(&self.store).await;
    }
}
