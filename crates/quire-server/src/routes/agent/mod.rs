//! The page agent over HTTP: whether a model is configured, starting a run on a page, its
//! event stream, the studio's check of an attempt, and stopping it. Owners and admins only.
//! The loop itself is the agent service (`crate::agent`).

pub mod check;
pub mod events;
pub mod start;
pub mod status;
pub mod stop;

use std::sync::Arc;

use quire_store::Role;
use serde::Serialize;
use utoipa::ToSchema;

use crate::agent::Run;
use crate::auth::Viewer;
use crate::errors::ApiError;
use crate::state::AppState;

/// A run that was started.
#[derive(Serialize, ToSchema)]
pub struct RunView {
    /// The run's id: its events are at `GET /api/v1/projects/{p}/agent/runs/{id}/events`.
    pub id: String,
    pub page_id: String,
    /// The model asked.
    pub model: String,
    /// Attempts the run may make.
    pub max_attempts: u32,
}

/// A run of the project on this instance, for an owner or admin.
pub async fn find_run(
    state: &AppState,
    viewer: &Viewer,
    project: &str,
    run: &str,
) -> Result<Arc<Run>, ApiError> {
    let membership = viewer.require(state, project, Role::Admin).await?;
    state
        .agent
        .run(&membership.project.id, run)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no agent run {} here: runs are kept 10 minutes after they end, on the server that ran them",
                crate::validate::shown(run)
            ))
        })
}
