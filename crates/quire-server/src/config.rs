//! What the server needs to know about its deployment. The binary builds it from defaults,
//! `quire.toml` and `QUIRE_*` variables; tests build it directly.

use std::fmt;
use std::time::Duration;

#[derive(Clone)]
pub struct ServerConfig {
    /// Where browsers reach the app, e.g. `http://127.0.0.1:8787` or `https://quire.example.com`.
    pub public_url: String,
    /// The separate origin that serves page artifacts, e.g. `http://127.0.0.1:8788`.
    pub usercontent_url: String,
    pub session_ttl: Duration,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
    /// Signs artifact URLs and encrypts function secrets; never logged.
    pub secret_key: [u8; 32],
    /// Function calls one viewer may make per minute, in bursts of up to as many (0: no limit).
    pub invoke_rate_per_viewer: u32,
    /// Function calls a project takes per minute from all callers together (0: no limit).
    pub invoke_rate_per_project: u32,
    /// Failed sign-ins one client address may make per minute, whatever the e-mail addresses
    /// (0: no limit). The address is the connection's peer.
    pub login_failures_per_address: u32,
    /// API calls one embedded inbox may make per minute, all its viewers together (0: no
    /// limit).
    pub embed_rate_per_minute: u32,
    /// Function calls per minute through one public link, and from one client address
    /// through any (0: no limit).
    pub public_link_rate_per_minute: u32,
    /// How long invocation records gather before the background writer commits them.
    pub record_batch_window: Duration,
    /// Calls of one project that may run at once (0: no cap); see
    /// [`default_function_concurrency`].
    pub function_concurrency_per_project: usize,
    /// How long a call over its project's share waits for a place before it gets 429.
    pub function_queue_wait: Duration,
    /// The WhatsApp Cloud API's base URL, with its version; replies are posted to
    /// `<this>/<phone number id>/messages`.
    pub whatsapp_api_url: String,
    /// The largest page asset one upload may carry, in bytes.
    pub asset_max_bytes: u64,
    /// What one project's assets may take together, in bytes.
    pub project_assets_max_bytes: u64,
    /// The page agent: its model and limits.
    pub agent: AgentConfig,
}

/// The page agent's settings: the model it asks (none: the agent is off) and its limits.
#[derive(Clone)]
pub struct AgentConfig {
    pub model: Option<ModelEndpoint>,
    /// Attempts one run may make before it stops with the last diagnostics.
    pub max_attempts: u32,
    /// Runs one person may start per hour (0: no limit).
    pub runs_per_hour: u32,
    /// How long a run waits for the studio to report a built attempt's type and preview errors.
    pub check_timeout: Duration,
}

pub const DEFAULT_AGENT_MAX_ATTEMPTS: u32 = 5;
pub const DEFAULT_AGENT_RUNS_PER_HOUR: u32 = 60;

impl AgentConfig {
    /// The agent with no model: every run is refused with what to configure.
    pub fn off() -> Self {
        Self {
            model: None,
            max_attempts: DEFAULT_AGENT_MAX_ATTEMPTS,
            runs_per_hour: DEFAULT_AGENT_RUNS_PER_HOUR,
            check_timeout: Duration::from_mins(1),
        }
    }
}

/// An OpenAI-compatible chat completions endpoint.
#[derive(Clone)]
pub struct ModelEndpoint {
    /// The API's base URL, e.g. `http://127.0.0.1:11434/v1`; requests go to
    /// `<this>/chat/completions` (a URL that already ends so is taken as it is).
    pub url: String,
    pub model: String,
    /// Sent as `Authorization: Bearer …`; never logged, never sent to a browser.
    pub api_key: Option<String>,
}

impl fmt::Debug for ModelEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModelEndpoint")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .finish()
    }
}

impl fmt::Debug for AgentConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentConfig")
            .field("model", &self.model)
            .field("max_attempts", &self.max_attempts)
            .field("runs_per_hour", &self.runs_per_hour)
            .field("check_timeout", &self.check_timeout)
            .finish()
    }
}

