//! A delivery from Meta, start to end: the signature against the project's app secrets, then
//! the payload, then [`ingest`]. The webhook route, the connections' test event and the demo
//! seed all come in here, so each takes the path a real delivery takes.

use quire_store::StoreError;

use super::ingest::Outcome;
use super::webhook::{ParseError, parse};
use crate::state::AppState;
use crate::telemetry;

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// No signature, or none of the project's app secrets made it (or no such project).
    #[error(
        "the X-Hub-Signature-256 header does not sign this body with the app secret of any of the project's WhatsApp connections"
    )]
    Unsigned,
    #[error(transparent)]
    Malformed(#[from] ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Verifies, reads and stores the delivery `body` for `project` (id or slug).
pub async fn receive(
    state: &AppState,
    project: &str,
    body: &[u8],
    signature: Option<&str>,
) -> Result<Outcome, ReceiveError> {
    let target = state
        .inbox
        .targets
        .get(&state.store, &state.config.secret_key, project)
        .await?
        .filter(|target| signature.is_some_and(|header| target.signed(body, header)))
        .ok_or(ReceiveError::Unsigned)?;
    let delivery = parse(body)?;
    let outcome = state
        .inbox
        .ingest
        .ingest(&state.store, target, delivery)
        .await?;
    telemetry::record_whatsapp_delivery(&outcome);
    Ok(outcome)
}
