/**
 * The page agent's panel above the editor: "Describe a page" for a page with no source yet,
 * "Ask for a change" otherwise. While a run goes, each attempt is listed with what happened to
 * it (written, did not build and why, saved as a draft version, what the preview found), with
 * a Stop button; the answer itself streams into the editor. Without a configured model, it
 * says which settings to give the server.
 */
import { useEffect, useRef, useState } from "react";
import { Link } from "wouter";
import { errorMessage } from "../api/client";
import { paths } from "../paths";
import { useToast } from "../components/Toasts";
import type { Attempt, RunState, useAgentRun, useAgentStatus } from "./useAgentRun";

export function AgentPanel({
  project,
  status,
  agent,
  newPage,
  initialPrompt,
  onClose,
  onPickLine,
}: {
  project: string;
  status: ReturnType<typeof useAgentStatus>;
  agent: ReturnType<typeof useAgentRun>;
  newPage: boolean;
  /** What the prompt starts as (a new page's description). */
  initialPrompt: string;
  onClose: () => void;
  onPickLine: (line: number, column: number) => void;
}) {
  const toast = useToast();
  const [prompt, setPrompt] = useState(initialPrompt);
  const [shareCode, setShareCode] = useState(false);
  const title = newPage ? "Describe a page" : "Ask for a change";
  const run = agent.run;
  const running = run?.phase === "running";

  let body;
  if (status.isPending) {
    body = <p className="small muted">Checking the page agent…</p>;
  } else if (status.isError) {
    body = <p className="agent-message agent-message-error">{errorMessage(status.error)}</p>;
  } else if (!status.data.configured) {
    body = (
      <div className="agent-empty">
        <p className="agent-empty-title">The page agent needs a model</p>
        <p className="small">
          Give the server an OpenAI-compatible chat completions endpoint (Ollama, llama.cpp's server, vLLM or a
          hosted API) and restart it:
        </p>
        <ul className="agent-env small">
          <li>
            <code>QUIRE_AI_URL</code> — the API's base URL, e.g. <code>http://127.0.0.1:11434/v1</code> for Ollama
          </li>
          <li>
            <code>QUIRE_AI_MODEL</code> — the model to ask, e.g. <code>qwen2.5-coder:14b</code>
          </li>
          <li>
            <code>QUIRE_AI_API_KEY</code> — only when the endpoint needs a key; it stays on the server
          </li>
        </ul>
      </div>
    );
  } else if (run) {
    body = <RunView project={project} run={run} onPickLine={onPickLine} />;
  } else {
    body = (
      <form
        className="agent-form"
        onSubmit={(event) => {
          event.preventDefault();
          agent
            .start(prompt, { newPage, shareFunctionCode: shareCode })
            .catch((error) => toast({ tone: "error", text: errorMessage(error) }));
        }}
      >
        <label className="field">
          <span className="visually-hidden">{title}</span>
          <textarea
            className="agent-prompt"
            value={prompt}
            rows={3}
            maxLength={4000}
            placeholder={
              newPage
                ? "A table of the last 10 orders with their status, and a button to refresh"
                : "Add a search box above the list"
            }
            onChange={(event) => setPrompt(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) event.currentTarget.form?.requestSubmit();
            }}
          />
        </label>
        <div className="agent-form-row">
          <label className="check small agent-share">
            <input type="checkbox" checked={shareCode} onChange={(event) => setShareCode(event.target.checked)} />
            Let the model read the project's function code
          </label>
          <span className="small muted agent-note">
            {status.data.model} · up to {status.data.max_attempts} attempts · each one that builds is saved as a draft
          </span>
          <button type="submit" className="button button-primary" disabled={agent.starting || prompt.trim() === ""}>
            {agent.starting ? "Starting…" : newPage ? "Generate" : "Ask"}
          </button>
        </div>
      </form>
    );
  }

  return (
    <section className="agent" aria-label="Page agent">
      <header className="agent-head">
        <span className="agent-title">{title}</span>
        {run ? <RunBadge run={run} /> : null}
        <div className="agent-head-actions">
          {running ? (
            <button
              type="button"
              className="button button-small button-danger"
              onClick={() => agent.stop().catch((error) => toast({ tone: "error", text: errorMessage(error) }))}
            >
              Stop
            </button>
          ) : run ? (
            <button type="button" className="button button-small button-quiet" onClick={agent.reset}>
              New request
            </button>
          ) : null}
          <button
            type="button"
            className="button button-small button-quiet"
            aria-label="Close the page agent"
            disabled={running}
            onClick={onClose}
          >
            ×
          </button>
        </div>
      </header>
      {body}
    </section>
  );
}

