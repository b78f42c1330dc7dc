/**
 * The page agent in the studio: whether a model is configured, starting and stopping a run,
 * and the run's event stream (`GET …/agent/runs/{run}/events`) folded into what the panel
 * shows: each attempt with its answer, its build and what the check found. The stream replays
 * a run from its start, so a reconnect rebuilds the same state.
 */
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, api, unwrap, type Schemas } from "../api/client";
import { codeOf as codeOfAnswer } from "./agentCode";

export type AgentProblem = Schemas["Problem"];

export interface AgentDiagnostic {
  severity: "error" | "warning";
  code: string;
  message: string;
  line: number;
  column: number;
  frame: string;
  help?: string | null;
}

interface Usage {
  prompt_tokens: number | null;
  completion_tokens: number | null;
}

type AgentEvent =
  | { type: "started"; run: string; model: string; max_attempts: number; check: string }
  | { type: "attempt"; attempt: number }
  | { type: "delta"; attempt: number; text: string }
  | { type: "retrying"; attempt: number; reason: string; wait_ms: number }
  | { type: "no_code"; attempt: number }
  | { type: "function_drafted"; attempt: number; slug: string; load_error: string | null }
  | { type: "compiled"; attempt: number; ok: boolean; source: string; diagnostics: AgentDiagnostic[] }
  | { type: "saved"; attempt: number; version: number }
  | { type: "checking"; attempt: number; version: number }
  | { type: "checked"; attempt: number; problems: AgentProblem[]; timed_out: boolean }
  | { type: "done"; attempt: number; version: number; usage: Usage }
  | { type: "failed"; code: string; message: string; usage: Usage }
  | { type: "stopped"; usage: Usage };

const KINDS: AgentEvent["type"][] = [
  "started",
  "attempt",
  "delta",
  "retrying",
  "no_code",
  "function_drafted",
  "compiled",
  "saved",
  "checking",
  "checked",
  "done",
  "failed",
  "stopped",
];

export type AttemptStatus =
  | "writing"
  | "compiling"
  | "no_code"
  | "did_not_build"
  | "saved"
  | "checking"
  | "problems"
  | "clean"
  /** The run ended (stopped, or the endpoint failed) before this attempt did. */
  | "interrupted";

export interface Attempt {
  number: number;
  answer: string;
  status: AttemptStatus;
  retrying: string | null;
  source: string | null;
  diagnostics: AgentDiagnostic[];
  problems: AgentProblem[];
  version: number | null;
  /** Functions the answer drafted (saved as drafts), with why their code does not load. */
  functions: { slug: string; loadError: string | null }[];
  /** The studio did not report in time; the compiler's word stood. */
  unchecked?: boolean;
}

export interface RunState {
  id: string;
  phase: "running" | "done" | "failed" | "stopped";
  model: string;
  maxAttempts: number;
  attempts: Attempt[];
  message: string | null;
  usage: Usage | null;
  finalVersion: number | null;
}

/** What the studio acts on as the run goes: show this text, this version was saved, check it. */
export interface AgentHooks {
  onText(text: string): void;
  onSaved(version: number, source: string): void;
  onCheck(attempt: number, source: string): void;
}

/** The last attempt, when the run ended while it was under way. */
function interrupt(attempts: Attempt[]): Attempt[] {
  const last = attempts[attempts.length - 1];
  if (!last || !["writing", "compiling", "saved", "checking"].includes(last.status)) return attempts;
  return [...attempts.slice(0, -1), { ...last, status: "interrupted" }];
}

function fold(state: RunState, event: AgentEvent): RunState {
  const attempts = state.attempts.slice();
  const update = (n: number, change: Partial<Attempt>) => {
    const index = attempts.findIndex((a) => a.number === n);
    if (index >= 0) attempts[index] = { ...attempts[index], ...change };
  };
  const current = (n: number) => attempts.find((a) => a.number === n);
  switch (event.type) {
    case "started":
      return { ...state, model: event.model, maxAttempts: event.max_attempts, attempts: [], phase: "running" };
    case "attempt":
      attempts.push({
        number: event.attempt,
        answer: "",
        status: "writing",
        retrying: null,
        source: null,
        diagnostics: [],
        problems: [],
        version: null,
        functions: [],
      });
      break;
    case "delta":
      update(event.attempt, { answer: (current(event.attempt)?.answer ?? "") + event.text, retrying: null, status: "writing" });
      break;
    case "retrying":
      update(event.attempt, { retrying: event.reason });
      break;
    case "no_code":
      update(event.attempt, { status: "no_code" });
      break;
    case "function_drafted":
      update(event.attempt, {
        functions: [...(current(event.attempt)?.functions ?? []), { slug: event.slug, loadError: event.load_error }],
      });
      break;
    case "compiled":
      update(event.attempt, {
        status: event.ok ? "compiling" : "did_not_build",
        source: event.source,
        diagnostics: event.diagnostics,
      });
      break;
    case "saved":
      update(event.attempt, { status: "saved", version: event.version });
      break;
    case "checking":
      update(event.attempt, { status: "checking" });
      break;
    case "checked":
      update(event.attempt, {
        status: event.problems.length > 0 ? "problems" : "clean",
        problems: event.problems,
        unchecked: event.timed_out,
      });
      break;
    case "done":
      update(event.attempt, { status: "clean" });
      return { ...state, attempts, phase: "done", usage: event.usage, finalVersion: event.version };
    case "failed":
      return { ...state, attempts: interrupt(attempts), phase: "failed", message: event.message, usage: event.usage };
    case "stopped":
      return { ...state, attempts: interrupt(attempts), phase: "stopped", usage: event.usage };
  }
  return { ...state, attempts };
}

