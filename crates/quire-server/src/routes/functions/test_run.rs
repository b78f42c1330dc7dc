//! `POST /api/v1/projects/{p}/functions/{f}/test`: runs the head version (draft or not) or the
//! deployed one with a request of the caller's making, and answers everything the run produced
//! as JSON: status, headers, body, console output, duration, error with stack. The function's
//! screen tries code with it before deploying. Owners and admins only (members see no drafts);
//! recorded with `via: test`.

use std::collections::BTreeMap;

use axum::extract::State;
use quire_store::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{InvocationErrorView, function_for};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::invoke::{MAX_PAYLOAD_BYTES, Trial, payload_too_large};
use crate::json::ApiJson;
use crate::state::AppState;

/// Headers a test request may carry at most, and the bytes of each name and value.
const MAX_HEADERS: usize = 50;
const MAX_HEADER_BYTES: usize = 8 * 1024;
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRequest {
    /// `GET`, `POST` (the default), `PUT`, `PATCH`, `DELETE`, `HEAD` or `OPTIONS`.
    pub method: Option<String>,
    /// Request headers; credentials (`Authorization`, `Cookie`, …) never reach the function.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The request body, as text (at most 1 MiB).
    #[serde(default)]
    pub body: String,
    /// `head` (the default: the newest saved code, deployed or not) or `deployed`.
    pub version: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TestResult {
    /// The version that ran.
    pub version: i64,
    /// The status of the function's response, when it produced one.
    pub status: Option<u16>,
    /// The headers the function set, as it set them.
    pub headers: Vec<HeaderView>,
    /// The response body as text (invalid UTF-8 replaced).
    pub body: String,
    pub logs: String,
    pub logs_truncated: bool,
    pub duration_ms: i64,
    pub error: Option<InvocationErrorView>,
}

#[derive(Serialize, ToSchema)]
pub struct HeaderView {
    pub name: String,
    pub value: String,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/functions/{f}/test", tag = "functions", request_body = TestRequest,
    params(("p" = String, Path, description = "project id or slug"), ("f" = String, Path, description = "function id or slug")),
    responses((status = 200, body = TestResult), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn test_run(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, function)): Path<(String, String)>,
    ApiJson(body): ApiJson<TestRequest>,
) -> Result<ApiJson<TestResult>, ApiError> {
    let (membership, function) =
        function_for(&state, &viewer, &project, &function, Role::Admin).await?;
    let method = body
        .method
        .as_deref()
        .unwrap_or("POST")
        .to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(ApiError::validation(
            "method",
            format!("method must be one of {}", METHODS.join(", ")),
        ));
    }
    if body.headers.len() > MAX_HEADERS
        || body
            .headers
            .iter()
            .any(|(name, value)| name.len() + value.len() > MAX_HEADER_BYTES)
    {
        return Err(ApiError::validation(
            "headers",
            format!("send at most {MAX_HEADERS} headers of at most {MAX_HEADER_BYTES} bytes each"),
        ));
    }
    if body.body.len() > MAX_PAYLOAD_BYTES {
        return Err(payload_too_large(body.body.len()));
    }
    let version = match body.version.as_deref().unwrap_or("head") {
        "head" => function.head_version,
        "deployed" => function.deployed_version.ok_or_else(|| {
            ApiError::unprocessable(format!(
                "function {:?} has not been deployed yet; test the head version or deploy it first",
                function.slug
            ))
        })?,
        other => {
            return Err(ApiError::validation(
                "version",
                format!("version is {other:?}; use \"head\" or \"deployed\""),
            ));
        }
    };
    let code = state
        .store
        .function_version(&function.id, version)
        .await?
        .ok_or_else(|| ApiError::internal(&"a function's version is missing"))?
        .code;
    let target = state
        .invoker
        .target(&membership.project.id, &function.id)
        .await?
        .ok_or_else(|| super::no_such_function(&membership.project.slug, &function.slug))?;
    let ran = state
        .invoker
        .trial(
            &target,
            Trial {
                version,
                code,
                method,
                headers: body.headers.into_iter().collect(),
                body: body.body.into_bytes(),
                viewer_user_id: viewer.user.id.clone(),
            },
        )
        .await?;
    Ok(ApiJson(TestResult {
        version,
        status: ran.status,
        headers: ran
            .headers
            .into_iter()
            .map(|(name, value)| HeaderView { name, value })
            .collect(),
        body: String::from_utf8_lossy(&ran.body).into_owned(),
        logs: ran.logs,
        logs_truncated: ran.logs_truncated,
        duration_ms: ran.duration_ms,
        error: ran.error.map(|(code, message, stack)| InvocationErrorView {
            code,
            message,
            stack,
        }),
    }))
}
