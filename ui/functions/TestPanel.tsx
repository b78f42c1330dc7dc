/**
 * Trying the function: method, headers and a JSON payload in; status, headers, body, console
 * output, duration and the error with its stack out. Runs the saved head version (unsaved
 * changes are saved first) through `POST …/functions/{f}/test`, deployed or not.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, errorMessage, unwrap, type FunctionDetail, type Project } from "../api/client";
import { keys } from "../api/queries";

const METHODS = ["POST", "GET", "PUT", "PATCH", "DELETE"];

/** "Name: value" lines as a header object; the first line that is not one, as a problem. */
function parseHeaders(text: string): { headers: Record<string, string>; problem: string | null } {
  const headers: Record<string, string> = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return { headers, problem: `“${line}” is not “Name: value”.` };
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, problem: null };
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export function TestPanel({
  project,
  fn,
  beforeRun,
}: {
  project: Project;
  fn: FunctionDetail;
  beforeRun: () => Promise<void>;
}) {
  const [method, setMethod] = useState("POST");
  const [headerText, setHeaderText] = useState("content-type: application/json");
  const [payload, setPayload] = useState('{\n  "hello": "world"\n}');
  const queryClient = useQueryClient();
  const { headers, problem: headerProblem } = parseHeaders(headerText);
  let payloadProblem: string | null = null;
  if (payload.trim() !== "" && headers["content-type"]?.includes("json")) {
    try {
      JSON.parse(payload);
    } catch (error) {
      payloadProblem = `Not JSON: ${errorMessage(error)}`;
    }
  }

  const run = useMutation({
    mutationFn: async () => {
      await beforeRun();
      return unwrap(
        api.POST("/api/v1/projects/{p}/functions/{f}/test", {
          params: { path: { p: project.slug, f: fn.id } },
          body: { method, headers, body: payload, version: "head" },
        }),
      );
    },
    onSettled: () =>
      queryClient.invalidateQueries({ queryKey: keys.invocations(project.slug, fn.slug) }),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (headerProblem || payloadProblem) return;
    run.mutate();
  };
  const result = run.data;

  return (
    <>
      <form className="form" onSubmit={submit} aria-label="Test request" noValidate>
        <p className="small muted">
          Runs the saved code (v{fn.head_version}), deployed or not, with its secrets and the
          project's KV. Unsaved changes are saved first.
        </p>
        <div className="fn-row-fields">
          <label className="field" style={{ flex: "0 0 8rem" }}>
            <span>Method</span>
            <select value={method} onChange={(e) => setMethod(e.target.value)}>
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <button type="submit" className="button button-primary" disabled={run.isPending}>
            {run.isPending ? "Running…" : "Run"}
          </button>
        </div>
        <label className="field">
          <span>Headers</span>
          <textarea
            className="mono"
            rows={2}
            value={headerText}
            onChange={(e) => setHeaderText(e.target.value)}
            aria-invalid={headerProblem !== null}
            aria-describedby="fn-test-headers-help"
          />
          <small id="fn-test-headers-help" className={headerProblem ? "field-error" : "muted"}>
            {headerProblem ?? "One “Name: value” a line."}
          </small>
        </label>
        <label className="field">
          <span>Payload</span>
          <textarea
            className="mono"
            rows={5}
            value={payload}
            onChange={(e) => setPayload(e.target.value)}
            aria-invalid={payloadProblem !== null}
            aria-describedby="fn-test-payload-help"
          />
          <small id="fn-test-payload-help" className={payloadProblem ? "field-error" : "muted"}>
            {payloadProblem ?? "The request body: what request.json() reads."}
          </small>
        </label>
      </form>
      {run.isError ? (
        <p className="form-error" role="alert">
          {errorMessage(run.error)}
        </p>
      ) : null}
      {result ? (
        <section aria-label="Test result" className="fn-panel" style={{ padding: 0 }}>
          <div className="fn-result-head">
            <h3>Result</h3>
            <span
              className={`badge ${result.error || (result.status ?? 0) >= 400 ? "badge-error" : "badge-published"}`}
              aria-label="Response status"
            >
              {result.status ?? "no response"}
            </span>
            <span className="small muted">
              {result.duration_ms} ms · v{result.version}
            </span>
          </div>
          {result.error ? (
            <div>
              <h3>Error</h3>
              <pre className="fn-output fn-output-error" aria-label="Error">
                {result.error.code}: {result.error.message}
                {result.error.stack ? `\n${result.error.stack}` : ""}
              </pre>
            </div>
          ) : null}
          {result.headers.length > 0 ? (
            <div>
              <h3>Headers</h3>
              <pre className="fn-output" aria-label="Response headers">
                {result.headers.map((h) => `${h.name}: ${h.value}`).join("\n")}
              </pre>
            </div>
          ) : null}
          {result.status != null ? (
            <div>
              <h3>Body</h3>
              <pre className="fn-output" aria-label="Response body">
                {pretty(result.body) || "(empty)"}
              </pre>
            </div>
          ) : null}
          <div>
            <h3>Console</h3>
            <pre className="fn-output" aria-label="Console output">
              {result.logs || "(nothing logged)"}
              {result.logs_truncated ? "\n… cut" : ""}
            </pre>
          </div>
        </section>
      ) : null}
    </>
  );
}
