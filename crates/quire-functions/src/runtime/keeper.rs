//! The keeper thread, which does the work no call should wait for: it makes blank isolates
//! ahead of time (a fresh isolate then only loads its function) and frees the isolates the
//! pool evicts.

use std::sync::{Arc, Mutex};

use crate::config::RuntimeConfig;
use crate::isolate::Isolate;

/// Work for the keeper thread.
pub enum Chore {
    /// Make spares until there are [`RuntimeConfig::spare_isolates`].
    Refill,
    /// Free these isolates.
    Free(Vec<Isolate>),
}

/// Starts the keeper thread, which ends when the runtime is dropped (with the last sender).
pub fn spawn_keeper(
    config: &RuntimeConfig,
    spares: Arc<Mutex<Vec<Isolate>>>,
) -> std::sync::mpsc::Sender<Chore> {
    let (keeper, chores) = std::sync::mpsc::channel();
    let (wanted, stack_bytes) = (config.spare_isolates, config.js_stack_bytes);
    std::thread::Builder::new()
        .name("quire-fn-keeper".to_owned())
        .stack_size(config.caller_stack_bytes())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the keeper's tokio runtime starts");
            while let Ok(chore) = chores.recv() {
                match chore {
                    Chore::Free(isolates) => drop(isolates),
                    Chore::Refill => {
                        while spares.lock().expect("spares lock").len() < wanted {
                            match runtime.block_on(Isolate::blank(stack_bytes)) {
                                Ok(spare) => spares.lock().expect("spares lock").push(spare),
                                Err(err) => {
                                    tracing::warn!(
                                        error = %err.message,
                                        "could not make a spare isolate; fresh isolates are made on the call, and the next one asks for spares again"
                                    );
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        })
        .expect("the OS starts the keeper thread");
    let _ = keeper.send(Chore::Refill);
    keeper
}
