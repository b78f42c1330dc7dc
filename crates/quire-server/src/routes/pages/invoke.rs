//! `POST /api/v1/projects/{p}/pages/{page}/invoke {function, payload, mode?}`: the bridge's
//! `kapso.invokeFunction`. The host sends it with the viewer's own credentials; the project
//! comes from the path, never from the page, so a page can call only its own project's
//! functions. The function learns who called from headers the server sets (viewer, page,
//! mount point, mode) and strips from anything the page sent.

use axum::extract::State;
use axum::response::Response;
use quire_store::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::functions::{Caller, FunctionSelector, invoke_for_page};
use crate::json::ApiJson;
use crate::routes::pages::{Mode, load, version_for_mode};
use crate::state::AppState;
use crate::validate::MAX_REFERENCE_BYTES;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvokeRequest {
    /// `{"id": …}` or `{"slug": …}` of a function of the page's project.
    pub function: FunctionRef,
    /// Sent to the function as the JSON body of its request (at most 1 MiB).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// How the page is open; `regular` (the default) needs a published page, `preview` an
    /// owner or admin.
    pub mode: Option<Mode>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FunctionRef {
    pub id: Option<String>,
    pub slug: Option<String>,
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
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
    ApiJson(body): ApiJson<InvokeRequest>,
) -> Result<Response, ApiError> {
    // The name keys the function cache: bounded before it.
    let fits = |name: &String| (1..=MAX_REFERENCE_BYTES).contains(&name.len());
    let function = match (body.function.id, body.function.slug) {
        (Some(id), None) if fits(&id) => FunctionSelector::Id(id),
        (None, Some(slug)) if fits(&slug) => FunctionSelector::Slug(slug),
        _ => {
            return Err(ApiError::validation(
                "function",
                "name the function by id or by slug: {\"id\": \"…\"} or {\"slug\": \"…\"}, at most 256 bytes",
            ));
        }
    };
    let mode = body.mode.unwrap_or(Mode::Regular);
    let (membership, page) = load(&state, &viewer, &project, &page, Role::Member).await?;
    // The viewer may call the page's functions only where they may open the page.
    version_for_mode(&state, &membership, &page, mode).await?;
    let caller = Caller {
        viewer_user_id: Some(viewer.user.id.clone()),
        page_id: Some(page.id.clone()),
        mount_point: page.mount_point.clone(),
        mode: Some(mode.as_str().to_owned()),
    };
    invoke_for_page(
        &state,
        &membership.project.id,
        &function,
        body.payload,
        &caller,
    )
    .await
}
