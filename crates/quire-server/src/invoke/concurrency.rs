//! Each project's share of the function runtime: at most
//! `function_concurrency_per_project` of a project's calls run at once; the next ones wait for
//! one of them to finish, up to `function_queue_wait`, and are then refused with 429 and
//! `Retry-After`. Calls that run long each take a thread of their own (see the runtime), so the
//! cap is what bounds the threads and the CPU one project's looping calls can take from the
//! others.
//!
//! A project's gate is looked up when one of its functions is loaded into the target cache and
//! kept in the cached target, so a call takes its permit without a lock shared by all calls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Gates kept before the ones no cached function holds any more are forgotten.
const SWEEP_PAST: usize = 1024;

/// The gates of every project with a function in the target cache or a call running.
pub struct Gates {
    /// Calls one project may run at once; 0 turns the cap off.
    per_project: usize,
    by_project: Mutex<HashMap<String, Weak<Semaphore>>>,
}

/// One project's gate (`None`: no cap).
pub struct Gate(Option<Arc<Semaphore>>);

/// A running call's place in its project's share; dropping it frees the place.
pub struct Entered(#[expect(dead_code, reason = "held for its drop")] Option<OwnedSemaphorePermit>);

impl Gates {
    pub fn new(per_project: usize) -> Self {
        Self {
            per_project,
            by_project: Mutex::default(),
        }
    }

    /// Project `project_id`'s gate: the same one for every function of the project for as long
    /// as any holds it.
    pub fn of(&self, project_id: &str) -> Gate {
        if self.per_project == 0 {
            return Gate(None);
        }
        let mut gates = self.by_project.lock().expect("gates lock");
        if let Some(gate) = gates.get(project_id).and_then(Weak::upgrade) {
            return Gate(Some(gate));
        }
        if gates.len() >= SWEEP_PAST {
            gates.retain(|_, gate| gate.strong_count() > 0);
        }
        let gate = Arc::new(Semaphore::new(self.per_project));
        gates.insert(project_id.to_owned(), Arc::downgrade(&gate));
        Gate(Some(gate))
    }
}

impl Gate {
    /// A place for one call: at once when the project has one free, else the first to free
    /// up within `wait`; `None` when none did.
    pub async fn enter(&self, wait: Duration) -> Option<Entered> {
        let Some(gate) = &self.0 else {
            return Some(Entered(None));
        };
        if let Ok(permit) = gate.clone().try_acquire_owned() {
            return Some(Entered(Some(permit)));
        }
        let permit = tokio::time::timeout(wait, gate.clone().acquire_owned()).await;
        // The semaphore is never closed, so only the timeout fails.
        permit.ok()?.ok().map(|permit| Entered(Some(permit)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_project_runs_its_share_at_once_and_the_next_call_waits_for_a_place() {
        let gates = Gates::new(2);
        let acme = gates.of("acme");
        let first = acme.enter(Duration::ZERO).await.expect("a free place");
        let _second = gates
            .of("acme")
            .enter(Duration::ZERO)
            .await
            .expect("a free place");
        assert!(
            acme.enter(Duration::from_millis(1)).await.is_none(),
            "both places are taken"
        );
        assert!(
            gates.of("other").enter(Duration::ZERO).await.is_some(),
            "another project has places of its own"
        );
        let waiting = tokio::spawn({
            let acme = gates.of("acme");
            async move { acme.enter(Duration::from_mins(1)).await.is_some() }
        });
        drop(first);
        assert!(
            waiting.await.unwrap(),
            "the waiting call took the freed place"
        );
    }

    #[tokio::test]
    async fn zero_means_no_cap_and_unheld_gates_are_forgotten() {
        let unlimited = Gates::new(0).of("acme");
        let held: Vec<_> = enter_many(&unlimited, 100).await;
        assert_eq!(held.len(), 100);

        let gates = Gates::new(1);
        for n in 0..3 * SWEEP_PAST {
            drop(gates.of(&format!("p{n}")));
        }
        assert!(gates.by_project.lock().unwrap().len() <= SWEEP_PAST + 1);
    }

    async fn enter_many(gate: &Gate, calls: usize) -> Vec<Entered> {
        let mut held = Vec::new();
        for _ in 0..calls {
            held.push(gate.enter(Duration::ZERO).await.expect("no cap"));
        }
        held
    }
}
