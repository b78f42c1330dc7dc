//! `POST /api/v1/projects/{p}/pages/{page}/invoke {function, payload, mode?}`: the bridge's
//! `kapso.invokeFunction`. The host sends it with the viewer's own credentials; the project
//! comes from the path, never from the page, so a page can call only its own project's
//! functions. The function learns who called from headers the server sets (viewer, page,
//! mount point, mode) and strips from anything the page sent. An embedded inbox's page calls
//! with the embed's token, in `embedded` mode only, without a viewer.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use quire_store::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::InboxCaller;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::invoke::{Call, Caller, FunctionSelector, Via};
use crate::json::ApiJson;
use crate::pages::{Mode, load_for_inbox, version_for_mode};
use crate::state::AppState;
use crate::validate::MAX_REFERENCE_BYTES;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvokeRequest {
    /// `{"id": …}` or `{"slug": …}` of a function of the page's project.
    pub function: FunctionSelectorJson,
    /// Any JSON: sent to the function as the JSON body of its request (at most 1 MiB).
    #[serde(default)]
    #[schema(value_type = serde_json::Value)]
    pub payload: serde_json::Value,
    /// How the page is open; `regular` (the default) needs a published page, `preview` an
    /// owner or admin.
    pub mode: Option<Mode>,
}

// A `FunctionSelector` as the bridge sends it; the handler checks that it names exactly one.
// Not a doc comment, which would become the schema's description: the document stays as it
// was, and so does the schema's name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FunctionRef)]
pub struct FunctionSelectorJson {
    pub id: Option<String>,
    pub slug: Option<String>,
}

impl TryFrom<FunctionSelectorJson> for FunctionSelector {
    type Error = ApiError;

    fn try_from(sent: FunctionSelectorJson) -> Result<Self, ApiError> {
        // The name keys the function cache: bounded before it.
        let fits = |name: &String| (1..=MAX_REFERENCE_BYTES).contains(&name.len());
        match (sent.id, sent.slug) {
            (Some(id), None) if fits(&id) => Ok(Self::Id(id)),
            (None, Some(slug)) if fits(&slug) => Ok(Self::Slug(slug)),
            _ => Err(ApiError::validation(
                "function",
                "name the function by id or by slug: {\"id\": \"…\"} or {\"slug\": \"…\"}, at most 256 bytes",
            )),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/pages/{page}/invoke", tag = "pages", request_body = InvokeRequest,
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses(
        (status = 200, description = "the function's body (JSON or text) with its content type"),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "a member invoking from a preview"),
        (status = 404, body = ErrorBody, description = "no such page (or not published), or no such function in this project"),
        (status = 413, body = ErrorBody, description = "the payload is over 1 MiB"),
        (status = 429, body = ErrorBody, description = "over the viewer's or the project's rate limit, or the project's share of calls running at once stayed full for the queue wait (`function_concurrency_limit`); see `Retry-After`"),
        (status = 422, body = ErrorBody, description = "the function is not deployed"),
        (status = 502, body = ErrorBody, description = "the function failed; the message is the function's")))]
pub async fn invoke(
    State(state): State<AppState>,
    caller: InboxCaller,
    Path((project, page)): Path<(String, String)>,
    ApiJson(body): ApiJson<InvokeRequest>,
) -> Result<Response, ApiError> {
    let function = FunctionSelector::try_from(body.function)?;
    let mode = body.mode.unwrap_or(Mode::Regular);
    let access = caller.require(&state, &project, Role::Member).await?;
    let page = load_for_inbox(&state, &access, &page, mode).await?;
    let membership = &access.membership;
    // The viewer may call the page's functions only where they may open the page.
    version_for_mode(&state, membership, &page, mode).await?;
    let target = state
        .invoker
        .select(&membership.project.id, &function)
        .await?;
    let call = Call {
        via: Via::Page,
        caller: Caller {
            viewer_user_id: access.user_id().map(str::to_owned),
            page_id: Some(page.id),
            mount_point: page.mount_point,
            mode: Some(mode.as_str().to_owned()),
            public_link_id: None,
        },
        headers: HeaderMap::new(),
        body: body.payload.to_string().into_bytes(),
    };
    state.invoker.call(&target, call).await
}
