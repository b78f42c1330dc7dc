//! `ApiJson<T>`: axum's JSON extractor with Quire's error shape for bad bodies.

use axum::extract::FromRequest;
use axum::response::{IntoResponse, Response};

use crate::errors::ApiError;

#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
