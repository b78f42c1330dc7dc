//! Error types. Each message says what happened and what to do; the page bridge shows
//! [`InvokeError`]'s `Display` to the page as the rejected promise's message.

use std::time::Duration;

use crate::http::HttpResponse;

/// Why code could not be loaded as a function (at deploy or at first call).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The code does not parse.
    #[error("{message} at line {line}, column {column}")]
    Syntax {
        message: String,
        line: u32,
        column: u32,
    },
    /// The code imports another module; a function is one self-contained file.
    #[error(
        "cannot import \"{specifier}\": a function is a single file; inline what it needs \
         (only the Web APIs that every function has are available)"
    )]
    Import { specifier: String },
    /// Neither `handler` nor a default export with `fetch` was found.
    #[error(
        "no handler found: define `async function handler(request, env)` or \
         `export default {{ async fetch(request, env) {{ … }} }}`"
    )]
    NoHandler,
    /// The top level of the module threw.
    #[error("the function's top-level code threw: {message}")]
    Threw { message: String, stack: String },
    /// Loading hit a limit (for example a top-level endless loop).
    #[error("loading the function stopped: {0}")]
    Limit(String),
}

/// Why an invocation failed.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error(
        "the function ran longer than its time limit of {} ms; make it faster or raise its timeout",
        limit.as_millis()
    )]
    Timeout { limit: Duration },
    #[error(
        "the function used more than its CPU time limit of {} ms; do less work per call",
        limit.as_millis()
    )]
    CpuLimit { limit: Duration },
    #[error(
        "the function ran out of memory (limit {limit_mb} MiB); keep less data in memory or raise its memory limit"
    )]
    OutOfMemory { limit_mb: usize },
    #[error("the function made more than {limit} outbound requests; the limit per call is {limit}")]
    TooManyRequests { limit: u32 },
    #[error("the function's response is {size} bytes; the limit is {limit}")]
    ResponseTooLarge { size: usize, limit: usize },
    /// The function's console output went over the log limit; the output up to the limit is
    /// kept in [`crate::Outcome::logs`].
    #[error(
        "the function wrote more than {limit} bytes of console output; the limit per call is {limit} bytes, so log less"
    )]
    LogTooLarge { limit: usize },
    /// The function threw (or its promise rejected).
    #[error("{message}")]
    Thrown { message: String, stack: String },
    /// The function answered with a status of 400 or more.
    #[error("{message}")]
    BadStatus {
        status: u16,
        message: String,
        response: HttpResponse,
    },
    /// The function returned something that is not a response.
    #[error("the function returned {0}; return a Response, a plain object or a string")]
    InvalidResponse(String),
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A bug or a crash inside the runtime; the isolate was thrown away.
    #[error("the function runtime failed: {0}")]
    Internal(String),
}

impl InvokeError {
    /// Line and column in the function's own file where a thrown error came from (the first
    /// frame of its stack that is in the user's code).
    pub fn location(&self) -> Option<(u32, u32)> {
        match self {
            Self::Thrown { stack, .. } | Self::Load(LoadError::Threw { stack, .. }) => {
                crate::js_error::user_location(stack)
            }
            Self::Load(LoadError::Syntax { line, column, .. }) => Some((*line, *column)),
            _ => None,
        }
    }
}
