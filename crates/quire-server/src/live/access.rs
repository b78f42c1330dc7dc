//! A stream's caller, checked again while the stream lasts: a member removed from the project,
//! a demoted admin, a session that ended, a token or an embedded inbox revoked stop receiving
//! what they may no longer see. The check runs before each batch of events is sent, through the same cached
//! reads as every request (current within a second, and at once after a change this instance
//! made), so it costs no database read per batch.

use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, Request, header};
use quire_store::Role;

use super::Visibility;
use crate::auth::{Viewer, bearer_token, live_embed};
use crate::inbox::embeds;
use crate::state::AppState;

pub struct Access {
    state: AppState,
    /// The request's credentials: its `Authorization` and `Cookie` headers.
    credentials: HeaderMap,
    project_id: String,
}

impl Access {
    pub fn new(state: &AppState, headers: &HeaderMap, project_id: &str) -> Self {
        let mut credentials = HeaderMap::new();
        for name in [header::AUTHORIZATION, header::COOKIE] {
            for value in headers.get_all(&name) {
                credentials.append(name.clone(), value.clone());
            }
        }
        Self {
            state: state.clone(),
            credentials,
            project_id: project_id.to_owned(),
        }
    }

    /// What the caller may see now; `None` once they may see nothing (or cannot be checked:
    /// the stream then ends and the client's reconnect is checked afresh).
    pub async fn visibility(&self) -> Option<Visibility> {
        if let Ok(Some(token)) = bearer_token(&self.credentials)
            && embeds::is_embed_token(token)
        {
            // Not counted against the embed's rate limit: the stream is one call.
            let embed = live_embed(&self.state, token).await.ok()?;
            return (embed.project_id == self.project_id).then(|| Visibility {
                editor: false,
                scope: embed.phone_number_id.clone(),
            });
        }
        let mut request = Request::get("/").body(()).ok()?;
        *request.headers_mut() = self.credentials.clone();
        let (mut parts, ()) = request.into_parts();
        let viewer = Viewer::from_request_parts(&mut parts, &self.state)
            .await
            .ok()?;
        let membership = viewer
            .require(&self.state, &self.project_id, Role::Member)
            .await
            .ok()?;
        Some(Visibility::of_role(membership.role))
    }
}
