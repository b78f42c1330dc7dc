//! The page agent: a person describes a page (or a change to one), a model writes it, and each
//! attempt is compiled, kept as a draft version when it builds, checked in the studio, and the
//! problems found are sent back to the model until the page builds and renders cleanly or the
//! attempts run out. Runs live on the instance that started them ([`Agent`]); their events
//! ([`events`]) stream to the studio or the CLI; the model is any OpenAI-compatible endpoint
//! ([`model`]); what it is told is [`prompt`]; the loop is [`run`].

mod code;
pub mod events;
pub mod model;
pub mod prompt;
mod run;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::sync::{oneshot, watch};
use utoipa::ToSchema;

use self::events::AgentEvent;
use self::model::ChatModel;
use self::prompt::Problem;
pub use self::run::Check;
use crate::config::AgentConfig;
use crate::errors::ApiError;
use crate::rate_limit::{RateLimiter, refused};
use crate::state::AppState;

/// How long a finished run's events stay readable (a stream reconnecting, the CLI's last look).
const KEEP_FINISHED: Duration = Duration::from_mins(10);
/// The longest request a person may write.
pub const MAX_PROMPT_CHARS: usize = 4_000;

/// What the person asked an agent run for.
pub struct RunRequest {
    pub project_id: String,
    pub page_id: String,
    pub user_id: String,
    pub prompt: String,
    /// Write a new page instead of changing the current one.
    pub new_page: bool,
    /// The project's function code may go to the model (their slugs and names always do).
    pub share_function_code: bool,
    pub check: Check,
}

/// The page agent's record of a version it saved, kept with the version.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Generation {
    /// The agent run's id.
    pub run: String,
    /// Which attempt of the run (1 is the first).
    pub attempt: u32,
    /// What the person asked for.
    pub prompt: String,
}

/// The agent's runs on this instance and what they share.
pub struct Agent {
    config: AgentConfig,
    model: Option<ChatModel>,
    runs: Mutex<HashMap<String, Arc<Run>>>,
    /// Runs per person and hour.
    limiter: RateLimiter,
}

impl Agent {
    pub fn new(config: AgentConfig) -> Self {
        let model = config.model.clone().map(ChatModel::new);
        let limiter = RateLimiter::per_window(config.runs_per_hour, Duration::from_hours(1));
        Self {
            config,
            model,
            runs: Mutex::default(),
            limiter,
        }
    }

    /// The model's name, when one is configured.
    pub fn model(&self) -> Option<&str> {
        self.model.as_ref().map(ChatModel::model)
    }

    pub fn max_attempts(&self) -> u32 {
        self.config.max_attempts
    }

    /// Starts a run; its events follow with [`Agent::run`] and [`follow`].
    pub fn start(&self, state: &AppState, request: &RunRequest) -> Result<Arc<Run>, ApiError> {
        let Some(model) = self.model.clone() else {
            return Err(not_configured());
        };
        let prompt = request.prompt.trim();
        if prompt.is_empty() {
            return Err(ApiError::validation(
                "prompt",
                "prompt is empty: describe the page, or the change you want",
            ));
        }
        if prompt.chars().count() > MAX_PROMPT_CHARS {
            return Err(ApiError::validation(
                "prompt",
                format!("prompt is over {MAX_PROMPT_CHARS} characters: say it shorter"),
            ));
        }
        crate::validate::text("prompt", prompt)?;
        let mut runs = self.runs.lock().expect("agent runs lock");
        if let Some(active) = runs
            .values()
            .find(|run| run.page_id == request.page_id && !run.finished())
        {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "agent_run_active",
                "the agent is already working on this page: wait for it, or stop it first",
            )
            .with_details(serde_json::json!({ "run": active.id })));
        }
        self.limiter.take(&request.user_id).map_err(|wait| {
            refused(
                wait,
                format!(
                    "you started {} agent runs in the last hour, the most allowed; try again later",
                    self.config.runs_per_hour
                ),
            )
        })?;
        let (changed, _) = watch::channel(0);
        let (stop, _) = watch::channel(false);
        let run = Arc::new(Run {
            id: uuid::Uuid::now_v7().to_string(),
            project_id: request.project_id.clone(),
            page_id: request.page_id.clone(),
            user_id: request.user_id.clone(),
            log: Mutex::default(),
            changed,
            stop,
            feedback: Mutex::default(),
        });
        runs.insert(run.id.clone(), run.clone());
        drop(runs);
        let params = run::Params {
            prompt: prompt.to_owned(),
            new_page: request.new_page,
            share_function_code: request.share_function_code,
            check: request.check,
            max_attempts: self.config.max_attempts.max(1),
            check_timeout: self.config.check_timeout,
        };
        let state = state.clone();
        let driven = run.clone();
        tokio::spawn(async move {
            run::drive(&state, &driven, &model, params).await;
            tokio::time::sleep(KEEP_FINISHED).await;
            state
                .agent
                .runs
                .lock()
                .expect("agent runs lock")
                .remove(&driven.id);
        });
        Ok(run)
    }

    /// A run of `project_id` on this instance.
    pub fn run(&self, project_id: &str, id: &str) -> Option<Arc<Run>> {
        self.runs
            .lock()
            .expect("agent runs lock")
            .get(id)
            .filter(|run| run.project_id == project_id)
            .cloned()
    }
}

