//! `POST /api/v1/projects/{p}/whatsapp/connections/{c}/test-event`: a text from the test
//! contact "Quire test", signed with the connection's app secret and received as Meta's
//! deliveries are; answers the conversation and message it made.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::connection_for;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::inbox::test_event::send_test_event;
use crate::json::ApiJson;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct TestEventView {
    pub conversation_id: String,
    pub message_id: String,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/whatsapp/connections/{c}/test-event", tag = "whatsapp",
    params(("p" = String, Path, description = "project id or slug"), ("c" = String, Path, description = "connection id")),
    responses((status = 200, body = TestEventView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "the app secret cannot be decrypted (the server's key changed): set it again")))]
pub async fn test_event(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, connection)): Path<(String, String)>,
) -> Result<ApiJson<TestEventView>, ApiError> {
    let (_, connection) = connection_for(&state, &viewer, &project, &connection).await?;
    let (conversation_id, message_id) = send_test_event(&state, &connection).await?;
    Ok(ApiJson(TestEventView {
        conversation_id,
        message_id,
    }))
}
