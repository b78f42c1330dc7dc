//! `POST /api/v1/projects/{p}/pages`: creates a page, empty or from a source or a template;
//! with one, the first version is compiled and stored in the same transaction.

use axum::extract::State;
use axum::http::StatusCode;
use quire_store::{NewPage, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::Path;
use crate::json::ApiJson;
use crate::pages::{
    Built, check_source_size, compile, validate_dependencies, validate_description,
    validate_page_fields,
};
use crate::routes::pages::{PageView, SaveView};
use crate::state::AppState;
use crate::templates;
use crate::validate;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePageRequest {
    pub name: String,
    /// `[a-z0-9-]{1,64}`, unique in the project.
    pub slug: String,
    #[serde(default)]
    pub description: String,
    /// The first version's TSX source. Give this or `template`, or neither for an empty page.
    pub source: Option<String>,
    /// Start from a template: `blank` or `dashboard`.
    pub template: Option<String>,
    /// npm dependencies of the first version: name → version range.
    #[serde(default)]
    pub dependencies: std::collections::BTreeMap<String, String>,
    /// Mount the page in the inbox's conversation sidebar (one page per project).
    #[serde(default)]
    pub inbox_mount: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedPageView {
    #[serde(flatten)]
    pub page: PageView,
    /// The first version and its build, when a source or template was given. A failed build
    /// still creates the page and keeps the source (`build.ok` is false).
    pub first: Option<SaveView>,
}

#[utoipa::path(post, path = "/api/v1/projects/{p}/pages", tag = "pages", request_body = CreatePageRequest,
    params(("p" = String, Path, description = "project id or slug")),
    responses((status = 201, body = CreatedPageView, description = "created; with a source, `first.build.ok` tells whether it compiled"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "the slug is taken, or another page holds the inbox mount point (the message names it)"),
        (status = 413, body = ErrorBody, description = "`source_too_large`: the source is over 1 MiB; nothing was created")))]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
    ApiJson(body): ApiJson<CreatePageRequest>,
) -> Result<(StatusCode, ApiJson<CreatedPageView>), ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    validate_page_fields(&body.name, &body.slug)?;
    validate_description(&body.description)?;
    validate_dependencies(&body.dependencies)?;
    let source = match (body.source, body.template.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "give either a source or a template, not both",
            ));
        }
        (Some(source), None) => {
            check_source_size(&source)?;
            Some(source)
        }
        (None, Some(name)) => Some(
            templates::find(name)
                .ok_or_else(|| {
                    ApiError::validation(
                        "template",
                        format!(
                            "no template {}; the templates are {}",
                            validate::shown(name),
                            templates::names()
                        ),
                    )
                })?
                .source
                .to_owned(),
        ),
        (None, None) => None,
    };
    let built = match source {
        Some(source) => Some(
            compile(
                &state,
                &membership.project.id,
                source,
                body.dependencies,
                None,
            )
            .await?,
        ),
        None => None,
    };
    let new = NewPage {
        project_id: &membership.project.id,
        name: body.name.trim(),
        slug: &body.slug,
        description: &body.description,
        inbox_mount: body.inbox_mount,
    };
    let first = built.as_ref().map(Built::version);
    let (page, version) = state
        .store
        .create_page(&new, first.as_ref(), &viewer.user.id)
        .await?;
    Ok((
        StatusCode::CREATED,
        ApiJson(CreatedPageView {
            page: PageView::from(&page),
            first: version.as_ref().map(SaveView::from),
        }),
    ))
}
