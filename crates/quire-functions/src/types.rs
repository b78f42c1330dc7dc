//! The values of one call that cross the crate boundary: the function to run ([`FunctionRef`]),
//! the call ([`Invocation`]) and what came of it ([`Outcome`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Limits;
use crate::error::InvokeError;
use crate::http::{HttpRequest, HttpResponse};
use crate::kv::KvStore;

/// One deployed version of one function. Isolates are pooled by
/// (`project_id`, `function_id`, `version`): a new version always gets a fresh isolate.
#[derive(Debug, Clone)]
pub struct FunctionRef {
    pub project_id: String,
    pub function_id: String,
    pub version: i64,
    pub code: Arc<str>,
    pub limits: Limits,
}

/// One call of a function.
#[derive(Clone)]
pub struct Invocation {
    pub request: HttpRequest,
    /// Visible to the function as `env.NAME`; shared, since every call of a version gets the
    /// same ones.
    pub secrets: Arc<BTreeMap<String, String>>,
    /// The project's store, visible as `env.KV`.
    pub kv: Arc<dyn KvStore>,
}

impl fmt::Debug for Invocation {
    // Secrets stay out of debug output and therefore out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invocation")
            .field("request", &self.request)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// What one invocation produced, for the caller and for the invocation record.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<HttpResponse, InvokeError>,
    pub duration: Duration,
    /// Console output, cut at the log limit (reaching it ends the call with
    /// [`InvokeError::LogTooLarge`]).
    pub logs: String,
    pub logs_truncated: bool,
    /// Size of the request body handed to the function.
    pub request_bytes: usize,
    /// Size of the response body the function produced (0 when it failed before one).
    pub response_bytes: usize,
}

impl Outcome {
    /// The HTTP status of the function's response, if it produced one.
    pub fn status(&self) -> Option<u16> {
        match &self.result {
            Ok(response) => Some(response.status),
            Err(InvokeError::BadStatus { status, .. }) => Some(*status),
            Err(_) => None,
        }
    }
}
