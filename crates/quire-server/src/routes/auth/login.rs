//! `POST /api/v1/auth/login`: checks the password, starts a new session (rotating any old
//! one) and returns the CSRF token that cookie-authenticated changes must send back. Failed
//! attempts are rate limited per e-mail address and per client address, so passwords cannot be
//! guessed online. Anyone may call it, so everything it keeps is bounded: the body, the e-mail
//! address and password (refused before hashing, limiting or auditing), and the limiters.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use quire_store::{NewAuditEntry, Session, now_ms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{cookie, password, refuse_cross_site, tokens};
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::rate_limit::{self, ClientAddress};
use crate::routes::views::UserView;
use crate::state::AppState;
use crate::validate;

/// A sign-in body is an e-mail address and a password: larger bodies are refused unread.
pub const MAX_BODY_BYTES: usize = 8 * 1024;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: UserView,
    /// Send as `X-CSRF-Token` with every state-changing call made with the session cookie.
    pub csrf_token: String,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody),
        (status = 400, body = ErrorBody, description = "the e-mail address or password is malformed or too long"),
        (status = 413, body = ErrorBody, description = "the body is over 8 KiB"),
        (status = 429, body = ErrorBody, description = "too many failed sign-ins for this e-mail address or from this client address; `Retry-After` says when to try again")))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    refuse_cross_site(&axum::http::Method::POST, &headers)?;
    validate::email("email", &body.email)?;
    if body.password.len() > password::MAX_PASSWORD_BYTES {
        return Err(ApiError::validation(
            "password",
            format!(
                "the password is {} bytes; no password is longer than {}",
                body.password.len(),
                password::MAX_PASSWORD_BYTES
            ),
        ));
    }
    let email = body.email.trim().to_lowercase();
    let address = client.key();
    let per_address = &state.rate_limits.login_failures_per_address;
    if let Some(address) = &address {
        per_address.check(address).map_err(|wait| {
            rate_limit::refused(
                wait,
                "too many failed sign-ins from your network address; wait a little and try again",
            )
        })?;
    }
    let failures = &state.rate_limits.login_failures;
    failures.check(&email).map_err(|wait| {
        rate_limit::refused(
            wait,
            "too many failed sign-ins for this e-mail address; wait a little and try again",
        )
    })?;
    let user = state.store.user_by_email(&body.email).await?;
    let valid = password::verify(
        body.password,
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    // A failed sign-in on an account's address is that account's event (`GET /me/audit`).
    let account = user.as_ref().map(|u| u.id.clone());
    let Some(user) = user.filter(|_| valid) else {
        // Spent even when the bucket just ran dry: the next attempt is the one refused.
        let _ = failures.take(&email);
        if let Some(address) = &address {
            let _ = per_address.take(address);
        }
        let details = serde_json::json!({ "email": email });
        state
            .store
            .record_audit(&NewAuditEntry::new(
                "login.failure",
                None,
                None,
                account.as_deref(),
                details,
            ))
            .await?;
        return Err(ApiError::unauthorized("wrong e-mail or password"));
    };

    let session_id = tokens::random_token(32);
    let csrf_token = tokens::csrf_token(&state.config.secret_key, &session_id);
    let now = now_ms();
    let ttl_ms = i64::try_from(state.config.session_ttl.as_millis()).unwrap_or(i64::MAX);
    let session = Session {
        id_hash: tokens::sha256_hex(&session_id),
        user_id: user.id.clone(),
        created_at: now,
        expires_at: now.saturating_add(ttl_ms),
    };
    let previous = cookie(&headers, state.config.session_cookie_name()).map(tokens::sha256_hex);
    state
        .store
        .create_session(&session, previous.as_deref())
        .await?;
    state
        .store
        .record_audit(&NewAuditEntry::new(
            "login.success",
            None,
            Some(&user.id),
            Some(&user.id),
            serde_json::json!({}),
        ))
        .await?;

    let cookie = session_cookie(&state, &session_id, state.config.session_ttl.as_secs());
    let body = LoginResponse {
        user: UserView::from(&user),
        csrf_token,
    };
    Ok(([(header::SET_COOKIE, cookie)], ApiJson(body)).into_response())
}

/// The `Set-Cookie` value for a session (an empty value with `max_age` 0 clears it).
pub fn session_cookie(state: &AppState, value: &str, max_age_secs: u64) -> HeaderValue {
    let secure = if state.config.tls() { "; Secure" } else { "" };
    let name = state.config.session_cookie_name();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie values are URL-safe base64")
}
