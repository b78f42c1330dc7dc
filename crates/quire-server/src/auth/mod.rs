//! Who is calling: the `Viewer` extractor (session cookie or bearer token), CSRF and
//! cross-site checks for state-changing calls, and role checks on projects.

mod inbox_caller;
pub mod password;
pub mod tokens;

pub(crate) use inbox_caller::live_embed;
pub use inbox_caller::{InboxAccess, InboxCaller};

use std::sync::atomic::Ordering;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use quire_store::{Membership, Role, User, now_ms};

use crate::errors::ApiError;
use crate::state::AppState;
use crate::validate::{MAX_REFERENCE_BYTES, shown};

pub const CSRF_HEADER: &str = "x-csrf-token";

/// How often a token's `last_used_at` is written at most.
const TOKEN_TOUCH_INTERVAL_MS: i64 = 60_000;

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub user: User,
    pub credential: Credential,
}

#[derive(Clone, Debug)]
pub enum Credential {
    Session {
        id_hash: String,
        /// What this session's changes must send as `X-CSRF-Token`.
        csrf_token: String,
    },
    /// A token limited to one project carries that project's id.
    Token {
        id: String,
        project_id: Option<String>,
    },
}

impl<S> FromRequestParts<S> for Viewer
where
    AppState: axum::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        refuse_cross_site(&parts.method, &parts.headers)?;
        if let Some(token) = bearer_token(&parts.headers)? {
            return viewer_from_token(&state, token).await;
        }
        let Some(session_id) = cookie(&parts.headers, state.config.session_cookie_name()) else {
            return Err(ApiError::unauthorized(
                "sign in first (POST /api/v1/auth/login), or send `Authorization: Bearer <api token>`",
            ));
        };
        let id_hash = tokens::sha256_hex(session_id);
        let found = state.credentials.session(&state.store, &id_hash).await?;
        let Some((_, user)) = found
            .as_deref()
            .filter(|(session, _)| session.expires_at > now_ms())
        else {
            return Err(ApiError::unauthorized(
                "your session has ended; sign in again",
            ));
        };
        let csrf_token = tokens::csrf_token(&state.config.secret_key, session_id);
        if is_state_changing(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !tokens::same(sent, &csrf_token) {
                return Err(ApiError::forbidden(
                    "missing or wrong X-CSRF-Token header: send the csrf_token that login returned with every change made with a session cookie",
                ));
            }
        }
        let user = user
            .clone()
            .ok_or_else(|| ApiError::unauthorized("this account no longer exists"))?;
        Ok(Self {
            user,
            credential: Credential::Session {
                id_hash,
                csrf_token,
            },
        })
    }
}

/// `Option<Viewer>`: no credentials (or a session that has ended) is `None`, for routes that
/// also serve people without an account; a bad token or a missing CSRF header still refuses.
impl<S> OptionalFromRequestParts<S> for Viewer
where
    AppState: axum::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, ApiError> {
        let app = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return <Self as FromRequestParts<S>>::from_request_parts(parts, state)
                .await
                .map(Some);
        }
        refuse_cross_site(&parts.method, &parts.headers)?;
        if cookie(&parts.headers, app.config.session_cookie_name()).is_none() {
            return Ok(None);
        }
        match <Self as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(viewer) => Ok(Some(viewer)),
            Err(error) if error.status == axum::http::StatusCode::UNAUTHORIZED => Ok(None),
            Err(error) => Err(error),
        }
    }
}

pub(crate) async fn viewer_from_token(state: &AppState, token: &str) -> Result<Viewer, ApiError> {
    if crate::inbox::embeds::is_embed_token(token) {
        return Err(ApiError::forbidden(
            "an embedded inbox's token opens only the inbox (its conversations, its page and its events); this call needs a member's session or API token",
        ));
    }
    if token.starts_with(crate::pages::public_links::TOKEN_PREFIX) {
        return Err(ApiError::forbidden(
            "a public link's token opens only its page (POST /api/v1/public/frame and …/invoke); this call needs a member's session or API token",
        ));
    }
    let hash = tokens::sha256_hex(token);
    let found = state.credentials.token(&state.store, &hash).await?;
    let Some(known) = found.as_deref() else {
        return Err(ApiError::unauthorized(
            "this API token is not valid; create one with `quire token create` or POST /api/v1/tokens",
        ));
    };
    let found = &known.token;
    if found.revoked_at.is_some() {
        return Err(ApiError::unauthorized(format!(
            "the API token {:?} was revoked; create a new one",
            found.name
        )));
    }
    let now = now_ms();
    if found.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::unauthorized(format!(
            "the API token {:?} has expired; create a new one",
            found.name
        )));
    }
    let user = known
        .user
        .clone()
        .ok_or_else(|| ApiError::unauthorized("the token's account no longer exists"))?;
    // "Last used" is for people deciding which tokens to revoke: minute precision is plenty,
    // and skipping the write keeps a busy token from costing a database write per request.
    let touched_at = known.touched_at.load(Ordering::Acquire);
    if now - touched_at >= TOKEN_TOUCH_INTERVAL_MS
        && known
            .touched_at
            .compare_exchange(touched_at, now, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    {
        state.store.touch_api_token(&found.id).await?;
    }
    Ok(Viewer {
        user,
        credential: Credential::Token {
            id: found.id.clone(),
            project_id: found.project_id.clone(),
        },
    })
}

impl Viewer {
    /// The viewer's membership in `project` (id or slug) if their role is at least `needed`.
    /// Answers 404 to non-members, so a project's existence is not revealed to outsiders.
    pub async fn require(
        &self,
        state: &AppState,
        project: &str,
        needed: Role,
    ) -> Result<Membership, ApiError> {
        // No project has a longer id or slug; the cache below must not keep such keys.
        let membership = if project.len() > MAX_REFERENCE_BYTES {
            None
        } else {
            state
                .credentials
                .membership(&state.store, project, &self.user.id)
                .await?
        };
        let membership = membership
            .filter(|m| self.token_project().is_none_or(|only| only == m.project.id))
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "no project {} that you are a member of",
                    shown(project)
                ))
            })?;
        if membership.role < needed {
            return Err(ApiError::forbidden(format!(
                "this needs the {needed} role or higher in project {:?}; you are {}",
                membership.project.slug, membership.role
            )));
        }
        Ok(membership)
    }

    /// The one project a limited token may act in.
    pub fn token_project(&self) -> Option<&str> {
        match &self.credential {
            Credential::Token { project_id, .. } => project_id.as_deref(),
            Credential::Session { .. } => None,
        }
    }

    /// Refuses callers whose credential is limited to one project (account-wide actions).
    pub fn require_unlimited(&self) -> Result<(), ApiError> {
        if self.token_project().is_some() {
            return Err(ApiError::forbidden(
                "this API token is limited to one project; use a session or an unlimited token for account-wide actions",
            ));
        }
        Ok(())
    }
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Browsers say where a request comes from; a cross-site change is never legitimate here.
pub fn refuse_cross_site(method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    if cross_site && is_state_changing(method) {
        return Err(ApiError::forbidden(
            "cross-site requests cannot change anything in Quire",
        ));
    }
    Ok(())
}

pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::unauthorized(
            "use `Authorization: Bearer <api token>`",
        )),
    }
}

/// The value of cookie `name` in the request, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}