export function useAgentStatus(project: string) {
  return useQuery({
    queryKey: ["agent", project],
    queryFn: () =>
      unwrap(api.GET("/api/v1/projects/{p}/agent", { params: { path: { p: project } } })),
    staleTime: 60_000,
  });
}

export function useAgentRun(project: string, page: string, hooks: AgentHooks) {
  const [run, setRun] = useState<RunState | null>(null);
  const [starting, setStarting] = useState(false);
  const source = useRef<EventSource | null>(null);
  const hooksRef = useRef(hooks);
  hooksRef.current = hooks;
  // Text shown per attempt, so a replayed stream does not push the same text twice.
  const lastShown = useRef<string | null>(null);
  const runId = useRef<string | null>(null);

  const close = useCallback(() => {
    source.current?.close();
    source.current = null;
  }, []);
  useEffect(() => close, [close]);

  const follow = useCallback(
    (id: string, model: string, maxAttempts: number) => {
      close();
      runId.current = id;
      let state: RunState = {
        id,
        phase: "running",
        model,
        maxAttempts,
        attempts: [],
        message: null,
        usage: null,
        finalVersion: null,
      };
      setRun(state);
      const events = new EventSource(`/api/v1/projects/${encodeURIComponent(project)}/agent/runs/${id}/events`);
      source.current = events;
      const onEvent = (message: MessageEvent<string>) => {
        const event = JSON.parse(message.data) as AgentEvent;
        state = fold(state, event);
        setRun(state);
        if (event.type === "delta") {
          const answer = state.attempts.find((a) => a.number === event.attempt)?.answer ?? "";
          const code = codeOfAnswer(answer);
          if (code !== null && code !== lastShown.current) {
            lastShown.current = code;
            hooksRef.current.onText(code);
          }
        } else if (event.type === "compiled") {
          lastShown.current = event.source;
          hooksRef.current.onText(event.source);
        } else if (event.type === "saved") {
          const saved = state.attempts.find((a) => a.number === event.attempt);
          if (saved?.source) hooksRef.current.onSaved(event.version, saved.source);
        } else if (event.type === "checking") {
          const checked = state.attempts.find((a) => a.number === event.attempt);
          if (checked?.source && state.phase === "running") hooksRef.current.onCheck(event.attempt, checked.source);
        }
        if (event.type === "done" || event.type === "failed" || event.type === "stopped") close();
      };
      for (const kind of KINDS) events.addEventListener(kind, onEvent as EventListener);
    },
    [project, close],
  );

  const start = useCallback(
    async (prompt: string, options: { newPage: boolean; shareFunctionCode: boolean }) => {
      setStarting(true);
      try {
        const started = await unwrap(
          api.POST("/api/v1/projects/{p}/pages/{page}/agent/runs", {
            params: { path: { p: project, page } },
            body: { prompt, new_page: options.newPage, share_function_code: options.shareFunctionCode },
          }),
        );
        lastShown.current = null;
        follow(started.id, started.model, started.max_attempts);
      } catch (error) {
        // A run already works on this page (another tab, or this one before a reload): follow
        // it instead; its stream replays it from the start.
        const active = (error as ApiError).details as { run?: string } | null;
        if (error instanceof ApiError && error.code === "agent_run_active" && active?.run) {
          lastShown.current = null;
          follow(active.run, "", 0);
          return;
        }
        throw error;
      } finally {
        setStarting(false);
      }
    },
    [project, page, follow],
  );

  const stop = useCallback(async () => {
    const id = runId.current;
    if (!id) return;
    await unwrap(
      api.POST("/api/v1/projects/{p}/agent/runs/{run}/stop", {
        params: { path: { p: project, run: id } },
      }),
    );
  }, [project]);

  /** The studio's check of an attempt; a run that moved on (409) needs no answer. */
  const report = useCallback(
    async (attempt: number, problems: AgentProblem[]) => {
      const id = runId.current;
      if (!id) return;
      await unwrap(
        api.POST("/api/v1/projects/{p}/agent/runs/{run}/check", {
          params: { path: { p: project, run: id } },
          body: { attempt, problems },
        }),
      ).catch(() => undefined);
    },
    [project],
  );

  const reset = useCallback(() => {
    close();
    runId.current = null;
    setRun(null);
  }, [close]);

  return { run, starting, start, stop, report, reset };
}

