//! Compiling a page's source into a version: [`compile`] runs the compiler, [`Built`] holds
//! the outcome and turns it into the version the store keeps, and [`compile_over_head`]
//! compiles a source as the page's next version would be.

use std::collections::BTreeMap;

use quire_compiler::{Artifact, CompileInput, CompileOutput, Lock, NoProgress, PageAsset};
use quire_store::{NewArtifact, NewPageVersion, Page, StoreError};

use super::rules::validate_dependencies;
use crate::errors::ApiError;
use crate::state::AppState;

/// A compile's outcome with what it compiled.
pub struct Built {
    pub source: String,
    /// Name → npm range.
    pub dependencies: BTreeMap<String, String>,
    pub output: CompileOutput,
    /// The asset contents the page imported: (name, SHA-256).
    pub assets: Vec<(String, String)>,
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
        let version = version
            .with_artifact(NewArtifact {
                sha256: &artifact.sha256,
                html: &artifact.html,
            })
            .with_assets(self.assets.clone());
        match &self.output.lock {
            Some(lock) => version.with_lock(lock),
            None => version,
        }
    }
}

/// Compiles `source` as `page`'s next version would be: with `dependencies`, or the head's
/// when none are given, and the head's lock while they stay the same (the same packages, no
/// network).
pub async fn compile_over_head(
    state: &AppState,
    page: &Page,
    head_lock: Option<Lock>,
    source: String,
    dependencies: Option<BTreeMap<String, String>>,
) -> Result<Built, ApiError> {
    let dependencies = dependencies.unwrap_or_else(|| page.dependencies.clone());
    validate_dependencies(&dependencies)?;
    let lock = head_lock.filter(|_| dependencies == page.dependencies);
    Ok(compile(state, &page.project_id, source, dependencies, lock).await?)
}

/// Compiles a page source of `project_id`, with the project's assets it imports. Runs
/// outside any transaction: a compile may fetch packages.
pub async fn compile(
    state: &AppState,
    project_id: &str,
    source: String,
    dependencies: BTreeMap<String, String>,
    lock: Option<Lock>,
) -> Result<Built, StoreError> {
    let (assets, used) = page_assets(state, project_id, &source).await?;
    let input = CompileInput {
        source,
        dependencies,
        lock,
        assets,
    };
    let started = std::time::Instant::now();
    let output = state.compiler.compile(&input, &NoProgress).await;
    crate::telemetry::record_compile(output.ok(), started.elapsed());
    Ok(Built {
        source: input.source,
        dependencies: input.dependencies,
        output,
        assets: used,
    })
}

/// The project's assets `source` imports, for the compiler, and which contents they are. A
/// name the project does not have is left out: the compiler reports the import.
async fn page_assets(
    state: &AppState,
    project_id: &str,
    source: &str,
) -> Result<(BTreeMap<String, PageAsset>, Vec<(String, String)>), StoreError> {
    let mut assets = BTreeMap::new();
    let mut used = Vec::new();
    for name in quire_compiler::imported_assets(source) {
        let Some(asset) = state.store.asset(project_id, &name).await? else {
            continue;
        };
        // By name only: an id is no file name.
        if asset.name != name {
            continue;
        }
        let Some(content) = state.store.asset_content(&asset.sha256).await? else {
            continue;
        };
        let page_asset = PageAsset {
            url: crate::assets::content_url(state, &asset.sha256),
            content_type: content.content_type,
            bytes: content.bytes,
        };
        used.push((name.clone(), asset.sha256));
        assets.insert(name, page_asset);
    }
    Ok((assets, used))
}