/// The answer when no model is configured: what to set. A conflict with the server's
/// configuration, not a failure of the server: 409, like other requests the state refuses.
pub fn not_configured() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        "agent_not_configured",
        "no model is configured for the page agent: set QUIRE_AI_URL (an OpenAI-compatible API, \
         e.g. http://127.0.0.1:11434/v1 for Ollama) and QUIRE_AI_MODEL, plus QUIRE_AI_API_KEY \
         when the endpoint needs a key, then restart Quire",
    )
}

/// One agent run: its events so far, and the ways in (stop, the studio's check).
pub struct Run {
    pub id: String,
    pub project_id: String,
    pub page_id: String,
    pub user_id: String,
    log: Mutex<Vec<AgentEvent>>,
    /// The number of events logged, for the streams following the run.
    changed: watch::Sender<usize>,
    stop: watch::Sender<bool>,
    /// The attempt whose check the run waits for, and where its answer goes.
    feedback: Mutex<Option<(u32, oneshot::Sender<Vec<Problem>>)>>,
}

/// Why a check's answer was not taken.
pub enum FeedbackRefused {
    /// The run is not waiting for that attempt's check (any more).
    NotWaiting,
}

impl Run {
    fn emit(&self, event: AgentEvent) {
        let mut log = self.log.lock().expect("agent run log lock");
        log.push(event);
        let count = log.len();
        drop(log);
        self.changed.send_replace(count);
    }

    pub fn finished(&self) -> bool {
        self.log
            .lock()
            .expect("agent run log lock")
            .last()
            .is_some_and(AgentEvent::is_last)
    }

    /// Asks the run to stop; it ends with `stopped` at once (a version being saved is kept
    /// only if its transaction had committed).
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    async fn stop_requested(&self) {
        let mut stop = self.stop.subscribe();
        let _ = stop.wait_for(|stop| *stop).await;
    }

    /// The studio's check of `attempt`.
    pub fn answer_check(
        &self,
        attempt: u32,
        problems: Vec<Problem>,
    ) -> Result<(), FeedbackRefused> {
        let mut waiting = self.feedback.lock().expect("agent feedback lock");
        match waiting.take() {
            Some((expected, sender)) if expected == attempt => sender
                .send(problems)
                .map_err(|_| FeedbackRefused::NotWaiting),
            other => {
                *waiting = other;
                Err(FeedbackRefused::NotWaiting)
            }
        }
    }

    fn wait_for_check(&self, attempt: u32) -> oneshot::Receiver<Vec<Problem>> {
        let (sender, receiver) = oneshot::channel();
        *self.feedback.lock().expect("agent feedback lock") = Some((attempt, sender));
        receiver
    }
}

/// A run's events from the first, then as they come, ending after the last.
pub fn follow(run: Arc<Run>) -> impl Stream<Item = AgentEvent> + Send {
    let changed = run.changed.subscribe();
    futures::stream::unfold(
        (run, 0_usize, changed, false),
        |(run, mut next, mut changed, ended)| async move {
            if ended {
                return None;
            }
            loop {
                changed.borrow_and_update();
                let batch: Vec<AgentEvent> =
                    run.log.lock().expect("agent run log lock")[next..].to_vec();
                if !batch.is_empty() {
                    next += batch.len();
                    let ended = batch.last().is_some_and(AgentEvent::is_last);
                    return Some((futures::stream::iter(batch), (run, next, changed, ended)));
                }
                if changed.changed().await.is_err() {
                    return None;
                }
            }
        },
    )
    .flatten()
}
