//! `POST /api/v1/projects/{p}/functions/{f}/invoke`: runs the deployed version with the body as
//! the payload and answers the function's own response (status, headers, body).
//!
//! Who may call: a member with an API token (`Authorization: Bearer` or `X-API-Key`) or a
//! session; anyone when the function is public. Unknown and private functions answer 404 to
//! callers without credentials, so outsiders cannot probe for them. The function never sees the
//! caller's credentials (`Authorization`, `Cookie`, `X-API-Key`, `X-CSRF-Token`) or `X-Quire-*`
//! headers it did not get from the server; a member's call carries `X-Quire-Viewer`.
//!
//! A public function may be called from any web page: `OPTIONS` answers the browser's CORS
//! preflight, and every answer carries `Access-Control-Allow-Origin: *` (never with
//! credentials, which a public function does not get anyway). Private functions have no CORS,
//! and neither has a sandboxed document (`Origin: null`, such as a page's frame, which calls
//! its functions through the bridge). The server alone decides CORS: a function's own
//! `Access-Control-*` headers are dropped with every other header off the allow-list.

use axum::body::to_bytes;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quire_store::Role;

use super::no_such_function;
use crate::auth::{Viewer, viewer_from_token};
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::invoke::{
    CREDENTIAL_HEADERS, Call, Caller, MAX_PAYLOAD_BYTES, Target, Via, payload_too_large,
};
use crate::state::AppState;
use crate::validate::shown;

pub const API_KEY_HEADER: &str = "x-api-key";

#[utoipa::path(post, path = "/api/v1/projects/{p}/functions/{f}/invoke", tag = "functions",
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug")),
    request_body(content = serde_json::Value, description = "the payload (any JSON, or whatever the function reads), handed to the function as its request body"),
    security((), ("bearer" = []), ("api_key" = []), ("session" = [])),
    responses((status = 200, description = "the function's own response; any status it chose is passed through"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody, description = "over the caller's or the project's rate limit, or the project's share of calls running at once stayed full for the queue wait (`function_concurrency_limit`); see `Retry-After`"), (status = 502, body = ErrorBody),
        (status = "default", description = "the function's own response, whatever its status and content type")))]
pub async fn invoke(
    State(state): State<AppState>,
    Path((project, function)): Path<(String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    let found = state.invoker.target(&project, &function).await?;
    if let Some(public) = found
        .as_ref()
        .filter(|found| found.function.public_endpoint)
    {
        let sandboxed = from_sandboxed_document(request.headers());
        let mut answer = match call(&state, public, Via::Public, None, request).await {
            Ok(answer) => answer,
            Err(error) => error.into_response(),
        };
        if !sandboxed {
            allow_any_origin(answer.headers_mut());
        }
        return Ok(answer);
    }
    let (mut parts, body) = request.into_parts();
    let Some(viewer) = authenticate(&state, &mut parts).await? else {
        return Err(ApiError::not_found(format!(
            "no public function {} in project {}; a private function needs an API token \
             (`Authorization: Bearer <token>` or `X-API-Key: <token>`)",
            shown(&function),
            shown(&project)
        )));
    };
    let membership = viewer.require(&state, &project, Role::Member).await?;
    let target = found
        .filter(|found| found.project.id == membership.project.id)
        .ok_or_else(|| no_such_function(&membership.project.slug, &function))?;
    let request = Request::from_parts(parts, body);
    call(&state, &target, Via::Api, Some(viewer.user.id), request).await
}

/// `OPTIONS …/invoke`: the CORS preflight of a browser about to call a public function. It
/// may send any header but credentials (which the function would not get); private and
/// unknown functions answer 404, like their invoke route to a caller without credentials.
#[utoipa::path(options, path = "/api/v1/projects/{p}/functions/{f}/invoke", tag = "functions",
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug")),
    security(()),
    responses((status = 204, description = "calls from any origin are allowed"), (status = 404, body = ErrorBody)))]
pub async fn preflight(
    State(state): State<AppState>,
    Path((project, function)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let public = state
        .invoker
        .target(&project, &function)
        .await?
        .is_some_and(|found| found.function.public_endpoint);
    if !public {
        return Err(ApiError::not_found(format!(
            "no public function {} in project {}; only public functions can be called from other web pages",
            shown(&function),
            shown(&project)
        )));
    }
    if from_sandboxed_document(&headers) {
        return Err(ApiError::forbidden(
            "a sandboxed document (Origin: null) cannot call functions directly; a Quire page calls its project's functions with kapso.invokeFunction",
        ));
    }
    let mut answer = StatusCode::NO_CONTENT.into_response();
    let out = answer.headers_mut();
    allow_any_origin(out);
    out.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST"),
    );
    let asked = headers
        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty() && !CREDENTIAL_HEADERS.contains(&name.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(allowed) = HeaderValue::from_str(&asked)
        && !asked.is_empty()
    {
        out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allowed);
    }
    out.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    out.append(
        header::VARY,
        HeaderValue::from_static("Access-Control-Request-Headers"),
    );
    Ok(answer)
}

fn from_sandboxed_document(headers: &HeaderMap) -> bool {
    headers
        .get(header::ORIGIN)
        .is_some_and(|origin| origin.as_bytes() == b"null")
}

/// Lets any web page read the answer of a public function, never with credentials; the
/// headers a caller may want to read are exposed. The function's own CORS headers never reach
/// the answer (the invoke service drops them), so this is the whole of it.
fn allow_any_origin(headers: &mut HeaderMap) {
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Retry-After, X-Request-Id"),
    );
}

/// Reads the payload and has the invoke service run `target` with it and the request's
/// headers; `viewer_id` is the member calling, if any.
async fn call(
    state: &AppState,
    target: &Target,
    via: Via,
    viewer_id: Option<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let payload = to_bytes(body, MAX_PAYLOAD_BYTES)
        .await
        .map_err(|_| payload_too_large_of(&parts))?;
    let call = Call {
        via,
        caller: Caller {
            viewer_user_id: viewer_id,
            ..Caller::default()
        },
        headers: parts.headers,
        body: payload.to_vec(),
    };
    state.invoker.call(target, call).await
}

/// The size the client announced, for the 413 message.
fn payload_too_large_of(parts: &Parts) -> ApiError {
    let announced = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(MAX_PAYLOAD_BYTES + 1);
    payload_too_large(announced)
}

/// The caller, if the request carries credentials: a bearer token, an `X-API-Key` or a session.
async fn authenticate(state: &AppState, parts: &mut Parts) -> Result<Option<Viewer>, ApiError> {
    if parts.headers.contains_key(header::AUTHORIZATION) {
        return Viewer::from_request_parts(parts, state).await.map(Some);
    }
    if let Some(key) = parts.headers.get(API_KEY_HEADER) {
        crate::auth::refuse_cross_site(&parts.method, &parts.headers)?;
        let key = key
            .to_str()
            .map_err(|_| ApiError::unauthorized("the X-API-Key header is not valid text"))?;
        return viewer_from_token(state, key.trim()).await.map(Some);
    }
    if parts.headers.contains_key(header::COOKIE)
        && crate::auth::cookie(&parts.headers, state.config.session_cookie_name()).is_some()
    {
        return Viewer::from_request_parts(parts, state).await.map(Some);
    }
    Ok(None)
}
