//! The values that cross the crate boundary: the function to run ([`FunctionRef`]), one call
//! ([`Invocation`] with its [`HttpRequest`]) and what came of it ([`Outcome`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Limits;
use crate::error::InvokeError;
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

/// The HTTP request handed to the function as its `request` argument.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    /// Absolute URL; a relative one is resolved against `http://localhost/`.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A `POST` with a JSON body, as the page bridge sends it.
    pub fn json(url: impl Into<String>, payload: &serde_json::Value) -> Self {
        Self {
            method: "POST".to_owned(),
            url: url.into(),
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: payload.to_string().into_bytes(),
        }
    }
}

/// The function's response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body as text, replacing invalid UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
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
