//! Project pages: create, list, read, settings, delete, save (store a version and compile it),
//! preview (compile without a version),
//! versions, publish / rollback / unpublish, frames (signed artifact URLs for the host) and
//! the bridge's function calls. Owners and admins edit; members list and open published
//! pages only.

pub mod create;
pub mod delete;
pub mod frame;
pub mod get;
pub mod invoke;
pub mod kapso_types;
pub mod list;
pub mod preview;
pub mod publish;
pub mod save;
pub mod unpublish;
pub mod update;
pub mod versions;

use std::collections::BTreeMap;

use quire_compiler::{Artifact, CompileInput, CompileOutput, Lock, NoProgress};
use quire_store::{Membership, NewArtifact, NewPageVersion, Page, PageStatus, PageVersion, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::ApiError;
use crate::state::AppState;
use crate::validate::{self, shown, timestamp};

/// At most this many pinned dependencies per page.
pub const MAX_DEPENDENCIES: usize = 64;
/// Descriptions are short.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// A page as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct PageView {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    /// `draft` (nothing served) or `published`.
    #[schema(example = "published")]
    pub status: String,
    /// The newest version's number; null before the first save.
    pub head_version: Option<i64>,
    /// The number of the version that is served; null while a draft.
    pub published_version: Option<i64>,
    /// Whether the page is mounted in the inbox's conversation sidebar.
    pub inbox_mount: bool,
    /// `inbox_conversation_sidebar` when mounted, else null.
    pub mount_point: Option<String>,
    /// The head version's npm dependencies: name → version range.
    pub dependencies: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Page> for PageView {
    fn from(page: &Page) -> Self {
        Self {
            id: page.id.clone(),
            project_id: page.project_id.clone(),
            name: page.name.clone(),
            slug: page.slug.clone(),
            description: page.description.clone(),
            status: page.status.to_string(),
            head_version: page.head_version,
            published_version: page.published_version,
            inbox_mount: page.inbox_mount,
            mount_point: page.mount_point.clone(),
            dependencies: page.dependencies.clone(),
            created_at: timestamp(page.created_at),
            updated_at: timestamp(page.updated_at),
        }
    }
}

/// The outcome of a compile.
#[derive(Serialize, ToSchema)]
pub struct BuildView {
    /// False when the compile failed: the source was still saved, nothing was published.
    pub ok: bool,
    /// Errors and warnings: `{severity, code, message, file, line, column, frame, help}`.
    #[schema(value_type = Vec<Object>)]
    pub diagnostics: serde_json::Value,
    /// The built artifact, when `ok`.
    pub artifact: Option<ArtifactView>,
}

#[derive(Serialize, ToSchema)]
pub struct ArtifactView {
    /// Lowercase hex SHA-256 of the HTML; the artifact's identity.
    pub sha256: String,
    /// Bytes of HTML.
    pub size: i64,
}

impl From<&Built> for BuildView {
    fn from(built: &Built) -> Self {
        Self {
            ok: built.output.ok(),
            diagnostics: serde_json::to_value(&built.output.diagnostics)
                .unwrap_or_else(|_| serde_json::Value::Array(Vec::new())),
            artifact: built.artifact().map(|artifact| ArtifactView {
                sha256: artifact.sha256.clone(),
                size: i64::try_from(artifact.html.len()).unwrap_or(i64::MAX),
            }),
        }
    }
}

impl From<&PageVersion> for BuildView {
    fn from(version: &PageVersion) -> Self {
        Self {
            ok: version.build_ok,
            diagnostics: version.diagnostics.clone(),
            artifact: version.artifact_sha256.as_ref().map(|sha256| ArtifactView {
                sha256: sha256.clone(),
                size: version.artifact_size.unwrap_or_default(),
            }),
        }
    }
}

/// A version's identity.
#[derive(Serialize, ToSchema)]
pub struct VersionRef {
    pub id: String,
    pub number: i64,
}

impl From<&PageVersion> for VersionRef {
    fn from(version: &PageVersion) -> Self {
        Self {
            id: version.id.clone(),
            number: version.number,
        }
    }
}

/// What a save (or a create with a source) answers: the stored version and its build.
#[derive(Serialize, ToSchema)]
pub struct SaveView {
    pub version: VersionRef,
    pub build: BuildView,
}

impl From<&PageVersion> for SaveView {
    fn from(version: &PageVersion) -> Self {
        Self {
            version: VersionRef::from(version),
            build: BuildView::from(version),
        }
    }
}

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
    let found = state
        .store
        .page(&membership.project.id, page)
        .await?
        .filter(|p| is_editor(&membership) || p.status == PageStatus::Published)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no page {} in project {:?}",
                shown(page),
                membership.project.slug
            ))
        })?;
    Ok((membership, found))
}

