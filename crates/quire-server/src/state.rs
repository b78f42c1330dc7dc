//! The state every handler shares: the store, the configuration, the page compiler, the
//! function runtime and the services over them (the invoke path, the live event stream, the
//! inbox, the page agent).

use std::ops::Deref;
use std::sync::Arc;

use quire_compiler::Compiler;
use quire_functions::Runtime;
use quire_store::Store;

use crate::agent::Agent;
use crate::config::ServerConfig;
use crate::credentials::KnownCredentials;
use crate::inbox::Inbox;
use crate::invoke::Invoker;
use crate::live::Live;
use crate::rate_limit::RateLimiter;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub config: ServerConfig,
    pub compiler: Compiler,
    pub functions: Runtime,
    /// Runs functions for the invoke route and the page bridge.
    pub invoker: Invoker,
    /// Who the credentials of recent calls belong to.
    pub credentials: KnownCredentials,
    pub rate_limits: RateLimits,
    /// The live event stream's subscribers on this instance.
    pub live: Live,
    /// WhatsApp deliveries in, replies out.
    pub inbox: Inbox,
    /// The page agent's runs on this instance.
    pub agent: Agent,
}

/// The sign-in, embed and public link rate limits of one app (those of function calls are the [`Invoker`]'s).
pub struct RateLimits {
    /// Failed sign-ins per e-mail address.
    pub login_failures: RateLimiter,
    /// Failed sign-ins per client address (see `rate_limit::ClientAddress`).
    pub login_failures_per_address: RateLimiter,
    /// API calls per embedded inbox.
    pub embed_calls: RateLimiter,
    /// Function calls through public links, keyed per link and per client address.
    pub public_link_calls: RateLimiter,
}

/// Failed sign-ins allowed per e-mail address and minute: enough for typos, too few to guess.
const LOGIN_FAILURES_PER_MINUTE: u32 = 10;

impl AppState {
    pub fn new(store: Store, config: ServerConfig, compiler: Compiler, functions: Runtime) -> Self {
        let rate_limits = RateLimits {
            login_failures: RateLimiter::per_minute(LOGIN_FAILURES_PER_MINUTE),
            login_failures_per_address: RateLimiter::per_minute(config.login_failures_per_address),
            embed_calls: RateLimiter::per_minute(config.embed_rate_per_minute),
            public_link_calls: RateLimiter::per_minute(config.public_link_rate_per_minute),
        };
        let invoker = Invoker::new(store.clone(), functions.clone(), config.clone());
        let live = Live::new(store.clone());
        let inbox = Inbox::new(&config.whatsapp_api_url);
        let agent = Agent::new(config.agent.clone());
        Self(Arc::new(Inner {
            store,
            config,
            compiler,
            functions,
            invoker,
            credentials: KnownCredentials::default(),
            rate_limits,
            live,
            inbox,
            agent,
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
