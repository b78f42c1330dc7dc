//! Trying a version of a function from its screen: an owner or admin runs the head (draft or
//! not) or the deployed version with a request of their making and gets everything the run
//! produced at once: the response, the console output, the time and the error with its stack.
//! A trial is a call like any other: rate limits, the project's share, secrets and KV, and an
//! invocation record (`via: test`) with secret values cut out of what it shows.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use quire_functions::InvokeError;

use super::target::Target;
use super::{Caller, Invoker, Via};
use crate::errors::ApiError;

/// A trial's request, as the route read it.
pub struct Trial {
    /// The version to run and its code.
    pub version: i64,
    pub code: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The owner or admin trying it.
    pub viewer_user_id: String,
}

/// What a trial produced; secret values are cut out of the logs, the error and the stack
/// (the body is the function's own output, as the invoke route passes it through).
pub struct TrialRun {
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub logs: String,
    pub logs_truncated: bool,
    pub duration_ms: i64,
    /// `(code, message, stack)`.
    pub error: Option<(String, String, Option<String>)>,
}

impl Invoker {
    /// Runs `trial` for `target` under the same rules as any call, and records it.
    pub async fn trial(&self, target: &Target, trial: Trial) -> Result<TrialRun, ApiError> {
        let function = &target.function;
        self.take_rate_limits(&function.project_id, Some(&trial.viewer_user_id))?;
        let opened = self
            .open_secrets(function)
            .await?
            .map_err(ApiError::unprocessable)?;
        let mut sent = HeaderMap::new();
        for (name, value) in &trial.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                ApiError::validation("headers", format!("{name:?} is not a header name"))
            })?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                ApiError::validation("headers", format!("the value of {name} is not header text"))
            })?;
            sent.append(name, value);
        }
        let caller = Caller {
            viewer_user_id: Some(trial.viewer_user_id.clone()),
            ..Caller::default()
        };
        let mut request = self.request(function, &sent, trial.body, &caller);
        request.method = trial.method;
        let (outcome, record) = self
            .execute(
                target,
                trial.version,
                Arc::from(trial.code),
                request,
                &opened,
                Via::Test,
            )
            .await?;
        let run = TrialRun {
            status: outcome.status(),
            headers: Vec::new(),
            body: Vec::new(),
            logs: record.logs.clone(),
            logs_truncated: record.logs_truncated,
            duration_ms: record.duration_ms,
            error: record.error_code.clone().map(|code| {
                (
                    code,
                    record.error.clone().unwrap_or_default(),
                    record.error_stack.clone(),
                )
            }),
        };
        self.records
            .queue(&self.store, self.config.record_batch_window, record);
        let response = match outcome.result {
            Ok(response) | Err(InvokeError::BadStatus { response, .. }) => Some(response),
            Err(_) => None,
        };
        Ok(match response {
            Some(response) => TrialRun {
                headers: response.headers,
                body: response.body,
                ..run
            },
            None => run,
        })
    }
}
