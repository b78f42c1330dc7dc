//! `POST /api/v1/projects/{p}/inbox-embeds`: a new embedded inbox, for owners and admins. The
//! token and the embed URL are in this response only; the server keeps the token's SHA-256.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::{NewInboxEmbed, new_id};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{EmbedTheme, EmbedView, expiry};
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::inbox::embeds::new_token;
use crate::json::ApiJson;
use crate::routes::whatsapp::create::check_phone_number_id;
use crate::state::AppState;
use crate::validate::{self, check_origins, shown};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmbedRequest {
    pub name: String,
    /// Show only this number's conversations (Meta's phone number id of one of the
    /// project's connections); leave it out for every number.
    pub phone_number_id: Option<String>,
    /// The sites that may show it in a frame: `https://host[:port]`, a `*.` first label for
    /// any subdomain (1 to 20).
    #[schema(example = json!(["https://support.example.com"]))]
    pub allowed_origins: Vec<String>,
    /// Days until it stops working (1 to 3,650); leave it out for no expiry.
    pub expires_in_days: Option<u32>,
    /// `system` unless given.
    pub theme: Option<EmbedTheme>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedEmbed {
    pub embed: EmbedView,
    /// The secret; shown only in this response.
    pub token: String,
    /// What the site's frame opens: `<app>/embed/inbox?token=…`.
    pub url: String,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/inbox-embeds", tag = "inbox", request_body = CreateEmbedRequest,
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 201, body = CreatedEmbed), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
    ApiJson(body): ApiJson<CreateEmbedRequest>,
) -> Result<(StatusCode, ApiJson<CreatedEmbed>), ApiError> {
    let membership = viewer
        .require(&state, &project, quire_store::Role::Admin)
        .await?;
    validate::name("name", &body.name)?;
    let origins = check_origins("allowed_origins", &body.allowed_origins)?;
    let expires_at = expiry(body.expires_in_days)?;
    if let Some(number) = &body.phone_number_id {
        check_phone_number_id(number)?;
        let connected = state
            .store
            .whatsapp_connection_for_number(&membership.project.id, number)
            .await?;
        if connected.is_none() {
            return Err(ApiError::validation(
                "phone_number_id",
                format!(
                    "project {:?} has no WhatsApp connection for phone number id {}; pick one of its numbers (GET …/whatsapp/connections), or leave phone_number_id out for all of them",
                    membership.project.slug,
                    shown(number)
                ),
            ));
        }
    }
    let (hash, token, hint) = new_token();
    let id = new_id();
    let new = NewInboxEmbed {
        id: &id,
        project_id: &membership.project.id,
        name: body.name.trim(),
        token_hash: &hash,
        token_hint: &hint,
        phone_number_id: body.phone_number_id.as_deref(),
        allowed_origins: &origins,
        theme: body.theme.unwrap_or(EmbedTheme::System).as_str(),
        expires_at,
    };
    let embed = state
        .store
        .create_inbox_embed(&new, &viewer.user.id)
        .await?;
    let url = format!("{}/embed/inbox?token={token}", state.config.public_url);
    Ok((
        StatusCode::CREATED,
        ApiJson(CreatedEmbed {
            embed: EmbedView::from(&embed),
            token,
            url,
        }),
    ))
}
