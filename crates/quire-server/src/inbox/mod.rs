//! The inbox service: WhatsApp deliveries in ([`receive`]: signature, [`webhook`] payload,
//! [`ingest`]), replies out ([`reply`] through the [`cloud_api`]), the team's own changes
//! ([`conversations`]: read, metadata), connection secrets at rest ([`secrets`]), and the
//! deliveries Quire makes itself ([`deliveries`]: the connections' test event and the [`demo`]
//! conversations). Every write announces itself on the live stream ([`events`], in the
//! [`views`] the API answers with). Statuses held for replies that never claimed them are
//! pruned in the background ([`prune`]). Routes, the bootstrap and tests call these; nothing else
//! writes a delivery.

pub mod cloud_api;
pub mod conversations;
pub mod deliveries;
pub mod demo;
pub mod embeds;
pub mod events;
pub mod ingest;
pub mod prune;
pub mod receive;
pub mod reply;
pub mod secrets;
pub mod signature;
pub mod targets;
pub mod test_event;
pub mod views;
pub mod webhook;

use std::sync::Arc;

use cloud_api::CloudApi;
use ingest::IngestQueue;
use targets::WebhookTargets;

/// What the inbox keeps per app: the projects' webhook targets, the deliveries waiting to be
/// written and the Cloud API client.
pub struct Inbox {
    pub targets: WebhookTargets,
    pub ingest: Arc<IngestQueue>,
    pub cloud_api: CloudApi,
}

impl Inbox {
    pub fn new(whatsapp_api_url: &str) -> Self {
        Self {
            targets: WebhookTargets::default(),
            ingest: Arc::default(),
            cloud_api: CloudApi::new(whatsapp_api_url),
        }
    }
}
