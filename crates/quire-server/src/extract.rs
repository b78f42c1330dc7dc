//! Axum's `Path` and `Query` extractors with Quire's error shape: a path segment that is not
//! UTF-8 or a query string that does not fit the route answers the JSON error body, not
//! axum's plain text. Path values are bounded too: they key caches and go into messages, and
//! an anonymous caller chooses them. Named as axum's, so a handler imports them in their place.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::errors::ApiError;
use crate::validate::MAX_REFERENCE_BYTES;

pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        // A segment that is not UTF-8 fails here and again, with its reason, below.
        if let Ok(raw) = RawPathParams::from_request_parts(parts, state).await
            && let Some((name, value)) = raw.iter().find(|(_, v)| v.len() > MAX_REFERENCE_BYTES)
        {
            return Err(ApiError::validation(
                name,
                format!(
                    "the {name} in the path is {} bytes; ids, slugs and e-mail addresses are at most {MAX_REFERENCE_BYTES}",
                    value.len()
                ),
            ));
        }
        let axum::extract::Path(value) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Self(value))
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);
