//! The API's one error type.
//!
//! Policy: every handler returns `Result<_, ApiError>`. Errors the caller can fix (bad input,
//! missing rights, conflicts) carry a message that says what to change; errors the caller
//! cannot fix are logged with their cause and answered with a generic 500 and the request id.
//! The body is always `{"error":{"code","message","details"}}`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Boxed so `Result<_, ApiError>` stays small (`serde_json`'s `preserve_order` makes a
    /// `Value` 72 bytes).
    pub details: Box<Value>,
    retry_after_secs: Option<u64>,
}

/// The JSON body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code such as `not_found` or `validation`.
    pub code: String,
    /// What went wrong and what to do, for a person.
    pub message: String,
    /// More about the error where there is more to say (e.g. `{"field": "slug"}`), else null.
    #[schema(value_type = Option<Object>)]
    pub details: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Box::new(Value::Null),
            retry_after_secs: None,
        }
    }

    #[must_use]
    pub fn with_details(mut self, details: Value) -> Self {
        *self.details = details;
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// Bad input in one field: the details name it.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "validation", message)
            .with_details(serde_json::json!({ "field": field }))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", message)
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    pub fn too_many_requests(retry_after_secs: u64, message: impl Into<String>) -> Self {
        let mut error = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
        error.retry_after_secs = Some(retry_after_secs);
        error
    }

    /// An error the caller cannot fix: the cause goes to the log, not to the client.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on the server; the request id in the x-request-id header finds it in the log",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                details: *self.details,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<quire_store::StoreError> for ApiError {
    fn from(error: quire_store::StoreError) -> Self {
        use quire_store::StoreError;
        match error {
            StoreError::Conflict { what } => {
                Self::conflict(format!("{what} already exists; choose another"))
            }
            StoreError::NotFound { what } => Self::not_found(format!("{what} not found")),
            StoreError::MountPointTaken {
                ref mount_point,
                ref page_name,
                ref page_slug,
            } => Self::new(StatusCode::CONFLICT, "mount_point_taken", error.to_string())
                .with_details(serde_json::json!({
                    "mount_point": mount_point,
                    "page": { "name": page_name, "slug": page_slug },
                })),
            StoreError::HeadMoved {
                base,
                head,
                ref author,
                saved_at,
            } => {
                let who = author.as_deref().unwrap_or("someone whose account is gone");
                Self::new(
                    StatusCode::CONFLICT,
                    "head_moved",
                    format!(
                        "version {head} was saved by {who} at {} after version {base}, which this save started from; nothing was saved. Open version {head}, bring your changes over and save again",
                        crate::validate::timestamp(saved_at)
                    ),
                )
                .with_details(serde_json::json!({
                    "base_version": base,
                    "head_version": head,
                    "author": author,
                    "saved_at": crate::validate::timestamp(saved_at),
                }))
            }
            StoreError::OverQuota { used, size, limit } => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "project_assets_too_large",
                error.to_string(),
            )
            .with_details(serde_json::json!({ "used": used, "size": size, "limit": limit })),
            StoreError::AssetGone { .. } => {
                Self::new(StatusCode::CONFLICT, "asset_gone", error.to_string())
            }
            StoreError::LastOwner => Self::new(
                StatusCode::CONFLICT,
                "last_owner",
                StoreError::LastOwner.to_string(),
            ),
            other => Self::internal(&other),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with the header `Content-Type: application/json`",
            ),
            JsonRejection::JsonSyntaxError(error) => Self::bad_request(format!(
                "the body is not valid JSON: {}",
                cut(&source_text(&error))
            )),
            JsonRejection::JsonDataError(error) => Self::bad_request(format!(
                "the JSON body does not fit this route: {}",
                cut(&source_text(&error))
            )),
            JsonRejection::BytesRejection(error) => {
                Self::too_large(format!("could not read the body: {error}"))
            }
            other => Self::bad_request(cut(&other.body_text())),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        if rejection.status().is_server_error() {
            // A route whose template does not match its extractor: a bug, not the caller's.
            return Self::internal(&rejection.body_text());
        }
        Self::bad_request(format!(
            "the URL path is not valid: {}; ids and slugs are plain text",
            cut(&rejection.body_text())
        ))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad_request(format!(
            "the query string does not fit this route: {}; GET /api/v1/openapi.json lists each route's parameters",
            cut(&rejection.body_text())
        ))
    }
}

/// A parser's message, which may quote the input, cut to 200 characters.
fn cut(message: &str) -> String {
    match message.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message.to_owned(),
    }
}

/// serde's own message (`missing field `name` at line 1 column 2`) without axum's prefix.
fn source_text(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        message = inner.to_string();
        source = inner.source();
    }
    message
}

pub type ApiResult<T> = Result<T, ApiError>;
