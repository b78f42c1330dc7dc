//! `GET /s/{token}`: a page shared by a public link, full-screen, for people without an
//! account. A working link gets the app (which shows the page's published version in its
//! sandboxed frame, mode `public`), framed by Quire and the link's allowed origins only; any
//! other gets a page that says the link no longer works.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{Slot, serve};
use crate::pages::public_links::open;
use crate::state::AppState;

pub(super) async fn page(
    State((slot, state)): State<(Arc<Slot>, AppState)>,
    Path(token): Path<String>,
) -> Response {
    match open(&state, &token).await {
        Ok(opened) => {
            let mut ancestors = vec!["'self'".to_owned()];
            ancestors.extend(opened.link.allowed_origins.iter().cloned());
            serve::shared_document(slot, ancestors.join(" ")).await
        }
        Err(error) if error.status == StatusCode::NOT_FOUND => serve::notice(
            StatusCode::NOT_FOUND,
            "This link no longer works",
            "The page it showed was unpublished, or the link was turned off or has expired. Ask whoever shared it for a new one.",
        ),
        Err(error) => {
            tracing::warn!(message = %error.message, "cannot open a public link");
            serve::unavailable()
        }
    }
}
