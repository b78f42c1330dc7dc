//! Who is using the inbox: a member (session or API token, as [`Viewer`]), or an embedded
//! inbox, whose token opens the inbox's conversations in its scope, the mounted page's
//! published version, and the event stream, and nothing else.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use quire_store::{Conversation, InboxEmbed, Membership, Role, now_ms};

use super::{Viewer, bearer_token, refuse_cross_site};
use crate::errors::ApiError;
use crate::inbox::embeds;
use crate::inbox::reply::Author;
use crate::state::AppState;
use crate::validate::{MAX_REFERENCE_BYTES, shown};

#[derive(Clone, Debug)]
pub enum InboxCaller {
    Member(Viewer),
    Embed(Arc<InboxEmbed>),
}

/// What an [`InboxCaller`] may do in one project.
#[derive(Clone, Debug)]
pub struct InboxAccess {
    /// A member's own; an embed's acts as a member of its project.
    pub membership: Membership,
    pub caller: InboxCaller,
}

impl<S> FromRequestParts<S> for InboxCaller
where
    AppState: axum::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let app = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        refuse_cross_site(&parts.method, &parts.headers)?;
        if let Some(token) = bearer_token(&parts.headers)?
            && embeds::is_embed_token(token)
        {
            return embed_from_token(&app, token).await.map(Self::Embed);
        }
        Viewer::from_request_parts(parts, state)
            .await
            .map(Self::Member)
    }
}

/// The embed `token` opens while it works: not revoked, not expired.
pub(crate) async fn live_embed(state: &AppState, token: &str) -> Result<Arc<InboxEmbed>, ApiError> {
    let hash = super::tokens::sha256_hex(token);
    let found = state.credentials.embed(&state.store, &hash).await?;
    if let Some(refusal) = embeds::refusal(found.as_deref()) {
        return Err(refusal);
    }
    found.ok_or_else(|| ApiError::internal(&"an embed neither found nor refused"))
}

/// [`live_embed`], counted against the embed's rate limit: a call it makes.
async fn embed_from_token(state: &AppState, token: &str) -> Result<Arc<InboxEmbed>, ApiError> {
    let embed = live_embed(state, token).await?;
    if let Err(wait) = state.rate_limits.embed_calls.take(&embed.id) {
        return Err(ApiError::too_many_requests(
            wait.as_secs().max(1),
            format!(
                "the embedded inbox {:?} made more than {} calls this minute, the most one embed may (`embed_rate_per_minute`); wait a moment",
                embed.name, state.config.embed_rate_per_minute
            ),
        ));
    }
    // "Last used" helps owners decide which embeds to revoke: written at most once a minute.
    let now = now_ms();
    if embed.last_used_at.is_none_or(|at| now - at >= 60_000) {
        state.store.touch_inbox_embed(&embed.id, now).await?;
    }
    Ok(embed)
}

impl InboxCaller {
    /// The caller's access to `project` (id or slug) at role `needed` or higher. An embed
    /// acts as a member of its own project: 404 for another, 403 for what needs more.
    pub async fn require(
        &self,
        state: &AppState,
        project: &str,
        needed: Role,
    ) -> Result<InboxAccess, ApiError> {
        let membership = match self {
            Self::Member(viewer) => viewer.require(state, project, needed).await?,
            Self::Embed(embed) => {
                let found = if project.len() > MAX_REFERENCE_BYTES {
                    None
                } else {
                    state.store.project(project).await?
                };
                let project = found
                    .filter(|found| found.id == embed.project_id)
                    .ok_or_else(|| {
                        ApiError::not_found(format!(
                            "no project {} that this embedded inbox shows",
                            shown(project)
                        ))
                    })?;
                if needed > Role::Member {
                    return Err(ApiError::forbidden(
                        "an embedded inbox cannot do this: it is for the project's owners and admins, signed in to Quire",
                    ));
                }
                Membership {
                    project,
                    role: Role::Member,
                }
            }
        };
        Ok(InboxAccess {
            membership,
            caller: self.clone(),
        })
    }

    /// The key of the caller's share of event streams.
    pub fn stream_owner(&self) -> String {
        match self {
            Self::Member(viewer) => viewer.user.id.clone(),
            Self::Embed(embed) => format!("embed:{}", embed.id),
        }
    }
}

impl InboxAccess {
    pub fn embed(&self) -> Option<&InboxEmbed> {
        match &self.caller {
            InboxCaller::Embed(embed) => Some(embed),
            InboxCaller::Member(_) => None,
        }
    }

    /// The signed-in member's account id; `None` for an embed.
    pub fn user_id(&self) -> Option<&str> {
        match &self.caller {
            InboxCaller::Member(viewer) => Some(&viewer.user.id),
            InboxCaller::Embed(_) => None,
        }
    }

    /// Who a reply the caller sends is written by: the member, or the embed by its name.
    pub fn author(&self) -> Author<'_> {
        match &self.caller {
            InboxCaller::Member(viewer) => Author::Member(&viewer.user.id),
            InboxCaller::Embed(embed) => Author::Embed(&embed.name),
        }
    }

    /// The one number an embed is limited to.
    pub fn scope(&self) -> Option<&str> {
        self.embed()
            .and_then(|embed| embed.phone_number_id.as_deref())
    }

    /// Whether the caller may see `conversation` (of its project): an embed only those of
    /// its number.
    pub fn sees(&self, conversation: &Conversation) -> bool {
        self.scope()
            .is_none_or(|number| number == conversation.whatsapp_phone_number_id)
    }
}
