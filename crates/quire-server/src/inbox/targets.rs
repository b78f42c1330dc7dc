//! Who may deliver to a project's webhook: the project's connections with their app secrets
//! opened, read once per store generation (a connection change moves it) rather than on
//! every delivery; see [`crate::read_cache`].

use std::sync::Arc;

use quire_store::{Store, StoreError, WhatsappConnection};

use super::secrets::ConnectionSecret;
use super::signature;
use crate::read_cache::ReadCache;

/// A project as its webhook sees it.
pub struct WebhookTarget {
    pub project_id: String,
    pub connections: Vec<TargetConnection>,
}

pub struct TargetConnection {
    pub id: String,
    pub phone_number_id: String,
    verify_token: String,
    app_secret: String,
}

// The app secret and the verify token stay out of Debug output, and so out of any log.
impl std::fmt::Debug for TargetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetConnection")
            .field("id", &self.id)
            .field("phone_number_id", &self.phone_number_id)
            .finish_non_exhaustive()
    }
}

impl WebhookTarget {
    /// Whether `header` signs `body` under the app secret of one of the project's connections.
    pub fn signed(&self, body: &[u8], header: &str) -> bool {
        self.connections
            .iter()
            .any(|connection| signature::verify(&connection.app_secret, body, header))
    }

    /// Whether `token` is the verify token of one of the project's connections (each compared
    /// in constant time).
    pub fn verify_token_matches(&self, token: &str) -> bool {
        self.connections
            .iter()
            .any(|connection| crate::auth::tokens::same(token, &connection.verify_token))
    }

    /// The project's connection of the number `phone_number_id`.
    pub fn connection(&self, phone_number_id: &str) -> Option<&TargetConnection> {
        self.connections
            .iter()
            .find(|connection| connection.phone_number_id == phone_number_id)
    }
}

#[derive(Default)]
pub struct WebhookTargets {
    /// By the project id or slug the webhook's path names.
    cache: ReadCache<String, Option<Arc<WebhookTarget>>>,
}

impl WebhookTargets {
    /// The project `project` (id or slug) with its connections; `None` when there is no such
    /// project. A connection whose app secret no longer opens (the server's key changed) is
    /// left out, with a warning: nothing it signs can be verified.
    pub async fn get(
        &self,
        store: &Store,
        key: &[u8; 32],
        project: &str,
    ) -> Result<Option<Arc<WebhookTarget>>, StoreError> {
        self.cache
            .get_or_load(store, project.to_owned(), async {
                let Some(found) = store.project(project).await? else {
                    return Ok(None);
                };
                let connections = store
                    .whatsapp_connections(&found.id)
                    .await?
                    .into_iter()
                    .filter_map(|connection| opened(key, connection))
                    .collect();
                Ok(Some(Arc::new(WebhookTarget {
                    project_id: found.id,
                    connections,
                })))
            })
            .await
    }
}

fn opened(key: &[u8; 32], connection: WhatsappConnection) -> Option<TargetConnection> {
    let Some(app_secret) =
        ConnectionSecret::AppSecret.open(key, &connection.id, &connection.app_secret_sealed)
    else {
        tracing::warn!(
            connection = %connection.id,
            "the app secret of a WhatsApp connection cannot be decrypted (the server's secret key changed?); its deliveries are refused until the secret is set again"
        );
        return None;
    };
    Some(TargetConnection {
        id: connection.id,
        phone_number_id: connection.phone_number_id,
        verify_token: connection.verify_token,
        app_secret,
    })
}
