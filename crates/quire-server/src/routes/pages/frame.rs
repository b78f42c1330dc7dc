//! `POST /api/v1/projects/{p}/pages/{page}/frame {mode}`: what the host needs to show a page:
//! a signed, expiring artifact URL on the usercontent origin with a fresh bridge nonce in its
//! fragment, and the context the bridge hands to the page.
//!
//! `preview` opens the head version and is for owners and admins; `regular` and `embedded`
//! open the published version, for every member. The nonce is not stored: the host keeps it
//! and accepts the page's hello only with it. With a `conversation_id` (the inbox's Page tab),
//! the context names that conversation of the same project, and its metadata is the context's.
//! An embedded inbox opens only the page mounted in the inbox, published, in `embedded` mode,
//! beside conversations in its scope; its context has no viewer (`viewerUserId: null`).

use axum::extract::State;
use quire_store::{Conversation, Page, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::artifacts;
use crate::auth::{InboxAccess, InboxCaller};
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::{Mode, load_for_inbox, version_for_mode};
use crate::routes::conversations::find as find_conversation;
use crate::state::AppState;
use crate::validate::timestamp;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FrameRequest {
    pub mode: Mode,
    /// The inbox conversation the page is shown beside: the context's `conversation` names
    /// it and its `metadata` is the conversation's. Null when the page stands alone.
    pub conversation_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FrameView {
    /// The artifact's signed URL on the usercontent origin, valid for 10 minutes, with
    /// `#nonce=<nonce>` as its fragment.
    pub url: String,
    /// The one-time value the page's `kapso:hello` must carry.
    pub nonce: String,
    pub expires_at: String,
    /// What `kapso.getContext()` answers: `{system:{projectId, pageId, viewerUserId,
    /// mountPoint, mode, theme}, context:{conversation}, vars, metadata}`.
    #[schema(value_type = Object)]
    pub context: serde_json::Value,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/pages/{page}/frame", tag = "pages", request_body = FrameRequest,
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 200, body = FrameView),
        (status = 403, body = ErrorBody, description = "a member asked for a preview, or an embedded inbox for another mode than `embedded`"),
        (status = 404, body = ErrorBody, description = "no such page, nothing published for regular and embedded mode, or no such conversation in the project"),
        (status = 422, body = ErrorBody, description = "the version to show did not build")))]
pub async fn frame(
    State(state): State<AppState>,
    caller: InboxCaller,
    Path((project, page)): Path<(String, String)>,
    ApiJson(body): ApiJson<FrameRequest>,
) -> Result<ApiJson<FrameView>, ApiError> {
    if let Some(id) = &body.conversation_id
        && (id.is_empty() || id.len() > 200)
    {
        return Err(ApiError::validation(
            "conversation_id",
            "conversation_id must be a conversation's id (1 to 200 characters)",
        ));
    }
    let access = caller.require(&state, &project, Role::Member).await?;
    let page = load_for_inbox(&state, &access, &page, body.mode).await?;
    let conversation = match &body.conversation_id {
        Some(id) => Some(find_conversation(&state, &access, id).await?),
        None => None,
    };
    let membership = &access.membership;
    let version = version_for_mode(&state, membership, &page, body.mode).await?;
    let sha256 = version
        .artifact_sha256
        .as_deref()
        .ok_or_else(|| ApiError::internal(&"a version that built has no artifact"))?;
    Ok(ApiJson(frame_view(
        &state,
        &Viewing::of(&access, body.mode),
        &page,
        sha256,
        conversation.as_ref(),
    )))
}

/// Who a frame is for: what its context and its signed URL carry.
pub struct Viewing<'a> {
    pub project_id: &'a str,
    /// Null for an embedded inbox and a public link.
    pub viewer_user_id: Option<&'a str>,
    /// `preview`, `regular`, `embedded` or `public`.
    pub mode: &'a str,
    /// Origins besides the app's that may frame the page (an embed's or a link's sites).
    pub framed_by: &'a [String],
}

impl<'a> Viewing<'a> {
    /// A member's or an embedded inbox's view in `mode`.
    pub fn of(access: &'a InboxAccess, mode: Mode) -> Self {
        Self {
            project_id: &access.membership.project.id,
            viewer_user_id: access.user_id(),
            mode: mode.as_str(),
            framed_by: access
                .embed()
                .map_or(&[][..], |embed| &embed.allowed_origins[..]),
        }
    }
}

/// What the host needs to show artifact `sha256` of `page` as `viewing` says (beside
/// `conversation`, in the inbox): its signed URL with a fresh nonce, and the context the
/// bridge hands the page.
pub fn frame_view(
    state: &AppState,
    viewing: &Viewing<'_>,
    page: &Page,
    sha256: &str,
    conversation: Option<&Conversation>,
) -> FrameView {
    let signed = artifacts::sign_url(
        state,
        sha256,
        &page.id,
        viewing.mode,
        artifacts::now_secs(),
        viewing.framed_by,
    );
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    let context = page_context(
        viewing.project_id,
        &page.id,
        viewing.viewer_user_id,
        page.mount_point.as_deref(),
        viewing.mode,
        conversation,
    );
    FrameView {
        url: format!("{}#nonce={nonce}", signed.url),
        nonce,
        expires_at: timestamp(signed.expires_at * 1000),
        context,
    }
}

/// What `kapso.getContext()` answers for page `page_id` shown in `mode` (beside
/// `conversation`, in the inbox): `{system, context: {conversation}, vars, metadata}`. Also
/// what `quire dev --offline` grants, so both have one shape.
pub fn page_context(
    project_id: &str,
    page_id: &str,
    viewer_user_id: Option<&str>,
    mount_point: Option<&str>,
    mode: &str,
    conversation: Option<&Conversation>,
) -> serde_json::Value {
    json!({
        "system": {
            "projectId": project_id,
            "pageId": page_id,
            "viewerUserId": viewer_user_id,
            "mountPoint": mount_point,
            "mode": mode,
            "theme": "light",
        },
        "context": { "conversation": conversation.map(conversation_context) },
        "vars": {},
        "metadata": conversation.map_or_else(|| json!({}), |c| c.metadata.clone()),
    })
}

/// A conversation as `kapso.getContext()` names it (Kapso's `KapsoConversation`).
fn conversation_context(conversation: &Conversation) -> serde_json::Value {
    json!({
        "id": conversation.id,
        "phoneNumber": conversation.phone_number,
        "whatsappContactId": conversation.contact_key,
        "whatsappConfigId": conversation.whatsapp_config_id,
        "whatsappPhoneNumberId": conversation.whatsapp_phone_number_id,
        "contactName": conversation.contact_name,
    })
}