pub const DEFAULT_INVOKE_RATE_PER_VIEWER: u32 = 600;
pub const DEFAULT_INVOKE_RATE_PER_PROJECT: u32 = 6000;
/// Enough for an office behind one address mistyping now and then; too few to guess passwords
/// across many accounts.
pub const DEFAULT_LOGIN_FAILURES_PER_ADDRESS: u32 = 30;
/// A support desk of a few dozen people, each screen polling nothing (events are pushed) and
/// loading a thread or a page now and then, stays well under this.
pub const DEFAULT_EMBED_RATE_PER_MINUTE: u32 = 1200;
/// As many as one signed-in viewer's: a public page's visitor is one person.
pub const DEFAULT_PUBLIC_LINK_RATE_PER_MINUTE: u32 = 600;
/// Long enough that a batch holds thousands of records under load: each commit rewrites the
/// pages it touched, and of a function with more than `KEPT_INVOCATIONS` records in a batch
/// only the newest are written (the rest would be pruned at once). Short enough that little is
/// lost if the process dies; a listing flushes first, so it is always current.
pub const DEFAULT_RECORD_BATCH_WINDOW: Duration = Duration::from_millis(250);
/// Long enough to ride out a burst of calls, short enough that a caller behind a project's
/// looping calls hears about it before its own timeout.
/// Room for a photo or a font; a page that needs more is better served from elsewhere.
pub const DEFAULT_ASSET_MAX_BYTES: u64 = 5 * 1024 * 1024;
pub const DEFAULT_PROJECT_ASSETS_MAX_BYTES: u64 = 100 * 1024 * 1024;
pub const DEFAULT_FUNCTION_QUEUE_WAIT: Duration = Duration::from_secs(5);
/// Meta's Graph API, at the version whose Cloud API messages Quire reads and sends.
pub const DEFAULT_WHATSAPP_API_URL: &str = "https://graph.facebook.com/v21.0";

/// Calls one project may run at once by default: four per function worker, at least 8. Calls
/// waiting on `fetch` or KV hold no worker, so a project needs a few per worker; calls that
/// run long each take a thread of their own, so this is how many threads one project's loops
/// can keep busy against everyone else's calls.
pub fn default_function_concurrency(workers: usize) -> usize {
    (4 * workers).max(8)
}

impl ServerConfig {
    /// Cookies get `Secure` and the `__Host-` prefix only when the app is served over TLS.
    pub fn tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.tls() {
            "__Host-quire_session"
        } else {
            "quire_session"
        }
    }

    /// A configuration for tests and local runs: loopback URLs and a random key.
    pub fn local(app_port: u16, usercontent_port: u16) -> Self {
        Self {
            public_url: format!("http://127.0.0.1:{app_port}"),
            usercontent_url: format!("http://127.0.0.1:{usercontent_port}"),
            session_ttl: Duration::from_hours(14 * 24),
            shutdown_grace: Duration::from_secs(10),
            secret_key: rand::random(),
            invoke_rate_per_viewer: DEFAULT_INVOKE_RATE_PER_VIEWER,
            invoke_rate_per_project: DEFAULT_INVOKE_RATE_PER_PROJECT,
            login_failures_per_address: DEFAULT_LOGIN_FAILURES_PER_ADDRESS,
            embed_rate_per_minute: DEFAULT_EMBED_RATE_PER_MINUTE,
            public_link_rate_per_minute: DEFAULT_PUBLIC_LINK_RATE_PER_MINUTE,
            record_batch_window: DEFAULT_RECORD_BATCH_WINDOW,
            function_concurrency_per_project: default_function_concurrency(
                quire_functions::RuntimeConfig::default().workers,
            ),
            function_queue_wait: DEFAULT_FUNCTION_QUEUE_WAIT,
            whatsapp_api_url: DEFAULT_WHATSAPP_API_URL.to_owned(),
            asset_max_bytes: DEFAULT_ASSET_MAX_BYTES,
            project_assets_max_bytes: DEFAULT_PROJECT_ASSETS_MAX_BYTES,
            agent: AgentConfig::off(),
        }
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("public_url", &self.public_url)
            .field("usercontent_url", &self.usercontent_url)
            .field("session_ttl", &self.session_ttl)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("secret_key", &"***")
            .field("invoke_rate_per_viewer", &self.invoke_rate_per_viewer)
            .field("invoke_rate_per_project", &self.invoke_rate_per_project)
            .field(
                "login_failures_per_address",
                &self.login_failures_per_address,
            )
            .field("embed_rate_per_minute", &self.embed_rate_per_minute)
            .field(
                "public_link_rate_per_minute",
                &self.public_link_rate_per_minute,
            )
            .field("record_batch_window", &self.record_batch_window)
            .field(
                "function_concurrency_per_project",
                &self.function_concurrency_per_project,
            )
            .field("function_queue_wait", &self.function_queue_wait)
            .field("whatsapp_api_url", &self.whatsapp_api_url)
            .field("asset_max_bytes", &self.asset_max_bytes)
            .field("project_assets_max_bytes", &self.project_assets_max_bytes)
            .field("agent", &self.agent)
            .finish()
    }
}
