/**
 * The function's calls, newest first (the newest 200 of the 1,000 kept): time, source,
 * status, duration and error, filtered by outcome and source (in the URL); one opens to show
 * its console output and stack. Owners and admins see new calls as they are recorded: the
 * list reloads on the project's `function.called` events for this function (and polls slowly
 * only while the live connection is down). Members get no function activity on the stream, so
 * their list polls every three seconds.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { useLocation, useSearch } from "wouter";
import {
  canEdit,
  errorMessage,
  type FunctionDetail,
  type Invocation,
  type Project,
} from "../api/client";
import { useLiveState, useProjectEvents } from "../api/events";
import { keys, useInvocations } from "../api/queries";
import { LiveIndicator } from "../components/LiveIndicator";
import { RelativeTime } from "../components/RelativeTime";
import { VIA_LABEL } from "./status";

const MEMBER_POLL_MS = 3_000;
/** While the live connection is down: slow, so a server in trouble is not asked too often. */
const OFFLINE_POLL_MS = 15_000;

/** Whether a `function.called` event's data names `functionId`. */
function names(data: unknown, functionId: string): boolean {
  const ids = (data as { function_ids?: unknown } | null)?.function_ids;
  return Array.isArray(ids) && ids.includes(functionId);
}

export function HistoryPanel({ project, fn }: { project: Project; fn: FunctionDetail }) {
  const editor = canEdit(project);
  const streamed = editor ? project.slug : undefined;
  const live = useLiveState(streamed);
  const pollEvery = !editor ? MEMBER_POLL_MS : live === "live" ? false : OFFLINE_POLL_MS;
  const calls = useInvocations(project.slug, fn.slug, pollEvery);
  const queryClient = useQueryClient();
  const key = keys.invocations(project.slug, fn.slug);
  useProjectEvents(streamed, (event) => {
    if (event.kind === "reset" || (event.kind === "function.called" && names(event.data, fn.id))) {
      void queryClient.invalidateQueries({ queryKey: key });
    }
  });
  // Calls recorded before the connection was (again) live came with no event.
  useEffect(() => {
    if (live !== "live") return;
    void queryClient.invalidateQueries({ queryKey: keys.invocations(project.slug, fn.slug) });
  }, [live, queryClient, project.slug, fn.slug]);
  const search = new URLSearchParams(useSearch());
  const [location, navigate] = useLocation();
  const outcome = search.get("outcome") ?? "all";
  const via = search.get("via") ?? "all";
  const open = search.get("call");
  const setParam = (name: string, value: string | null) => {
    const params = new URLSearchParams(search);
    if (value === null || value === "all") params.delete(name);
    else params.set(name, value);
    navigate(`${location}?${params}`, { replace: true });
  };
  const shown = (calls.data ?? []).filter(
    (call) =>
      (outcome === "all" || (outcome === "ok") === call.ok) && (via === "all" || call.via === via),
  );

  return (
    <>
      <div className="fn-filters">
        <label className="small">
          Outcome{" "}
          <select value={outcome} onChange={(e) => setParam("outcome", e.target.value)}>
            <option value="all">All</option>
            <option value="ok">Succeeded</option>
            <option value="error">Failed</option>
          </select>
        </label>
        <label className="small">
          Source{" "}
          <select value={via} onChange={(e) => setParam("via", e.target.value)}>
            <option value="all">All</option>
            {Object.entries(VIA_LABEL).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {editor ? (
          <LiveIndicator state={live} />
        ) : (
          <span className="small muted" aria-live="polite">
            {calls.isFetching ? "updating…" : "refreshed every few seconds"}
          </span>
        )}
      </div>
      {calls.isPending ? (
        <div aria-hidden="true">
          <span className="skeleton skeleton-line" />
        </div>
      ) : null}
      {calls.isError ? (
        <p className="form-error" role="alert">
          The calls could not be loaded: {errorMessage(calls.error)}{" "}
          <button type="button" className="link-button" onClick={() => void calls.refetch()}>
            Try again
          </button>
        </p>
      ) : null}
      {calls.isSuccess && shown.length === 0 ? (
        <p className="small muted">
          {calls.data.length === 0
            ? "No calls yet. Run it from Test, call it from a page, or POST to its URL (Settings)."
            : "No calls match these filters."}
        </p>
      ) : null}
      {shown.length > 0 ? (
        <ul className="fn-calls" aria-label="Calls">
          {shown.map((call) => (
            <CallRow
              key={call.id}
              call={call}
              open={open === call.id}
              onToggle={() => setParam("call", open === call.id ? null : call.id)}
            />
          ))}
        </ul>
      ) : null}
    </>
  );
}

function CallRow({ call, open, onToggle }: { call: Invocation; open: boolean; onToggle: () => void }) {
  return (
    <li>
      <button type="button" className="fn-call" aria-expanded={open} onClick={onToggle}>
        <span className={call.ok ? "fn-ok" : "fn-errors"} aria-label={call.ok ? "succeeded" : "failed"}>
          {call.ok ? "✓" : "✕"} {call.status ?? "—"}
        </span>
        <span className="badge">{VIA_LABEL[call.via] ?? call.via}</span>
        <span className="fn-call-error muted">{call.error ? `${call.error.code}: ${call.error.message}` : `v${call.version}`}</span>
        <span className="small muted">
          {call.duration_ms} ms · <RelativeTime at={call.started_at} />
        </span>
      </button>
      {open ? (
        <div className="fn-call-detail">
          {call.error ? (
            <pre className="fn-output fn-output-error" aria-label="Call error">
              {call.error.code}: {call.error.message}
              {call.error.stack ? `\n${call.error.stack}` : ""}
            </pre>
          ) : null}
          <pre className="fn-output" aria-label="Call logs">
            {call.logs || "(nothing logged)"}
            {call.logs_truncated ? "\n… cut at 16 KiB" : ""}
          </pre>
          <span className="small muted">
            v{call.version} · {call.request_bytes} bytes in · {call.response_bytes} bytes out
          </span>
        </div>
      ) : null}
    </li>
  );
}
