//! One agent run's loop: ask the model (its answer streams out as `delta` events), take the
//! page from the answer, compile it as the page's next version, and on errors tell the model
//! what the compiler said; an attempt that builds is saved as a draft version marked as
//! generated, and, when the studio checks (`Check::Studio`), the run waits for its type and
//! preview errors and sends those back instead. It ends when an attempt builds and checks
//! clean, when the attempts run out, when the model fails, or when someone stops it; the end
//! goes to the audit log with the token counts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use quire_compiler::{Diagnostic, Lock, Severity};
use quire_store::{NewAuditEntry, NewFunction, Page};
use serde::Deserialize;
use utoipa::ToSchema;

use super::events::{AgentEvent, UsageView};
use super::model::{ChatModel, Message, Progress, Usage};
use super::prompt::{self, Brief, FunctionBrief, Problem};
use super::{Generation, Run, code};
use crate::pages::compile_over_head;
use crate::state::AppState;

/// Who checks an attempt that builds.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Check {
    /// The studio: it renders the saved version and reports type errors and the preview's
    /// uncaught and console errors (`POST …/agent/runs/{run}/check`).
    #[default]
    Studio,
    /// The compiler alone (the command line has no browser).
    Compiler,
}

pub(super) struct Params {
    pub prompt: String,
    pub new_page: bool,
    pub share_function_code: bool,
    pub check: Check,
    pub max_attempts: u32,
    pub check_timeout: Duration,
}

enum Outcome {
    Done { attempt: u32, version: i64 },
    Exhausted,
    ModelFailed(String),
    Internal(String),
    Stopped,
}

/// Token counts summed over the run's answers; unknown once one answer came without them.
#[derive(Default)]
struct Totals {
    known: Option<Usage>,
    unknown: bool,
}

impl Totals {
    fn add(&mut self, usage: Option<Usage>) {
        match usage {
            Some(usage) => {
                let known = self.known.get_or_insert_default();
                known.prompt_tokens += usage.prompt_tokens;
                known.completion_tokens += usage.completion_tokens;
            }
            None => self.unknown = true,
        }
    }

    fn view(&self) -> UsageView {
        match self.known.filter(|_| !self.unknown) {
            Some(usage) => UsageView {
                prompt_tokens: Some(usage.prompt_tokens),
                completion_tokens: Some(usage.completion_tokens),
            },
            None => UsageView::default(),
        }
    }
}

/// Runs the loop to its end and reports it.
pub(super) async fn drive(state: &AppState, run: &Arc<Run>, model: &ChatModel, params: Params) {
    run.emit(AgentEvent::Started {
        run: run.id.clone(),
        page_id: run.page_id.clone(),
        model: model.model().to_owned(),
        max_attempts: params.max_attempts,
        check: match params.check {
            Check::Studio => "studio",
            Check::Compiler => "compiler",
        }
        .to_owned(),
    });
    let mut totals = Totals::default();
    let mut attempts_made = 0;
    let mut versions = Vec::new();
    let outcome = attempts(
        state,
        run,
        model,
        &params,
        &mut totals,
        &mut attempts_made,
        &mut versions,
    )
    .await;
    let usage = totals.view();
    let (label, event) = match outcome {
        Outcome::Done { attempt, version } => (
            "done",
            AgentEvent::Done {
                attempt,
                version,
                usage,
            },
        ),
        Outcome::Exhausted => (
            "attempts_exhausted",
            AgentEvent::Failed {
                code: "attempts_exhausted".to_owned(),
                message: format!(
                    "the page still has problems after {} attempts; the last ones are shown above. \
                     Fix them by hand, or ask again with more detail",
                    params.max_attempts
                ),
                usage,
            },
        ),
        Outcome::ModelFailed(message) => (
            "model_failed",
            AgentEvent::Failed {
                code: "model_failed".to_owned(),
                message: format!(
                    "{message}; check QUIRE_AI_URL and that the model server is running, then try again"
                ),
                usage,
            },
        ),
        Outcome::Internal(message) => {
            tracing::error!(run = %run.id, %message, "agent run failed");
            (
                "internal",
                AgentEvent::Failed {
                    code: "internal".to_owned(),
                    message: "something went wrong on the server; the run's id finds it in the log"
                        .to_owned(),
                    usage,
                },
            )
        }
        Outcome::Stopped => ("stopped", AgentEvent::Stopped { usage }),
    };
    let details = serde_json::json!({
        "run": run.id,
        "model": model.model(),
        "outcome": label,
        "attempts": attempts_made,
        "versions": versions,
        "prompt_chars": params.prompt.chars().count(),
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
    });
    let entry = NewAuditEntry::new(
        "page.generate",
        Some(&run.project_id),
        Some(&run.user_id),
        Some(&run.page_id),
        details,
    );
    if let Err(error) = state.store.record_audit(&entry).await {
        tracing::error!(run = %run.id, %error, "the agent run's audit entry was not written");
    }
    run.emit(event);
}