function RunBadge({ run }: { run: RunState }) {
  const current = run.attempts[run.attempts.length - 1];
  if (run.phase === "running") {
    return (
      <span className="badge badge-info" role="status">
        Attempt {current?.number ?? 1} of {run.maxAttempts} · {current ? statusText(current) : "starting"}
      </span>
    );
  }
  if (run.phase === "done") return <span className="badge badge-published">Done</span>;
  if (run.phase === "stopped") return <span className="badge badge-draft">Stopped</span>;
  return <span className="badge badge-error">Did not finish</span>;
}

function statusText(attempt: Attempt): string {
  switch (attempt.status) {
    case "writing":
      return attempt.retrying ? "the model endpoint failed, trying again" : "writing";
    case "compiling":
      return "built, saving";
    case "no_code":
      return "the answer held no code";
    case "did_not_build": {
      const errors = attempt.diagnostics.filter((d) => d.severity === "error").length;
      return `did not build: ${errors} ${errors === 1 ? "error" : "errors"}`;
    }
    case "saved":
      return `saved as v${attempt.version}`;
    case "checking":
      return `saved as v${attempt.version}, checking the preview`;
    case "problems":
      return `v${attempt.version}: the preview found ${attempt.problems.length} ${attempt.problems.length === 1 ? "problem" : "problems"}`;
    case "interrupted":
      return attempt.version != null ? `saved as v${attempt.version}, then the run ended` : "the run ended before it finished";
    case "clean":
      return attempt.unchecked
        ? `v${attempt.version} builds (the preview did not report back)`
        : `v${attempt.version} builds and renders cleanly`;
  }
}

function usageText(run: RunState): string {
  const usage = run.usage;
  if (!usage || usage.prompt_tokens == null || usage.completion_tokens == null) return "token counts unknown";
  const format = new Intl.NumberFormat();
  return `${format.format(usage.prompt_tokens)} prompt + ${format.format(usage.completion_tokens)} answer tokens`;
}

function RunView({
  project,
  run,
  onPickLine,
}: {
  project: string;
  run: RunState;
  onPickLine: (line: number, column: number) => void;
}) {
  const list = useRef<HTMLDivElement>(null);
  const latest = run.attempts[run.attempts.length - 1];
  // Follow the newest attempt while the run goes, as a log would.
  useEffect(() => {
    if (run.phase === "running") list.current?.scrollTo({ top: list.current.scrollHeight });
  }, [run.phase, run.attempts.length, latest?.status]);
  return (
    <div className="agent-run" ref={list}>
      {run.phase === "done" ? (
        <p className="agent-message agent-message-ok" role="status">
          Version {run.finalVersion} builds and renders cleanly. It is a draft: review it, then publish when it is
          right. · {usageText(run)}
        </p>
      ) : null}
      {run.phase === "failed" ? (
        <p className="agent-message agent-message-error" role="alert">
          {run.message} · {usageText(run)}
        </p>
      ) : null}
      {run.phase === "stopped" ? (
        <p className="agent-message" role="status">
          Stopped. The versions saved so far stay as drafts. · {usageText(run)}
        </p>
      ) : null}
      <ol className="agent-attempts" aria-label="Attempts">
        {run.attempts.map((attempt) => (
          <li key={attempt.number} className={`agent-attempt agent-attempt-${attempt.status}`}>
            <div className="agent-attempt-head">
              <span className="agent-attempt-number">Attempt {attempt.number}</span>
              <span className="agent-attempt-status">{statusText(attempt)}</span>
            </div>
            {attempt.retrying ? <p className="small muted agent-retry">{attempt.retrying}</p> : null}
            {attempt.functions.map((fn) => (
              <p key={fn.slug} className="small agent-function">
                Drafted the function <Link href={paths.fn(project, fn.slug)}>{fn.slug}</Link> for you to review and
                deploy{fn.loadError ? `; its code does not load yet: ${fn.loadError}` : ""}
              </p>
            ))}
            {attempt.status === "did_not_build" || attempt.problems.length > 0 ? (
              <ul className="agent-problems" aria-label={`Problems of attempt ${attempt.number}`}>
                {attempt.diagnostics
                  .filter((d) => d.severity === "error")
                  .map((d, index) => (
                    <li key={`d${index}`}>
                      <button type="button" className="agent-problem" onClick={() => onPickLine(d.line, d.column)}>
                        <span className="agent-problem-message">{d.message}</span>
                        <span className="mono small muted">
                          compiler {d.line}:{d.column}
                        </span>
                      </button>
                    </li>
                  ))}
                {attempt.problems.map((p, index) => (
                  <li key={`p${index}`}>
                    <button
                      type="button"
                      className="agent-problem"
                      disabled={p.line == null}
                      onClick={() => p.line != null && onPickLine(p.line, p.column ?? 1)}
                    >
                      <span className="agent-problem-message">{p.message}</span>
                      <span className="mono small muted">
                        {p.source}
                        {p.line != null ? ` ${p.line}:${p.column ?? 1}` : ""}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ol>
    </div>
  );
}
