//! The state every handler shares: the store, the configuration, the page compiler and the
//! function runtime.

use std::ops::Deref;
use std::sync::Arc;

use quire_compiler::Compiler;
use quire_functions::Runtime;
use quire_store::Store;

use crate::config::ServerConfig;
use crate::rate_limit::RateLimiter;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub config: ServerConfig,
    pub compiler: Compiler,
    pub functions: Runtime,
    /// The invocation path's caches and record queue, per app.
    pub invocations: crate::functions::Invocations,
    /// Who the credentials of recent calls belong to.
    pub credentials: crate::auth::KnownCredentials,
    pub rate_limits: RateLimits,
}

/// The rate limits of one app.
pub struct RateLimits {
    pub invoke_per_viewer: RateLimiter,
    pub invoke_per_project: RateLimiter,
    /// Failed sign-ins per e-mail address.
    pub login_failures: RateLimiter,
    /// Failed sign-ins per client address (see `rate_limit::ClientAddress`).
    pub login_failures_per_address: RateLimiter,
}

/// Failed sign-ins allowed per e-mail address and minute: enough for typos, too few to guess.
const LOGIN_FAILURES_PER_MINUTE: u32 = 10;

impl AppState {
    pub fn new(store: Store, config: ServerConfig, compiler: Compiler, functions: Runtime) -> Self {
        let rate_limits = RateLimits {
            invoke_per_viewer: RateLimiter::per_minute(config.invoke_rate_per_viewer),
            invoke_per_project: RateLimiter::per_minute(config.invoke_rate_per_project),
            login_failures: RateLimiter::per_minute(LOGIN_FAILURES_PER_MINUTE),
            login_failures_per_address: RateLimiter::per_minute(config.login_failures_per_address),
        };
        let invocations = crate::functions::Invocations::with_concurrency(
            config.function_concurrency_per_project,
        );
        Self(Arc::new(Inner {
            store,
            config,
            compiler,
            functions,
            invocations,
            credentials: crate::auth::KnownCredentials::default(),
            rate_limits,
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
