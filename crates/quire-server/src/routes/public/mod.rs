//! What a public link's holder may do, without an account: open the page it shows
//! (`POST /api/v1/public/frame`) and call the functions the link lists through the page's
//! bridge (`POST /api/v1/public/invoke`). The link's token is the credential, sent as
//! `Authorization: Bearer quire_link_…`; a link that no longer works, or whose page is no
//! longer published, is 404 `link_gone` to every call.

pub mod frame;
pub mod invoke;

use axum::http::HeaderMap;

use crate::auth::bearer_token;
use crate::errors::ApiError;
use crate::pages::public_links::{Opened, gone, open};
use crate::state::AppState;

/// The link the request's bearer token opens, with its page.
async fn opened(state: &AppState, headers: &HeaderMap) -> Result<Opened, ApiError> {
    let token = bearer_token(headers)?.ok_or_else(gone)?;
    open(state, token).await
}
