//! Who may see and open a page: [`load`] finds a page as a viewer may see it (members see
//! published pages only), [`version_for_mode`] the version they may open it at.

use quire_compiler::Lock;
use quire_store::{INBOX_MOUNT_POINT, Membership, Page, PageStatus, PageVersion, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{InboxAccess, Viewer};
use crate::errors::ApiError;
use crate::state::AppState;
use crate::validate::shown;

/// The page `page` (id or slug) of `project` as `viewer` may see it, with their membership.
/// Members see published pages only: a draft is 404 to them, as if it did not exist.
pub async fn load(
    state: &AppState,
    viewer: &Viewer,
    project: &str,
    page: &str,
    needed: Role,
) -> Result<(Membership, Page), ApiError> {
    let membership = viewer.require(state, project, needed).await?;
    let found = find(state, &membership, page).await?;
    Ok((membership, found))
}

/// The page `page` (id or slug) as a member with `membership` may see it.
async fn find(state: &AppState, membership: &Membership, page: &str) -> Result<Page, ApiError> {
    state
        .store
        .page(&membership.project.id, page)
        .await?
        .filter(|p| is_editor(membership) || p.status == PageStatus::Published)
        .ok_or_else(|| no_such_page(membership, page))
}

/// The page `page` as an inbox caller may open it in `mode`: a member as [`load`] finds it;
/// an embedded inbox only the project's page mounted in the inbox, published, in `embedded`
/// mode (any other page is 404 to it, as if it did not exist).
pub async fn load_for_inbox(
    state: &AppState,
    access: &InboxAccess,
    page: &str,
    mode: Mode,
) -> Result<Page, ApiError> {
    let found = find(state, &access.membership, page).await?;
    if access.embed().is_none() {
        return Ok(found);
    }
    if mode != Mode::Embedded {
        return Err(ApiError::forbidden(format!(
            "an embedded inbox opens pages in embedded mode only, not {}",
            mode.as_str()
        )));
    }
    if found.mount_point.as_deref() != Some(INBOX_MOUNT_POINT) {
        return Err(no_such_page(&access.membership, page));
    }
    Ok(found)
}

/// [`load`] for the owners and admins about to build the page's next version, with the npm
/// lock its head built with, in the same read.
pub async fn load_with_head_lock(
    state: &AppState,
    viewer: &Viewer,
    project: &str,
    page: &str,
) -> Result<(Membership, Page, Option<Lock>), ApiError> {
    let membership = viewer.require(state, project, Role::Admin).await?;
    // Owners and admins see drafts too: any page found is theirs to build.
    let (found, head_lock) = state
        .store
        .page_with_head_lock(&membership.project.id, page)
        .await?
        .ok_or_else(|| no_such_page(&membership, page))?;
    Ok((membership, found, head_lock))
}

fn no_such_page(membership: &Membership, page: &str) -> ApiError {
    ApiError::not_found(format!(
        "no page {} in project {:?}",
        shown(page),
        membership.project.slug
    ))
}

/// Owners and admins edit pages and see drafts.
pub fn is_editor(membership: &Membership) -> bool {
    membership.role >= Role::Admin
}

/// How a page is opened: by its editors before publishing, by members, or inside the inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The head version, for owners and admins.
    Preview,
    /// The published version, for every member.
    Regular,
    /// The published version, mounted in the inbox.
    Embedded,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preview => "preview",
            Self::Regular => "regular",
            Self::Embedded => "embedded",
        }
    }
}

/// The version `viewer` may open `page` at in `mode`: the head for editors in preview, the
/// published version otherwise. Answers 403 to a member asking for a preview and 404 when
/// nothing is published.
pub async fn version_for_mode(
    state: &AppState,
    membership: &Membership,
    page: &Page,
    mode: Mode,
) -> Result<PageVersion, ApiError> {
    let number = match mode {
        Mode::Preview => {
            if !is_editor(membership) {
                return Err(ApiError::forbidden(format!(
                    "previews of unpublished versions are for owners and admins; you are {} in project {:?}",
                    membership.role, membership.project.slug
                )));
            }
            page.head_version.ok_or_else(|| {
                ApiError::not_found(format!(
                    "page {:?} has no saved version yet; save its source first",
                    page.slug
                ))
            })?
        }
        Mode::Regular | Mode::Embedded => page.published_version.ok_or_else(|| {
            ApiError::not_found(format!(
                "page {:?} is not published; publish a version to open it in {} mode",
                page.slug,
                mode.as_str()
            ))
        })?,
    };
    let version = state
        .store
        .page_version(&page.id, number)
        .await?
        .ok_or_else(|| ApiError::internal(&"a page points at a version that does not exist"))?;
    if !version.build_ok {
        return Err(ApiError::unprocessable(format!(
            "version {number} of page {:?} did not build; fix the errors the save reported and save again",
            page.slug
        )));
    }
    Ok(version)
}
