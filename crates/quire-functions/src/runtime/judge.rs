//! Judging a call: what happened in an isolate (a response, an exception, a tripped meter, a
//! host limit) becomes the result the caller sees, naming the limit that was hit.

use crate::call_state::HostLimit;
use crate::config::Limits;
use crate::error::{InvokeError, LoadError};
use crate::http::HttpResponse;
use crate::isolate::{CallResult, LoadFailure};
use crate::js_error::JsError;
use crate::meter::Trip;

/// What a call produced, as the result the caller sees: a limit the call hit decides it first,
/// then its exception, its response (too large, or with an error status) or what it returned
/// instead of one.
pub fn judge_call(
    result: CallResult,
    limits: &Limits,
    trip: Option<Trip>,
    host_limit: Option<HostLimit>,
) -> Result<HttpResponse, InvokeError> {
    match result {
        CallResult::Threw(err) => Err(judge_thrown(err, limits, trip, host_limit)),
        CallResult::Invalid(what) => match host_limit {
            Some(limit) => Err(host_limit_error(limit, limits)),
            None => Err(InvokeError::InvalidResponse(what)),
        },
        CallResult::Response(response) => judge_response(response, limits, host_limit),
    }
}

/// The error naming a limit that host code enforced.
pub fn host_limit_error(limit: HostLimit, limits: &Limits) -> InvokeError {
    match limit {
        HostLimit::Fetches => InvokeError::TooManyRequests {
            limit: limits.max_fetches,
        },
        HostLimit::Logs => InvokeError::LogTooLarge {
            limit: limits.max_log_bytes,
        },
    }
}

fn judge_response(
    response: HttpResponse,
    limits: &Limits,
    host_limit: Option<HostLimit>,
) -> Result<HttpResponse, InvokeError> {
    if let Some(limit) = host_limit {
        return Err(host_limit_error(limit, limits));
    }
    if response.body.len() > limits.max_response_bytes {
        return Err(InvokeError::ResponseTooLarge {
            size: response.body.len(),
            limit: limits.max_response_bytes,
        });
    }
    if response.status >= 400 {
        return Err(InvokeError::BadStatus {
            status: response.status,
            message: error_message(&response),
            response,
        });
    }
    Ok(response)
}

/// The message of an error response: `error`/`message` of a JSON body, or its text.
fn error_message(response: &HttpResponse) -> String {
    const MAX_CHARS: usize = 500;
    if let Ok(serde_json::Value::Object(body)) = serde_json::from_slice(&response.body) {
        let found = match (body.get("error"), body.get("message")) {
            (Some(serde_json::Value::String(s)), _) | (_, Some(serde_json::Value::String(s))) => {
                Some(s.clone())
            }
            (Some(serde_json::Value::Object(e)), _) => e
                .get("message")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            _ => None,
        };
        if let Some(message) = found {
            return message;
        }
    }
    let text = response.text();
    let text = text.trim();
    if text.is_empty() {
        format!("the function responded with status {}", response.status)
    } else {
        text.chars().take(MAX_CHARS).collect()
    }
}

/// Turns an exception into the error the caller sees, naming the limit if one was hit.
fn judge_thrown(
    err: JsError,
    limits: &Limits,
    trip: Option<Trip>,
    host_limit: Option<HostLimit>,
) -> InvokeError {
    match trip {
        Some(Trip::Cpu) => {
            return InvokeError::CpuLimit {
                limit: limits.cpu_time,
            };
        }
        Some(Trip::Wall) => {
            return InvokeError::Timeout {
                limit: limits.wall_time,
            };
        }
        None => {}
    }
    if err.is_out_of_memory() {
        return InvokeError::OutOfMemory {
            limit_mb: limits.memory_bytes / (1024 * 1024),
        };
    }
    if let Some(limit) = host_limit {
        return host_limit_error(limit, limits);
    }
    let message = if err.name.is_empty() || err.name == "Error" {
        err.message
    } else {
        format!("{}: {}", err.name, err.message)
    };
    InvokeError::Thrown {
        message,
        stack: err.stack,
    }
}

/// A failure to load the function when a call needed a fresh isolate, as the call's error.
pub fn judge_load_failure(
    failure: LoadFailure,
    limits: &Limits,
    host_limit: Option<HostLimit>,
) -> InvokeError {
    match failure {
        LoadFailure::Load(err) => InvokeError::Load(err),
        LoadFailure::Threw(err) => {
            let trip = err.trip;
            match judge_thrown(err, limits, trip, host_limit) {
                InvokeError::Thrown { message, stack } => {
                    InvokeError::Load(LoadError::Threw { message, stack })
                }
                other => other,
            }
        }
    }
}

/// A top-level failure while loading, as a [`LoadError`].
pub fn load_threw(err: JsError, limits: &Limits, host_limit: Option<HostLimit>) -> LoadError {
    let trip = err.trip;
    match judge_thrown(err, limits, trip, host_limit) {
        InvokeError::Thrown { message, stack, .. } => LoadError::Threw { message, stack },
        other => LoadError::Limit(other.to_string()),
    }
}
