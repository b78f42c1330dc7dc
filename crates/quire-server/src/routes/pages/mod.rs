//! Project pages over HTTP: create, list, read, settings, delete, save (store a version and
//! compile it), preview (compile without a version), versions, publish / rollback / unpublish,
//! frames (signed artifact URLs for the host) and the bridge's function calls, with the views
//! they answer. Owners and admins edit; members list and open published pages only. The page
//! logic they call is the [`crate::pages`] service.

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
pub mod templates;
pub mod unpublish;
pub mod update;
pub mod versions;

use std::collections::BTreeMap;

use quire_store::{Page, PageVersion};
use serde::Serialize;
use utoipa::ToSchema;

use crate::pages::Built;
use crate::validate::timestamp;

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
    /// Errors and warnings, each at its place in the source.
    #[schema(value_type = Vec<DiagnosticView>)]
    pub diagnostics: serde_json::Value,
    /// The built artifact, when `ok`.
    pub artifact: Option<ArtifactView>,
}

/// A compiler diagnostic as stored with the version (the shape of
/// `quire_compiler::Diagnostic`; documented here, since the compiler knows nothing of the API).
#[derive(Serialize, ToSchema)]
pub struct DiagnosticView {
    severity: DiagnosticSeverity,
    /// A stable code, e.g. `SYNTAX_ERROR`, `UNRESOLVED_IMPORT`.
    code: String,
    message: String,
    file: String,
    /// 1-based.
    line: u32,
    /// 1-based.
    column: u32,
    /// The lines around the place, the located one marked with `>` and a caret under it.
    frame: String,
    /// What to do about it.
    help: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[expect(dead_code, reason = "a schema only")]
enum DiagnosticSeverity {
    Error,
    Warning,
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