/// The attempts; what they leave behind (`totals`, `attempts_made`, `versions`) lives in
/// [`drive`], which reads it after a stop too.
async fn attempts(
    state: &AppState,
    run: &Run,
    model: &ChatModel,
    params: &Params,
    totals: &mut Totals,
    attempts_made: &mut u32,
    versions: &mut Vec<i64>,
) -> Outcome {
    // The functions this run drafted, by slug: a later attempt may revise them.
    let drafted = &mut HashMap::new();
    let mut messages = match opening(state, run, params).await {
        Ok(messages) => messages,
        Err(message) => return Outcome::Internal(message),
    };
    for attempt in 1..=params.max_attempts {
        *attempts_made = attempt;
        run.emit(AgentEvent::Attempt { attempt });
        let mut progress = |progress: Progress| match progress {
            Progress::Text(text) => run.emit(AgentEvent::Delta {
                attempt,
                text: text.to_owned(),
            }),
            Progress::Retrying { reason, wait } => run.emit(AgentEvent::Retrying {
                attempt,
                reason,
                wait_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            }),
        };
        let reply = match unless_stopped(run, model.complete(&messages, &mut progress)).await {
            None => return Outcome::Stopped,
            Some(Ok(reply)) => reply,
            Some(Err(error)) => return Outcome::ModelFailed(error.to_string()),
        };
        totals.add(reply.usage);
        let Some(source) = code::extract(&reply.text) else {
            run.emit(AgentEvent::NoCode { attempt });
            messages.push(Message::assistant(reply.text));
            messages.push(prompt::no_code());
            continue;
        };
        if let Err(message) = draft_functions(state, run, attempt, &reply.text, drafted).await {
            return Outcome::Internal(message);
        }
        messages.push(prompt::attempt(&source));
        let (page, head_lock) = match page_now(state, run).await {
            Ok(found) => found,
            Err(message) => return Outcome::Internal(message),
        };
        let built = match compile_over_head(state, &page, head_lock, source.clone(), None).await {
            Ok(built) => built,
            Err(error) => return Outcome::Internal(error.message),
        };
        let ok = built.artifact().is_some();
        run.emit(AgentEvent::Compiled {
            attempt,
            ok,
            source: source.clone(),
            diagnostics: built.output.diagnostics.clone(),
        });
        if !ok {
            let errors: Vec<Diagnostic> = built
                .output
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .cloned()
                .collect();
            messages.push(prompt::did_not_build(&errors));
            continue;
        }
        let generation = Generation {
            run: run.id.clone(),
            attempt,
            prompt: params.prompt.clone(),
        };
        let saved = state
            .store
            .save_page_version(
                &page.id,
                &built.version().with_generation(&generation),
                &run.user_id,
                None,
            )
            .await;
        let version = match saved {
            Ok(saved) => saved.number,
            Err(error) => return Outcome::Internal(error.to_string()),
        };
        versions.push(version);
        run.emit(AgentEvent::Saved { attempt, version });
        if params.check == Check::Compiler {
            return Outcome::Done { attempt, version };
        }
        let Some(problems) =
            unless_stopped(run, check(run, attempt, version, params.check_timeout)).await
        else {
            return Outcome::Stopped;
        };
        if problems.is_empty() {
            return Outcome::Done { attempt, version };
        }
        messages.push(prompt::did_not_render(&source, &problems));
    }
    Outcome::Exhausted
}

/// `work`, unless the run is stopped first. Only the waits (for the model, for the studio's
/// check) are cut short this way: a write to the store always runs to its end, since a future
/// dropped inside a transaction would leave `SQLite`'s one write connection mid-statement.
async fn unless_stopped<T>(run: &Run, work: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        () = run.stop_requested() => None,
        value = work => Some(value),
    }
}

