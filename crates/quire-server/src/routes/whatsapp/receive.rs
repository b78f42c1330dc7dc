//! `POST /api/v1/projects/{p}/webhooks/whatsapp`: a delivery from Meta. No session and no CSRF
//! token (Meta has neither): the `X-Hub-Signature-256` header, checked against the app secret
//! of each of the project's connections, is the credential. Unsigned or wrongly signed: 401;
//! not Meta's shape: 400; either way nothing is stored. `{"ok": true}` only once the whole
//! delivery is committed.

use axum::body::to_bytes;
use axum::extract::{Request, State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::inbox::receive::{ReceiveError, receive as receive_delivery};
use crate::inbox::signature;
use crate::json::ApiJson;
use crate::state::AppState;

/// The largest delivery taken (Meta batches at most a few megabytes).
const MAX_DELIVERY_BYTES: usize = 3 * 1024 * 1024;

#[derive(Serialize, ToSchema)]
pub struct Acknowledged {
    /// Always true: the delivery is stored.
    pub ok: bool,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/webhooks/whatsapp", tag = "whatsapp", security(()),
    params(("p" = String, Path, description = "project id or slug"),
        ("X-Hub-Signature-256" = String, Header, description = "`sha256=` and the hex HMAC-SHA256 of the body under the app secret")),
    request_body(content = Object, description = "Meta's delivery: `{object: \"whatsapp_business_account\", entry: [{changes: [{field, value}]}]}`"),
    responses((status = 200, body = Acknowledged, description = "stored"),
        (status = 400, body = ErrorBody, description = "not JSON, or not Meta's shape; nothing stored"),
        (status = 401, body = ErrorBody, description = "unsigned, or signed with none of the project's app secrets; nothing stored"),
        (status = 413, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    Path(project): Path<String>,
    request: Request,
) -> Result<ApiJson<Acknowledged>, ApiError> {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_DELIVERY_BYTES).await.map_err(|_| {
        ApiError::too_large(format!(
            "a delivery is at most {MAX_DELIVERY_BYTES} bytes; this one is larger"
        ))
    })?;
    let header = parts
        .headers
        .get(signature::HEADER)
        .and_then(|value| value.to_str().ok());
    match receive_delivery(&state, &project, &body, header).await {
        Ok(_) => Ok(ApiJson(Acknowledged { ok: true })),
        Err(ReceiveError::Unsigned) => Err(ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "invalid_signature",
            ReceiveError::Unsigned.to_string(),
        )),
        Err(ReceiveError::Malformed(error)) => Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_delivery",
            format!("{error}; nothing was stored"),
        )),
        Err(ReceiveError::Store(error)) => Err(error.into()),
    }
}
