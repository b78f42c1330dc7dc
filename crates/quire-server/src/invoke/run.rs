//! Running a deployed function once: the request it gets (built here alone, for the invoke
//! route and the page bridge alike), the limits it runs under, the rate limits and the
//! project's share a call must pass first, and its secrets and KV.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, header};
use quire_functions::{
    FunctionRef, HttpRequest, HttpResponse, Invocation, InvokeError, Limits, Outcome,
};
use quire_store::{Function, InvocationRecord, Project};

use super::kv::ProjectKv;
use super::redact::Redactor;
use super::target::{Opened, Target};
use super::{Caller, Invoker, Via, records};
use crate::errors::ApiError;
use crate::functions::{MAX_MEMORY_MB, MAX_TIMEOUT_MS, MIN_MEMORY_MB, MIN_TIMEOUT_MS};
use crate::rate_limit;

/// Invoke payloads above this many bytes are refused with 413.
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;

/// Headers only the server sets for a function: who is calling.
const CALLER_HEADERS: [&str; 4] = [
    "x-quire-viewer",
    "x-quire-page",
    "x-quire-mount-point",
    "x-quire-mode",
];
/// The caller's credentials, which a function never gets.
pub const CREDENTIAL_HEADERS: [&str; 4] = ["authorization", "cookie", "x-api-key", "x-csrf-token"];

/// Request headers that describe the connection, not the payload.
const HOP_HEADERS: [&str; 7] = [
    "host",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "upgrade",
    "te",
];

/// What came of a run: the runtime's outcome, with what cuts the secret values handed to the
/// function out of what callers show.
pub(super) struct Ran {
    pub(super) result: Result<HttpResponse, InvokeError>,
    pub(super) redactor: Arc<Redactor>,
}

pub fn payload_too_large(size: usize) -> ApiError {
    ApiError::too_large(format!(
        "the payload is {size} bytes; the limit is {MAX_PAYLOAD_BYTES} (1 MiB): send less data per call"
    ))
}

/// The limits of `function` for one invocation.
pub(super) fn limits(function: &Function) -> Limits {
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

impl Invoker {
    /// The request `function` gets: a `POST` to its own invoke URL with `body`, the headers the
    /// caller `sent` minus credentials, caller and hop-by-hop headers (a JSON content type when
    /// it sent none), and `caller` in `X-Quire-Viewer`, `X-Quire-Page`, `X-Quire-Mount-Point`
    /// and `X-Quire-Mode`.
    pub(super) fn request(
        &self,
        function: &Function,
        sent: &HeaderMap,
        body: Vec<u8>,
        caller: &Caller,
    ) -> HttpRequest {
        let mut headers: Vec<(String, String)> = sent
            .iter()
            .filter(|(name, _)| {
                let name = name.as_str();
                !CREDENTIAL_HEADERS.contains(&name)
                    && !CALLER_HEADERS.contains(&name)
                    && !HOP_HEADERS.contains(&name)
            })
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        if !sent.contains_key(header::CONTENT_TYPE) {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
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
        HttpRequest {
            method: "POST".to_owned(),
            url: self.function_url(function),
            headers,
            body,
        }
    }

    /// The URL a function sees as `request.url`.
    fn function_url(&self, function: &Function) -> String {
        format!(
            "{}/api/v1/projects/{}/functions/{}/invoke",
            self.config.public_url.trim_end_matches('/'),
            function.project_id,
            function.slug
        )
    }

    /// The one place a function runs: takes the call from the rate limits of `viewer` (a user
    /// id, or a public link's caller) and the project, waits for a place in the project's share of the runtime, hands the
    /// deployed version its secrets and the project's KV, runs it under its limits and queues
    /// its invocation record (secret values redacted from the error and the logs). Undeployed →
    /// 422; over a rate limit, or no place within the queue wait → 429 with `Retry-After`.
    pub(super) async fn run(
        &self,
        target: &Target,
        request: HttpRequest,
        via: Via,
        viewer: Option<&str>,
        public_link_id: Option<&str>,
    ) -> Result<Ran, ApiError> {
        let function = &target.function;
        let Some(deployed) = &target.deployed else {
            return Err(ApiError::unprocessable(format!(
                "function {:?} has not been deployed yet; deploy it first (POST …/functions/{}/deploy or `quire functions deploy`)",
                function.slug, function.slug
            )));
        };
        self.take_rate_limits(&function.project_id, viewer)?;
        let secrets = deployed
            .secrets
            .as_ref()
            .map_err(|why| ApiError::unprocessable(why.clone()))?;
        let redactor = secrets.redactor.clone();
        let (outcome, mut record) = self
            .execute(
                target,
                deployed.version,
                deployed.code.clone(),
                request,
                secrets,
                via,
            )
            .await?;
        record.public_link_id = public_link_id.map(str::to_owned);
        self.records
            .queue(&self.store, self.config.record_batch_window, record);
        Ok(Ran {
            result: outcome.result,
            redactor,
        })
    }

    /// Runs `code` (version `version` of `target`'s function) with `request`, once the
    /// project's share of the runtime lets it in: its secrets and the project's KV, under its
    /// limits. Answers the outcome and its invocation record, which the caller queues (a test
    /// run reads it first).
    pub(super) async fn execute(
        &self,
        target: &Target,
        version: i64,
        code: Arc<str>,
        request: HttpRequest,
        secrets: &Opened,
        via: Via,
    ) -> Result<(Outcome, InvocationRecord), ApiError> {
        let function = &target.function;
        let wait = self.config.function_queue_wait;
        let Some(_running) = target.gate.enter(wait).await else {
            return Err(self.project_busy(&target.project, wait));
        };
        let reference = FunctionRef {
            project_id: function.project_id.clone(),
            function_id: function.id.clone(),
            version,
            code,
            limits: limits(function),
        };
        let invocation = Invocation {
            request,
            secrets: secrets.by_name.clone(),
            kv: Arc::new(ProjectKv::new(
                self.store.clone(),
                function.project_id.clone(),
            )),
        };
        let started_at = quire_store::now_ms();
        let outcome = self.runtime.invoke(&reference, invocation).await;
        crate::telemetry::record_invocation(outcome.result.is_ok(), outcome.duration);
        let record = records::invocation_record(
            function,
            version,
            via,
            started_at,
            &outcome,
            &secrets.redactor,
        );
        Ok((outcome, record))
    }

    pub(super) fn take_rate_limits(
        &self,
        project_id: &str,
        viewer: Option<&str>,
    ) -> Result<(), ApiError> {
        if let Some(viewer) = viewer {
            self.per_viewer.take(viewer).map_err(|wait| {
                rate_limit::refused(
                    wait,
                    format!(
                        "you have made more than {} function calls in the last minute; wait and try again",
                        self.config.invoke_rate_per_viewer
                    ),
                )
            })?;
        }
        self.per_project.take(project_id).map_err(|wait| {
            rate_limit::refused(
                wait,
                format!(
                    "this project's functions were called more than {} times in the last minute; wait and try again",
                    self.config.invoke_rate_per_project
                ),
            )
        })
    }

    /// The answer to a call that found no place in its project's share within `waited`.
    pub(super) fn project_busy(&self, project: &Project, waited: Duration) -> ApiError {
        crate::telemetry::record_function_call_refused_busy();
        let limit = self.config.function_concurrency_per_project;
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
}