/// Owners and admins edit pages and see drafts.
pub fn is_editor(membership: &Membership) -> bool {
    membership.role >= Role::Admin
}

/// Checks a dependency map: package names and ranges of sane length, not too many.
pub fn validate_dependencies(dependencies: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if dependencies.len() > MAX_DEPENDENCIES {
        return Err(ApiError::validation(
            "dependencies",
            format!(
                "{} dependencies; a page may pin at most {MAX_DEPENDENCIES}",
                dependencies.len()
            ),
        ));
    }
    for (name, range) in dependencies {
        let name_ok = (1..=214).contains(&name.len())
            && !name.chars().any(|c| c.is_whitespace() || c.is_control());
        if !name_ok {
            return Err(ApiError::validation(
                "dependencies",
                format!("{} is not an npm package name", shown(name)),
            ));
        }
        if range.len() > 256 || range.chars().any(char::is_control) {
            return Err(ApiError::validation(
                "dependencies",
                format!(
                    "the version range of {} is not valid; use one like \"^1.2.0\"",
                    shown(name)
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses a source over the compiler's limit before anything is compiled or kept.
pub fn check_source_size(source: &str) -> Result<(), ApiError> {
    match quire_compiler::oversized_source(source) {
        Some((message, help)) => Err(ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "source_too_large",
            format!("{message}; nothing was saved. To fit: {help}"),
        )
        .with_details(serde_json::json!({
            "field": "source",
            "bytes": source.len(),
            "limit": quire_compiler::MAX_SOURCE_BYTES,
        }))),
        None => Ok(()),
    }
}

/// Checks a page description: bounded, and no control or text-direction characters but line
/// breaks and tabs.
pub fn validate_description(description: &str) -> Result<(), ApiError> {
    let chars = description.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        return Err(ApiError::validation(
            "description",
            format!("description has {chars} characters; the limit is {MAX_DESCRIPTION_CHARS}"),
        ));
    }
    validate::text("description", description)
}

/// Checks the fields every page has.
pub fn validate_page_fields(name: &str, slug: &str) -> Result<(), ApiError> {
    validate::name("name", name)?;
    validate::slug("slug", slug)
}

/// A compile's outcome with what it compiled.
pub struct Built {
    pub source: String,
    /// Name → npm range.
    pub dependencies: BTreeMap<String, String>,
    pub output: CompileOutput,
}

impl Built {
    /// The artifact, when the build succeeded (warnings allowed).
    pub fn artifact(&self) -> Option<&Artifact> {
        self.output.artifact.as_ref().filter(|_| self.output.ok())
    }

    /// The version the store keeps: the source always, the artifact and the lock when it
    /// built.
    pub fn version(&self) -> NewPageVersion<'_> {
        let version =
            NewPageVersion::new(&self.source, &self.dependencies, &self.output.diagnostics);
        let Some(artifact) = self.artifact() else {
            return version;
        };
        let version = version.with_artifact(NewArtifact {
            sha256: &artifact.sha256,
            html: &artifact.html,
        });
        match &self.output.lock {
            Some(lock) => version.with_lock(lock),
            None => version,
        }
    }
}

/// Compiles `source` as the page's next version would be: with `dependencies`, or the head's
/// when none are given, and the head's lock while they stay the same (the same packages, no
/// network).
pub async fn compile_over_head(
    state: &AppState,
    page: &Page,
    source: String,
    dependencies: Option<BTreeMap<String, String>>,
) -> Result<Built, ApiError> {
    let dependencies = dependencies.unwrap_or_else(|| page.dependencies.clone());
    validate_dependencies(&dependencies)?;
    let lock = match page.head_version {
        Some(number) if dependencies == page.dependencies => state
            .store
            .page_version(&page.id, number)
            .await?
            .and_then(|head| head.lock()),
        _ => None,
    };
    Ok(compile(state, source, dependencies, lock).await)
}

/// Compiles a page source. Runs outside any transaction: a compile may fetch packages.
pub async fn compile(
    state: &AppState,
    source: String,
    dependencies: BTreeMap<String, String>,
    lock: Option<Lock>,
) -> Built {
    let input = CompileInput {
        source,
        dependencies,
        lock,
    };
    let started = std::time::Instant::now();
    let output = state.compiler.compile(&input, &NoProgress).await;
    crate::telemetry::record_compile(output.ok(), started.elapsed());
    Built {
        source: input.source,
        dependencies: input.dependencies,
        output,
    }
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
