//! The state every handler shares: the store, the configuration, the page compiler and the
//! function runtime.

use std::ops::Deref;
use std::sync::Arc;

use quire_compiler::Compiler;
use quire_functions::Runtime;
use quire_store::Store;

use crate::config::ServerConfig;

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
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig, compiler: Compiler, functions: Runtime) -> Self {
        Self(Arc::new(Inner {
            store,
            config,
            compiler,
            functions,
            invocations: crate::functions::Invocations::default(),
            credentials: crate::auth::KnownCredentials::default(),
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
