//! Functions of a project: create, list, edit (new code version), deploy, delete, their
//! secrets, versions and invocation log, and the HTTP invoke endpoint. Owners and admins
//! write; members read and invoke.

pub mod create;
pub mod delete;
pub mod delete_secret;
pub mod deploy;
pub mod get;
pub mod invocations;
pub mod invoke;
pub mod list;
pub mod put_code;
pub mod put_secret;
pub mod secrets;
pub mod test_run;
pub mod update;
pub mod versions;

use quire_functions::LoadError;
use quire_store::{Function, FunctionVersion, InvocationRecord, Membership, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::errors::ApiError;
use crate::functions::{
    MAX_CODE_BYTES, MAX_MEMORY_MB, MAX_TIMEOUT_MS, MIN_MEMORY_MB, MIN_TIMEOUT_MS,
};
use crate::state::AppState;
use crate::validate::{shown, timestamp};

/// Why code does not load, with its position when it is a syntax error.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct LoadErrorView {
    /// What is wrong and what to do, including the line and column when known.
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl From<&LoadError> for LoadErrorView {
    fn from(error: &LoadError) -> Self {
        let (line, column) = match error {
            LoadError::Syntax { line, column, .. } => (Some(*line), Some(*column)),
            _ => (None, None),
        };
        Self {
            message: error.to_string(),
            line,
            column,
        }
    }
}

impl LoadErrorView {
    /// The form kept in the store.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| self.message.clone())
    }

    /// Reads what [`Self::to_stored`] wrote (plain text is taken as the message).
    pub fn from_stored(stored: &str) -> Self {
        serde_json::from_str(stored).unwrap_or_else(|_| Self {
            message: stored.to_owned(),
            line: None,
            column: None,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct FunctionView {
    pub id: String,
    pub project_id: String,
    pub name: String,
    pub slug: String,
    /// `draft` (the head is not deployed), `deployed` or `error` (the last deploy failed).
    #[schema(example = "deployed")]
    pub status: String,
    pub head_version: i64,
    /// The version that serves calls, if any.
    pub deployed_version: Option<i64>,
    /// Why the last deploy failed.
    pub error: Option<LoadErrorView>,
    /// Reachable without credentials at `invoke_path`.
    pub public_endpoint: bool,
    pub timeout_ms: i64,
    pub memory_mb: i64,
    /// `POST` here to invoke the function.
    pub invoke_path: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Function> for FunctionView {
    fn from(function: &Function) -> Self {
        Self {
            id: function.id.clone(),
            project_id: function.project_id.clone(),
            name: function.name.clone(),
            slug: function.slug.clone(),
            status: function.status.to_string(),
            head_version: function.head_version,
            deployed_version: function.deployed_version,
            error: function
                .deploy_error
                .as_deref()
                .map(LoadErrorView::from_stored),
            public_endpoint: function.public_endpoint,
            timeout_ms: function.timeout_ms,
            memory_mb: function.memory_mb,
            invoke_path: format!(
                "/api/v1/projects/{}/functions/{}/invoke",
                function.project_id, function.slug
            ),
            created_at: timestamp(function.created_at),
            updated_at: timestamp(function.updated_at),
        }
    }
}

/// A function with the code of its head version and whether that code loads.
#[derive(Serialize, ToSchema)]
pub struct FunctionDetail {
    #[serde(flatten)]
    pub function: FunctionView,
    /// The head version's code. Members, who see no drafts, get the deployed version's code
    /// instead, and null when none is deployed.
    pub code: Option<String>,
    /// Why the head version's code does not load, if it does not.
    pub load_error: Option<LoadErrorView>,
}

impl FunctionDetail {
    pub fn new(function: &Function, head: &FunctionVersion) -> Self {
        Self {
            function: FunctionView::from(function),
            code: Some(head.code.clone()),
            load_error: head.load_error.as_deref().map(LoadErrorView::from_stored),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VersionView {
    pub id: String,
    pub number: i64,
    pub author_id: Option<String>,
    pub created_at: String,
    pub load_error: Option<LoadErrorView>,
    pub code: String,
}

impl From<&FunctionVersion> for VersionView {
    fn from(version: &FunctionVersion) -> Self {
        Self {
            id: version.id.clone(),
            number: version.number,
            author_id: version.author_id.clone(),
            created_at: timestamp(version.created_at),
            load_error: version
                .load_error
                .as_deref()
                .map(LoadErrorView::from_stored),
            code: version.code.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvocationView {
    pub id: String,
    pub version: i64,
    /// `api`, `public` or `page`.
    pub via: String,
    pub started_at: String,
    pub duration_ms: i64,
    /// The HTTP status of the function's response, when it produced one.
    pub status: Option<i64>,
    pub ok: bool,
    pub error: Option<InvocationErrorView>,
    /// Console output, cut at 16 KiB.
    pub logs: String,
    pub logs_truncated: bool,
    pub request_bytes: i64,
    pub response_bytes: i64,
    /// The public link the call came through, if any.
    pub public_link_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InvocationErrorView {
    /// `function_error`, `function_timeout`, `function_out_of_memory`, …
    pub code: String,
    pub message: String,
    pub stack: Option<String>,
}

impl From<&InvocationRecord> for InvocationView {
    fn from(record: &InvocationRecord) -> Self {
        Self {
            id: record.id.clone(),
            version: record.version,
            via: record.via.clone(),
            started_at: timestamp(record.started_at),
            duration_ms: record.duration_ms,
            status: record.status,
            ok: record.ok,
            error: record.error_code.as_ref().map(|code| InvocationErrorView {
                code: code.clone(),
                message: record.error.clone().unwrap_or_default(),
                stack: record.error_stack.clone(),
            }),
            logs: record.logs.clone(),
            logs_truncated: record.logs_truncated,
            request_bytes: record.request_bytes,
            response_bytes: record.response_bytes,
            public_link_id: record.public_link_id.clone(),
        }
    }
}

/// The caller's membership (at least `needed`) and the function `f` (id or slug) of project `p`.
pub async fn function_for(
    state: &AppState,
    viewer: &Viewer,
    project: &str,
    function: &str,
    needed: Role,
) -> Result<(Membership, Function), ApiError> {
    let membership = viewer.require(state, project, needed).await?;
    let found = find(
        state,
        &membership.project.id,
        function,
        &membership.project.slug,
    )
    .await?;
    Ok((membership, found))
}

/// The function `f` (id or slug) of a project, or 404.
pub async fn find(
    state: &AppState,
    project_id: &str,
    function: &str,
    project_slug: &str,
) -> Result<Function, ApiError> {
    state
        .store
        .function(project_id, function)
        .await?
        .ok_or_else(|| no_such_function(project_slug, function))
}

pub fn no_such_function(project_slug: &str, function: &str) -> ApiError {
    ApiError::not_found(format!(
        "project {project_slug:?} has no function {}; GET /api/v1/projects/{project_slug}/functions lists them",
        shown(function)
    ))
}

/// The code checks every save: at most 1 MiB.
pub fn check_code(code: &str) -> Result<(), ApiError> {
    if code.len() > MAX_CODE_BYTES {
        return Err(ApiError::too_large(format!(
            "the function's code is {} bytes; the limit is {MAX_CODE_BYTES} (1 MiB)",
            code.len()
        )));
    }
    Ok(())
}

pub fn check_timeout(value: i64) -> Result<(), ApiError> {
    if (MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&value) {
        Ok(())
    } else {
        Err(ApiError::validation(
            "timeout_ms",
            format!("timeout_ms is {value}; use {MIN_TIMEOUT_MS} to {MAX_TIMEOUT_MS} milliseconds"),
        ))
    }
}

pub fn check_memory(value: i64) -> Result<(), ApiError> {
    if (MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&value) {
        Ok(())
    } else {
        Err(ApiError::validation(
            "memory_mb",
            format!("memory_mb is {value}; use {MIN_MEMORY_MB} to {MAX_MEMORY_MB} MiB"),
        ))
    }
}

/// Loads `code` in a fresh isolate: `None` when it loads, else why not.
pub async fn load_check(state: &AppState, code: &str) -> Option<LoadErrorView> {
    state
        .functions
        .validate(code)
        .await
        .err()
        .map(|e| LoadErrorView::from(&e))
}
