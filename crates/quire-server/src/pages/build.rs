//! Compiling a page's source into a version: [`compile`] runs the compiler, [`Built`] holds
//! the outcome and turns it into the version the store keeps, and [`compile_over_head`]
//! compiles a source as the page's next version would be.

use std::collections::BTreeMap;

use quire_compiler::{Artifact, CompileInput, CompileOutput, Lock, NoProgress};
use quire_store::{NewArtifact, NewPageVersion, Page};

use super::rules::validate_dependencies;
use crate::errors::ApiError;
use crate::state::AppState;

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
