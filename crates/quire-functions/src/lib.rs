//! quire-functions: the JavaScript function runtime. Runs Kapso-style functions
//! (`handler(request, env)` or `export default { fetch }`) in pooled `QuickJS` isolates with
//! Workers-style Web APIs, an SSRF-guarded `fetch`, secrets and a KV store in `env`, and
//! per-call limits. It knows nothing of HTTP servers or SQL: the server stores code, secrets
//! and KV data and calls [`Runtime::invoke`].

mod call_state;
mod config;
mod error;
mod fetch;
mod http;
mod isolate;
mod js_error;
mod kv;
mod meter;
mod runtime;
mod shim;
mod types;
mod web_api;

pub use config::{FetchPolicy, Limits, RuntimeConfig};
pub use error::{InvokeError, LoadError};
pub use fetch::{MAX_REDIRECTS, forbidden_reason};
pub use http::{HttpRequest, HttpResponse};
pub use kv::{KvError, KvStore, MemoryKv};
pub use runtime::{Placements, Runtime};
pub use types::{FunctionRef, Invocation, Outcome};
