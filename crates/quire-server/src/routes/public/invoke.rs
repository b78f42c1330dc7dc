//! `POST /api/v1/public/invoke {function, payload}`: `kapso.invokeFunction` from a public
//! link's page. Only the functions the link lists are reached, without credentials, rate
//! limited per client address and per link; each call's record names the link.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::opened;
use crate::errors::{ApiError, ErrorBody};
use crate::invoke::{Call, Caller, FunctionSelector, Via};
use crate::json::ApiJson;
use crate::rate_limit::ClientAddress;
use crate::routes::pages::invoke::FunctionSelectorJson;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicInvokeRequest {
    /// `{"slug": …}` (or `{"id": …}`) of a function the link lists.
    pub function: FunctionSelectorJson,
    /// Any JSON: sent to the function as the JSON body of its request (at most 1 MiB).
    #[serde(default)]
    #[schema(value_type = serde_json::Value)]
    pub payload: serde_json::Value,
    /// `public`, as the bridge sends it; no other mode is open to a link.
    pub mode: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/public/invoke", tag = "pages", request_body = PublicInvokeRequest,
    responses(
        (status = 200, description = "the function's body (JSON or text) with its content type"),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "`not_allowed`: the link does not list this function"),
        (status = 404, body = ErrorBody, description = "`link_gone`: the link no longer works"),
        (status = 429, body = ErrorBody, description = "over the link's or the client address's rate limit (`public_link_rate_per_minute`)"),
        (status = 502, body = ErrorBody, description = "the function failed; the message is the function's")),
    security(("bearer" = [])))]
pub async fn invoke(
    State(state): State<AppState>,
    client: ClientAddress,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PublicInvokeRequest>,
) -> Result<Response, ApiError> {
    if body.mode.as_deref().is_some_and(|mode| mode != "public") {
        return Err(ApiError::validation(
            "mode",
            "a public link's page runs in public mode only; leave mode out or send \"public\"",
        ));
    }
    let opened = opened(&state, &headers).await?;
    let link = &opened.link;
    let selector = FunctionSelector::try_from(body.function)?;
    let target = state.invoker.select(&link.project_id, &selector).await?;
    if !link.functions.contains(&target.function.slug) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "not_allowed",
            format!(
                "function {:?} is not allowed from a public link: the link lists {}",
                target.function.slug,
                if link.functions.is_empty() {
                    "no functions".to_owned()
                } else {
                    link.functions.join(", ")
                }
            ),
        ));
    }
    let limits = &state.rate_limits.public_link_calls;
    let keys = [
        Some(format!("link:{}", link.id)),
        client.key().map(|address| format!("address:{address}")),
    ];
    for key in keys.iter().flatten() {
        if let Err(wait) = limits.take(key) {
            return Err(ApiError::too_many_requests(
                wait.as_secs().max(1),
                format!(
                    "more than {} calls this minute through this link or from your address (`public_link_rate_per_minute`); wait a moment",
                    state.config.public_link_rate_per_minute
                ),
            ));
        }
    }
    let call = Call {
        via: Via::Page,
        caller: Caller {
            viewer_user_id: None,
            page_id: Some(opened.page.id.clone()),
            mount_point: opened.page.mount_point.clone(),
            mode: Some("public".to_owned()),
            public_link_id: Some(link.id.clone()),
        },
        headers: HeaderMap::new(),
        body: body.payload.to_string().into_bytes(),
    };
    state.invoker.call(&target, call).await
}
