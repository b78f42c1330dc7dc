//! The state every handler shares: the store, the configuration and the metrics handle.

use std::ops::Deref;
use std::sync::Arc;

use quire_store::Store;

use crate::config::ServerConfig;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub config: ServerConfig,
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig) -> Self {
        Self(Arc::new(Inner { store, config }))
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
