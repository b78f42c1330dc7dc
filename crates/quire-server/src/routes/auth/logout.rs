//! `POST /api/v1/auth/logout`: ends the session on the server and clears the cookie.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::{Credential, Viewer};
use crate::errors::{ApiError, ErrorBody};
use crate::routes::auth::login::session_cookie;
use crate::state::AppState;

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "the session has ended"), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, viewer: Viewer) -> Result<Response, ApiError> {
    let Credential::Session { id_hash, .. } = &viewer.credential else {
        return Err(ApiError::bad_request(
            "logout ends a browser session; to stop using an API token, revoke it (DELETE /api/v1/tokens/{id})",
        ));
    };
    state.store.delete_session(id_hash).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session_cookie(&state, "", 0))],
    )
        .into_response())
}
