//! What credentials were found to be, cached per app so that a call does not read the
//! database to learn who is calling (see [`crate::read_cache`]). `auth` decides what they
//! allow.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use quire_store::{ApiToken, InboxEmbed, Membership, PublicLink, Session, Store, User};

use crate::errors::ApiError;
use crate::read_cache::ReadCache;

#[derive(Default)]
pub struct KnownCredentials {
    /// By the SHA-256 of the token.
    tokens: ReadCache<String, Option<Arc<KnownToken>>>,
    /// By the SHA-256 of the session id; only live sessions are found.
    sessions: ReadCache<String, Option<Arc<KnownSession>>>,
    /// By (project id or slug, user id).
    memberships: ReadCache<(String, String), Option<Membership>>,
    /// Embedded inboxes by the SHA-256 of their token, revoked and expired ones included.
    embeds: ReadCache<String, Option<Arc<InboxEmbed>>>,
    /// Public links by the SHA-256 of their token, revoked and expired ones included.
    public_links: ReadCache<String, Option<Arc<PublicLink>>>,
}

/// A live session and its account (`None` once the account is gone).
pub type KnownSession = (Session, Option<User>);

pub struct KnownToken {
    pub token: ApiToken,
    pub user: Option<User>,
    /// When `last_used_at` was last written (0: never); shared by every use of the entry, so
    /// one request in a minute writes it.
    pub touched_at: AtomicI64,
}

impl KnownCredentials {
    /// The session whose id hashes to `id_hash`, with its account.
    pub async fn session(
        &self,
        store: &Store,
        id_hash: &str,
    ) -> Result<Option<Arc<KnownSession>>, ApiError> {
        self.sessions
            .get_or_load(store, id_hash.to_owned(), async {
                let Some(session) = store.session(id_hash).await? else {
                    return Ok(None);
                };
                let user = store.user_by_id(&session.user_id).await?;
                Ok(Some(Arc::new((session, user))))
            })
            .await
    }

    /// The API token that hashes to `hash`, with its account.
    pub async fn token(
        &self,
        store: &Store,
        hash: &str,
    ) -> Result<Option<Arc<KnownToken>>, ApiError> {
        self.tokens
            .get_or_load(store, hash.to_owned(), async {
                let Some(token) = store.api_token_by_hash(hash).await? else {
                    return Ok(None);
                };
                let user = store.user_by_id(&token.user_id).await?;
                Ok(Some(Arc::new(KnownToken {
                    touched_at: AtomicI64::new(token.last_used_at.unwrap_or(0)),
                    token,
                    user,
                })))
            })
            .await
    }

    /// The membership of `user_id` in `project` (id or slug).
    pub async fn membership(
        &self,
        store: &Store,
        project: &str,
        user_id: &str,
    ) -> Result<Option<Membership>, ApiError> {
        let key = (project.to_owned(), user_id.to_owned());
        self.memberships
            .get_or_load(store, key, async {
                Ok(store.membership(project, user_id).await?)
            })
            .await
    }

    /// The embedded inbox whose token hashes to `hash`.
    pub async fn embed(
        &self,
        store: &Store,
        hash: &str,
    ) -> Result<Option<Arc<InboxEmbed>>, ApiError> {
        self.embeds
            .get_or_load(store, hash.to_owned(), async {
                Ok(store.inbox_embed_by_token(hash).await?.map(Arc::new))
            })
            .await
    }

    /// The public link whose token hashes to `hash`.
    pub async fn public_link(
        &self,
        store: &Store,
        hash: &str,
    ) -> Result<Option<Arc<PublicLink>>, ApiError> {
        self.public_links
            .get_or_load(store, hash.to_owned(), async {
                Ok(store.public_link_by_token(hash).await?.map(Arc::new))
            })
            .await
    }
}
