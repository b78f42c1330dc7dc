/**
 * The function's settings: the public endpoint (its URL to copy and a curl example), the
 * time and memory limits, and deleting it (asked first).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useLocation } from "wouter";
import { api, errorMessage, unwrap, type FunctionDetail, type Project } from "../api/client";
import { invalidateFunctions, keys } from "../api/queries";
import { Confirm } from "../components/Dialog";
import { useToast } from "../components/Toasts";
import { paths } from "../paths";

export function SettingsPanel({
  project,
  fn,
  fnRef,
}: {
  project: Project;
  fn: FunctionDetail;
  fnRef: string;
}) {
  const [timeout, setTimeoutMs] = useState(String(fn.timeout_ms));
  const [memory, setMemory] = useState(String(fn.memory_mb));
  const [deleting, setDeleting] = useState(false);
  // Shown at once; put back if the server refuses.
  const [publicEndpoint, setPublicEndpoint] = useState(fn.public_endpoint);
  const [, navigate] = useLocation();
  const queryClient = useQueryClient();
  const toast = useToast();
  const url = `${location.origin}${fn.invoke_path}`;
  const curl = publicEndpoint
    ? `curl -X POST ${url} \\\n  -H 'content-type: application/json' -d '{"hello":"world"}'`
    : `curl -X POST ${url} \\\n  -H "Authorization: Bearer $QUIRE_TOKEN" \\\n  -H 'content-type: application/json' -d '{"hello":"world"}'`;

  const update = useMutation({
    mutationFn: (body: { public_endpoint?: boolean; timeout_ms?: number; memory_mb?: number }) =>
      unwrap(
        api.PATCH("/api/v1/projects/{p}/functions/{f}", {
          params: { path: { p: project.slug, f: fn.id } },
          body,
        }),
      ),
    onSuccess: async () => {
      toast({ tone: "ok", text: "Settings saved" });
      await queryClient.invalidateQueries({ queryKey: keys.fn(project.slug, fnRef) });
      await invalidateFunctions(project.slug);
    },
    onError: (error) => {
      setPublicEndpoint(fn.public_endpoint);
      toast({ tone: "error", text: errorMessage(error) });
    },
  });
  const remove = useMutation({
    mutationFn: () =>
      unwrap(
        api.DELETE("/api/v1/projects/{p}/functions/{f}", { params: { path: { p: project.slug, f: fn.id } } }),
      ),
    onSuccess: async () => {
      toast({ tone: "ok", text: `Deleted “${fn.name}”` });
      queryClient.removeQueries({ queryKey: keys.fn(project.slug, fnRef) });
      await invalidateFunctions(project.slug);
      navigate(paths.functions(project.slug));
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error) }),
  });

  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      toast({ tone: "ok", text: "Copied" });
    } catch {
      toast({ tone: "error", text: "The browser did not allow copying; select the text instead." });
    }
  };
  const limits = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ timeout_ms: Number(timeout), memory_mb: Number(memory) });
  };

  return (
    <>
      <h3>Endpoint</h3>
      <label className="fn-toggle">
        <input
          type="checkbox"
          checked={publicEndpoint}
          disabled={update.isPending}
          onChange={(e) => {
            setPublicEndpoint(e.target.checked);
            update.mutate({ public_endpoint: e.target.checked });
          }}
        />
        <span>Public endpoint: anyone with the URL may call it, from any web page</span>
      </label>
      <div className="fn-copy">
        <code aria-label="Invoke URL">{url}</code>
        <button type="button" className="button button-small" onClick={() => void copy(url)}>
          Copy URL
        </button>
      </div>
      <div className="fn-copy">
        <pre className="fn-output" style={{ flex: 1, margin: 0 }} aria-label="curl example">
          {curl}
        </pre>
        <button type="button" className="button button-small" onClick={() => void copy(curl)}>
          Copy
        </button>
      </div>
      {!publicEndpoint ? (
        <p className="small muted">Private: callers need an API token of this project, or a page of it.</p>
      ) : null}
      <form className="form" onSubmit={limits} aria-label="Limits">
        <h3>Limits</h3>
        <div className="fn-row-fields">
          <label className="field">
            <span>Timeout (ms)</span>
            <input type="number" min={10} max={30000} value={timeout} onChange={(e) => setTimeoutMs(e.target.value)} />
          </label>
          <label className="field">
            <span>Memory (MiB)</span>
            <input type="number" min={8} max={512} value={memory} onChange={(e) => setMemory(e.target.value)} />
          </label>
          <button type="submit" className="button" disabled={update.isPending}>
            Save limits
          </button>
        </div>
        <small className="muted">10 to 30,000 ms of wall time; 8 to 512 MiB.</small>
      </form>
      <div className="fn-danger">
        <button type="button" className="button button-danger" onClick={() => setDeleting(true)}>
          Delete function
        </button>
      </div>
      <Confirm
        open={deleting}
        title={`Delete “${fn.name}”?`}
        confirm="Delete function"
        danger
        busy={remove.isPending}
        onConfirm={() => remove.mutate()}
        onClose={() => setDeleting(false)}
      >
        <p>
          Its code, all its versions, secrets and call history go; pages and services calling{" "}
          <code>{fn.slug}</code> get 404 from then on. This cannot be undone.
        </p>
      </Confirm>
    </>
  );
}
