//! Axum's `Path` and `Query` extractors with Quire's error shape: a path segment that is not
//! UTF-8 or a query string that does not fit the route answers the JSON error body, not
//! axum's plain text. Named as axum's, so a handler imports them in their place.

use axum::extract::FromRequestParts;

use crate::errors::ApiError;

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);
