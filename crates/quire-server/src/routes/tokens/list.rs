//! `GET /api/v1/tokens`: the caller's live tokens, without their secrets.

use axum::extract::State;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::routes::views::TokenView;
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, body = Vec<TokenView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<ApiJson<Vec<TokenView>>, ApiError> {
    viewer.require_unlimited()?;
    let tokens = state.store.list_api_tokens(&viewer.user.id).await?;
    Ok(ApiJson(tokens.iter().map(TokenView::from).collect()))
}