/// Saves the functions the answer drafts: a slug the project lacks becomes a new function in
/// `draft`; one this run drafted before gets the new code as its next version. A slug the
/// project already had is left alone (the person's function is not the model's to change).
async fn draft_functions(
    state: &AppState,
    run: &Run,
    attempt: u32,
    answer: &str,
    drafted: &mut HashMap<String, String>,
) -> Result<(), String> {
    for (slug, code) in code::function_drafts(answer) {
        if crate::validate::slug("slug", &slug).is_err()
            || crate::routes::functions::check_code(&code).is_err()
        {
            continue;
        }
        let load_error = crate::routes::functions::load_check(state, &code)
            .await
            .map(|error| error.to_stored());
        if let Some(id) = drafted.get(&slug) {
            state
                .store
                .put_function_code(id, &code, load_error.as_deref(), &run.user_id)
                .await
                .map_err(|error| error.to_string())?;
        } else {
            let existing = state
                .store
                .function(&run.project_id, &slug)
                .await
                .map_err(|error| error.to_string())?;
            if existing.is_some() {
                continue;
            }
            let function = state
                .store
                .create_function(&NewFunction {
                    project_id: &run.project_id,
                    name: &slug,
                    slug: &slug,
                    code: &code,
                    load_error: load_error.as_deref(),
                    public_endpoint: false,
                    timeout_ms: crate::functions::DEFAULT_TIMEOUT_MS,
                    memory_mb: crate::functions::DEFAULT_MEMORY_MB,
                    author_id: &run.user_id,
                })
                .await
                .map_err(|error| error.to_string())?;
            drafted.insert(slug.clone(), function.id);
        }
        run.emit(AgentEvent::FunctionDrafted {
            attempt,
            slug,
            load_error: load_error
                .as_deref()
                .map(|stored| crate::routes::functions::LoadErrorView::from_stored(stored).message),
        });
    }
    Ok(())
}

/// Waits for the studio's check of a saved attempt. A studio that never answers (closed, or
/// its preview stuck) leaves the compiler's word: the page built.
async fn check(run: &Run, attempt: u32, version: i64, timeout: Duration) -> Vec<Problem> {
    let answer = run.wait_for_check(attempt);
    run.emit(AgentEvent::Checking { attempt, version });
    let (problems, timed_out) = match tokio::time::timeout(timeout, answer).await {
        Ok(Ok(problems)) => (problems, false),
        _ => (Vec::new(), true),
    };
    run.emit(AgentEvent::Checked {
        attempt,
        problems: problems.clone(),
        timed_out,
    });
    problems
}

/// The page as it is now, with the lock its head built with.
async fn page_now(state: &AppState, run: &Run) -> Result<(Page, Option<Lock>), String> {
    state
        .store
        .page_with_head_lock::<Lock>(&run.project_id, &run.page_id)
        .await
        .map_err(|error| error.to_string())?
        .ok_or_else(|| "the page was deleted during the run".to_owned())
}

/// The first request: the rules, what the project offers, and the person's words.
async fn opening(state: &AppState, run: &Run, params: &Params) -> Result<Vec<Message>, String> {
    let (page, _) = page_now(state, run).await?;
    let current = match page.head_version.filter(|_| !params.new_page) {
        Some(head) => state
            .store
            .page_version(&page.id, head)
            .await
            .map_err(|error| error.to_string())?
            .map(|version| version.source)
            .filter(|source| !source.trim().is_empty()),
        None => None,
    };
    let mut functions = Vec::new();
    for function in state
        .store
        .functions(&run.project_id)
        .await
        .map_err(|error| error.to_string())?
    {
        let code = if params.share_function_code {
            state
                .store
                .function_version(&function.id, function.head_version)
                .await
                .map_err(|error| error.to_string())?
                .map(|version| version.code)
        } else {
            None
        };
        functions.push(FunctionBrief {
            slug: function.slug,
            name: function.name,
            deployed: function.deployed_version.is_some(),
            code,
        });
    }
    let assets: Vec<String> = state
        .store
        .assets(&run.project_id)
        .await
        .map_err(|error| error.to_string())?
        .into_iter()
        .map(|asset| asset.name)
        .collect();
    Ok(prompt::opening(&Brief {
        request: &params.prompt,
        current: current.as_deref(),
        functions: &functions,
        assets: &assets,
        inbox_mount: page.inbox_mount,
    }))
}
