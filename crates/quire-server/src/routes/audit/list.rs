//! `GET /api/v1/projects/{p}/audit?before=&limit=&action=&actor=&since=&until=`: newest
//! entries first, for owners and admins, narrowed by any of the filters.

use axum::extract::State;
use quire_store::{AuditFilter, Role};
use serde::Deserialize;
use utoipa::IntoParams;

use super::page_size;
use crate::auth::Viewer;
use crate::errors::{ApiError, ErrorBody};
use crate::extract::{Path, Query};
use crate::json::ApiJson;
use crate::routes::views::AuditEntryView;
use crate::state::AppState;
use crate::validate::{self, shown};

/// The longest action name a filter takes; Quire's are far shorter.
const MAX_ACTION_BYTES: usize = 64;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProjectAuditQuery {
    /// Entries with ids below this one (for paging back).
    pub before: Option<i64>,
    /// At most this many entries (1 to 500, default 100).
    pub limit: Option<i64>,
    /// One action (`token.create`), or every action of a kind when it ends in a dot (`token.`).
    pub action: Option<String>,
    /// Entries by this account: a user id or an e-mail address.
    pub actor: Option<String>,
    /// Entries at or after this time (RFC 3339, e.g. `2025-01-31T00:00:00Z`).
    pub since: Option<String>,
    /// Entries before this time (RFC 3339).
    pub until: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/projects/{p}/audit", tag = "projects",
    params(("p" = String, Path, description = "project id or slug"), ProjectAuditQuery),
    responses((status = 200, body = Vec<AuditEntryView>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(project): Path<String>,
    Query(query): Query<ProjectAuditQuery>,
) -> Result<ApiJson<Vec<AuditEntryView>>, ApiError> {
    let membership = viewer.require(&state, &project, Role::Admin).await?;
    let limit = page_size(query.limit)?;
    let action = query
        .action
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    if let Some(action) = action
        && (action.len() > MAX_ACTION_BYTES || action.chars().any(char::is_control))
    {
        return Err(ApiError::validation(
            "action",
            format!(
                "action {} is not an action name; use one such as token.create, or token. for every token action",
                shown(action)
            ),
        ));
    }
    let since = query
        .since
        .as_deref()
        .map(|t| time_ms("since", t))
        .transpose()?;
    let until = query
        .until
        .as_deref()
        .map(|t| time_ms("until", t))
        .transpose()?;
    // An actor with no account has no entries: the answer is an empty page, as for an account
    // that did nothing here.
    let actor = match query
        .actor
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(actor) if actor.contains('@') => {
            validate::email("actor", actor)?;
            Some(
                state
                    .store
                    .user_by_email(actor)
                    .await?
                    .map_or_else(String::new, |u| u.id),
            )
        }
        Some(actor) if actor.len() > 64 => {
            return Err(ApiError::validation(
                "actor",
                format!(
                    "actor {} is neither a user id nor an e-mail address",
                    shown(actor)
                ),
            ));
        }
        Some(actor) => Some(actor.to_owned()),
        None => None,
    };
    if actor.as_deref() == Some("") {
        return Ok(ApiJson(Vec::new()));
    }
    let filter = AuditFilter {
        before: query.before,
        action,
        actor_id: actor.as_deref(),
        since,
        until,
    };
    let entries = state
        .store
        .audit_log_filtered(&membership.project.id, &filter, limit)
        .await?;
    Ok(ApiJson(entries.iter().map(AuditEntryView::from).collect()))
}

/// An RFC 3339 time as Unix milliseconds.
fn time_ms(field: &str, value: &str) -> Result<i64, ApiError> {
    let parsed = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            ApiError::validation(
                field,
                format!(
                    "{field} is {}; write a time as RFC 3339, such as 2025-01-31T09:00:00Z",
                    shown(value)
                ),
            )
        })?;
    i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| ApiError::validation(field, format!("{field} is out of range")))
}
