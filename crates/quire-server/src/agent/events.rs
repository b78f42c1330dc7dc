//! What an agent run reports, in order: the events its stream sends (`GET …/agent/runs/{run}/
//! events`, each as `event: <type>` with the JSON below as `data`). A run keeps every event it
//! sent, so a stream opened late (or again, after a dropped connection) replays the run from the
//! start.

use quire_compiler::Diagnostic;
use serde::Serialize;
use utoipa::ToSchema;

use super::prompt::Problem;

/// Token counts of a run so far; a count is null when an answer of the endpoint came without
/// one (some servers send none).
#[derive(Clone, Copy, Debug, Default, Serialize, ToSchema)]
pub struct UsageView {
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
}

/// One event of an agent run.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    /// The run began.
    Started {
        run: String,
        page_id: String,
        model: String,
        max_attempts: u32,
        /// Whether the run waits for the studio's type and preview check of each attempt that
        /// builds (`studio`), or takes the compiler's word (`compiler`).
        check: String,
    },
    /// An attempt began: the model is asked.
    Attempt { attempt: u32 },
    /// The next piece of the model's answer.
    Delta { attempt: u32, text: String },
    /// The endpoint failed in a way that may pass; asked again after `wait_ms`.
    Retrying {
        attempt: u32,
        reason: String,
        wait_ms: u64,
    },
    /// The answer held no code.
    NoCode { attempt: u32 },
    /// The answer drafted a function the project did not have: it was saved as a draft (or,
    /// drafted again, as its next version) for a person to review and deploy.
    FunctionDrafted {
        attempt: u32,
        slug: String,
        /// Why its code does not load, when it does not.
        load_error: Option<String>,
    },
    /// The attempt's page was compiled.
    Compiled {
        attempt: u32,
        ok: bool,
        /// The page as taken from the answer.
        source: String,
        #[schema(value_type = Vec<Object>)]
        diagnostics: Vec<Diagnostic>,
    },
    /// The attempt built and was kept as a draft version.
    Saved { attempt: u32, version: i64 },
    /// The run waits for the studio's check of the saved version.
    Checking { attempt: u32, version: i64 },
    /// What the studio's check found (nothing: the page renders cleanly). `timed_out`: the
    /// studio did not answer in time, so the compiler's word stands.
    Checked {
        attempt: u32,
        problems: Vec<Problem>,
        timed_out: bool,
    },
    /// The page builds and renders cleanly: the run is over.
    Done {
        attempt: u32,
        version: i64,
        usage: UsageView,
    },
    /// The run ended without a clean page. `code`: `attempts_exhausted` (the last attempt's
    /// problems are in the events before), `model_failed`, `internal`.
    Failed {
        code: String,
        message: String,
        usage: UsageView,
    },
    /// Someone stopped the run.
    Stopped { usage: UsageView },
}

impl AgentEvent {
    /// The event's type, its SSE `event:` name.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Started { .. } => "started",
            Self::Attempt { .. } => "attempt",
            Self::Delta { .. } => "delta",
            Self::Retrying { .. } => "retrying",
            Self::NoCode { .. } => "no_code",
            Self::FunctionDrafted { .. } => "function_drafted",
            Self::Compiled { .. } => "compiled",
            Self::Saved { .. } => "saved",
            Self::Checking { .. } => "checking",
            Self::Checked { .. } => "checked",
            Self::Done { .. } => "done",
            Self::Failed { .. } => "failed",
            Self::Stopped { .. } => "stopped",
        }
    }

    /// Whether the run is over once this is sent.
    pub fn is_last(&self) -> bool {
        matches!(
            self,
            Self::Done { .. } | Self::Failed { .. } | Self::Stopped { .. }
        )
    }
}
