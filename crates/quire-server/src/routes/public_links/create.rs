//! `POST /api/v1/projects/{p}/pages/{page}/public-links {functions, expires_in_days?,
//! allowed_origins?}`: a link to the page's published version for people without an account,
//! for owners and admins. The token and URL are in this response only.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::{NewPublicLink, Role, new_id, now_ms};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::LinkView;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::load;
use crate::pages::public_links::new_token;
use crate::state::AppState;
use crate::validate::{check_origins, shown};

/// The longest a link may be given; longer is what no expiry is for.
const MAX_EXPIRES_IN_DAYS: u32 = 3650;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLinkRequest {
    /// Slugs of the project's functions the page may call through the link; every other
    /// call is refused. Empty: none.
    #[serde(default)]
    pub functions: Vec<String>,
    /// Days until it stops working (1 to 3,650); leave it out for no expiry.
    pub expires_in_days: Option<u32>,
    /// Sites that may show the page in a frame besides Quire (`https://host[:port]`, `*.`
    /// for subdomains); leave it out for none.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedLink {
    pub link: LinkView,
    /// The secret; shown only in this response.
    pub token: String,
    /// `<app>/s/<token>`: what to share.
    pub url: String,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/pages/{page}/public-links", tag = "pages", request_body = CreateLinkRequest,
    params(("p" = String, Path, description = "project id or slug"), ("page" = String, Path, description = "page id or slug")),
    responses((status = 201, body = CreatedLink), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the page is not published")))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((project, page)): Path<(String, String)>,
    ApiJson(body): ApiJson<CreateLinkRequest>,
) -> Result<(StatusCode, ApiJson<CreatedLink>), ApiError> {
    let (membership, page) = load(&state, &viewer, &project, &page, Role::Admin).await?;
    if page.published_version.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_published",
            format!(
                "page {:?} is not published; a link shows the published version only, so publish it first",
                page.slug
            ),
        ));
    }
    let mut functions: Vec<String> = Vec::with_capacity(body.functions.len());
    for slug in &body.functions {
        let exists = slug.len() <= 256
            && state
                .store
                .function(&membership.project.id, slug)
                .await?
                .is_some_and(|f| f.slug == *slug);
        if !exists {
            return Err(ApiError::validation(
                "functions",
                format!(
                    "project {:?} has no function with slug {}; name functions by their slug",
                    membership.project.slug,
                    shown(slug)
                ),
            ));
        }
        if !functions.contains(slug) {
            functions.push(slug.clone());
        }
    }
    let origins = if body.allowed_origins.is_empty() {
        Vec::new()
    } else {
        check_origins("allowed_origins", &body.allowed_origins)?
    };
    let expires_at = match body.expires_in_days {
        None => None,
        Some(days) if (1..=MAX_EXPIRES_IN_DAYS).contains(&days) => {
            Some(now_ms() + i64::from(days) * 86_400_000)
        }
        Some(_) => {
            return Err(ApiError::validation(
                "expires_in_days",
                format!(
                    "expires_in_days is a number of days from 1 to {MAX_EXPIRES_IN_DAYS}; leave it out for a link that never expires"
                ),
            ));
        }
    };
    let (hash, token, hint) = new_token();
    let id = new_id();
    let new = NewPublicLink {
        id: &id,
        project_id: &membership.project.id,
        page_id: &page.id,
        token_hash: &hash,
        token_hint: &hint,
        functions: &functions,
        allowed_origins: &origins,
        expires_at,
    };
    let link = state
        .store
        .create_public_link(&new, &viewer.user.id)
        .await?;
    let url = format!("{}/s/{token}", state.config.public_url);
    Ok((
        StatusCode::CREATED,
        ApiJson(CreatedLink {
            link: LinkView::from(&link),
            token,
            url,
        }),
    ))
}
