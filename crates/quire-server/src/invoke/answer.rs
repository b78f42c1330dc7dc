//! What a caller gets back from a run: the function's own response, passed through an
//! allow-list of headers on the invoke route or as the bridge's answer to a page, and a failed
//! run as a Quire error (secret values cut out, see [`super::redact`]).

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quire_functions::{HttpResponse, InvokeError};

use super::Via;
use super::redact::Redactor;
use super::run::Ran;
use crate::errors::ApiError;

/// The answer to a call that came `via`: a page gets the bridge's answer ([`to_page`]), the
/// invoke route the function's own response ([`pass_through`]) even when its status says it
/// failed; any other failure is a Quire error ([`invoke_error`]).
pub(super) fn answer(ran: Ran, via: Via, public_url: &str) -> Response {
    match (ran.result, via) {
        (Ok(response), Via::Page) => to_page(response),
        (
            Ok(response) | Err(InvokeError::BadStatus { response, .. }),
            Via::Api | Via::Public | Via::Test,
        ) => pass_through(response, public_url, &ran.redactor),
        (Err(error), _) => invoke_error(&error, &ran.redactor).into_response(),
    }
}

/// A successful run as the bridge answers it: status 200 with the function's body and content
/// type, whatever its 2xx status and other headers.
fn to_page(response: HttpResponse) -> Response {
    let content_type = response
        .header("content-type")
        .unwrap_or("text/plain;charset=UTF-8")
        .to_owned();
    let mut answer = (StatusCode::OK, response.body).into_response();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        answer.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    answer
}

/// The stable code of a runtime error, as the API reports it.
pub(super) fn error_code(error: &InvokeError) -> &'static str {
    match error {
        InvokeError::Timeout { .. } => "function_timeout",
        InvokeError::CpuLimit { .. } => "function_cpu_limit",
        InvokeError::OutOfMemory { .. } => "function_out_of_memory",
        InvokeError::TooManyRequests { .. } => "function_fetch_limit",
        InvokeError::ResponseTooLarge { .. } => "function_response_too_large",
        InvokeError::LogTooLarge { .. } => "function_log_limit",
        InvokeError::Thrown { .. } | InvokeError::BadStatus { .. } => "function_error",
        InvokeError::InvalidResponse(_) => "function_invalid_response",
        InvokeError::Load(_) => "function_load_error",
        InvokeError::Internal(_) => "function_runtime_error",
    }
}

/// A failed run as a Quire error: the function's status when it answered >= 400, else 502,
/// with the function's message (secret values cut out, see [`redact`]).
fn invoke_error(error: &InvokeError, redactor: &Redactor) -> ApiError {
    let status = match error {
        InvokeError::BadStatus { status, .. } => {
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
        }
        _ => StatusCode::BAD_GATEWAY,
    };
    ApiError::new(
        status,
        error_code(error),
        redactor.redact(&error.to_string()),
    )
}

/// Response headers a function may set on the app origin: what describes and caches its body.
/// Anything else is dropped, notably `Set-Cookie`, CORS (the server alone decides it),
/// `Clear-Site-Data`, `Refresh`, `Link`, security policies and hop-by-hop headers. `Location`
/// is checked on its own ([`same_origin_location`]).
const ALLOWED_RESPONSE_HEADERS: [&str; 10] = [
    "content-type",
    "content-language",
    "content-disposition",
    "cache-control",
    "expires",
    "etag",
    "last-modified",
    "vary",
    "retry-after",
    "location",
];

/// `X-` headers a function may not set although custom ones pass: those that set a browser
/// security policy, name the request (the server's own id), belong to Quire, or tell a proxy
/// in front to serve something else (a file, an internal location).
const DENIED_X_HEADERS: [&str; 9] = [
    "x-frame-options",
    "x-content-type-options",
    "x-xss-protection",
    "x-dns-prefetch-control",
    "x-permitted-cross-domain-policies",
    "x-download-options",
    "x-ua-compatible",
    "x-request-id",
    "x-sendfile",
];
const DENIED_X_PREFIXES: [&str; 4] = ["x-quire-", "x-accel-", "x-forwarded-", "x-lighttpd-"];

/// Whether a function may answer with header `name` (lower case).
fn allowed_response_header(name: &str) -> bool {
    if ALLOWED_RESPONSE_HEADERS.contains(&name) {
        return true;
    }
    name.starts_with("x-")
        && !DENIED_X_HEADERS.contains(&name)
        && !DENIED_X_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

/// Whether `location`, resolved as a browser would against the app's URL, stays on its origin.
/// The app URL is parsed only for an answer that has a `Location`, not on every call.
fn same_origin_location(public_url: &str, location: &str) -> bool {
    url::Url::parse(public_url).is_ok_and(|app| {
        app.join(location)
            .is_ok_and(|target| target.origin() == app.origin())
    })
}

/// The function's own response as the HTTP invoke route's answer: its status, body and the
/// headers of [`ALLOWED_RESPONSE_HEADERS`] and custom `X-` ones. The body is never rendered as
/// a document of the app origin (`Content-Disposition: attachment` unless the function chose an
/// attachment), and a redirect never leaves the app origin (`public_url`): a `Location`
/// elsewhere on a redirect answers 502 (naming it with secret values cut out), on any other
/// status it is dropped.
fn pass_through(response: HttpResponse, public_url: &str, redactor: &Redactor) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    let mut refused_location = None;
    // The function's headers alone: a body turned into a response would bring a content type
    // of its own, and the function's would then be a second one.
    let mut answer = Response::new(axum::body::Body::from(response.body));
    *answer.status_mut() = status;
    let headers = answer.headers_mut();
    for (name, value) in &response.headers {
        let lower = name.to_ascii_lowercase();
        if !allowed_response_header(&lower) {
            continue;
        }
        if lower == "location" && !same_origin_location(public_url, value) {
            refused_location = Some(value.clone());
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(lower.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    if let Some(location) = refused_location
        && status.is_redirection()
    {
        return ApiError::new(
            StatusCode::BAD_GATEWAY,
            "function_redirect_refused",
            format!(
                "the function redirected to {:?}, off this server's origin; a function may only redirect within {public_url}",
                redactor.redact(&location)
            ),
        )
        .into_response();
    }
    let attachment = headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("attachment")
        });
    if !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
    }
    if !attachment {
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    answer
}
