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

#[cfg(test)]
mod tests {
    /// Every handler takes these, never axum's own, so no route answers a bad path or query
    /// in plain text.
    #[test]
    fn no_route_uses_axums_path_or_query() {
        fn visit(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    visit(&path, found);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for line in text.lines().filter(|l| l.starts_with("use axum::extract")) {
                    let names = line.trim_start_matches("use axum::extract::");
                    let names = names.trim_matches(|c| "{};".contains(c));
                    if names
                        .split(',')
                        .any(|n| matches!(n.trim(), "Path" | "Query"))
                    {
                        found.push(format!("{}: {line}", path.display()));
                    }
                }
            }
        }
        let mut found = Vec::new();
        visit(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes"),
            &mut found,
        );
        assert!(
            found.is_empty(),
            "use crate::extract::{{Path, Query}} instead: {found:#?}"
        );
    }
}
