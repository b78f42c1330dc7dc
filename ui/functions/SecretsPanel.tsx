/**
 * The function's secrets: names only (values are write-only), each replaceable and
 * deletable; a new one is read by the code as `env.NAME`.
 */
import { useMutation, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, errorMessage, unwrap, type FunctionDetail, type Project, type Secret } from "../api/client";
import { keys } from "../api/queries";
import { Confirm } from "../components/Dialog";
import { RelativeTime } from "../components/RelativeTime";
import { useToast } from "../components/Toasts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function SecretsPanel({
  project,
  fn,
  secrets,
}: {
  project: Project;
  fn: FunctionDetail;
  secrets: UseQueryResult<Secret[]>;
}) {
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [deleting, setDeleting] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const toast = useToast();
  const params = (secret: string) => ({ path: { p: project.slug, f: fn.id, name: secret } });
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.secrets(project.slug, fn.slug) });

  const set = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT("/api/v1/projects/{p}/functions/{f}/secrets/{name}", {
          params: params(name),
          body: { value },
        }),
      ),
    onSuccess: async () => {
      toast({ tone: "ok", text: `Secret ${name} set` });
      setName("");
      setValue("");
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (secret: string) =>
      unwrap(api.DELETE("/api/v1/projects/{p}/functions/{f}/secrets/{name}", { params: params(secret) })),
    onSuccess: async (_, secret) => {
      setDeleting(null);
      toast({ tone: "ok", text: `Secret ${secret} deleted` });
      await refresh();
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error) }),
  });

  const nameProblem = name !== "" && !NAME.test(name) ? "Letters, digits and “_”, not starting with a digit." : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!NAME.test(name) || value === "") return;
    set.mutate();
  };

  return (
    <>
      <p className="small muted">
        The code reads a secret as <code>env.NAME</code>. Values are never shown again, and are cut
        out of logs and errors.
      </p>
      {secrets.isPending ? <span className="skeleton skeleton-line" aria-hidden="true" /> : null}
      {secrets.isError ? (
        <p className="form-error" role="alert">
          The secrets could not be loaded: {errorMessage(secrets.error)}{" "}
          <button type="button" className="link-button" onClick={() => void secrets.refetch()}>
            Try again
          </button>
        </p>
      ) : null}
      {secrets.isSuccess && secrets.data.length === 0 ? (
        <p className="small muted">No secrets yet.</p>
      ) : null}
      {secrets.data && secrets.data.length > 0 ? (
        <ul className="fn-secrets" aria-label="Secrets">
          {secrets.data.map((secret) => (
            <li key={secret.name}>
              <span className="mono">{secret.name}</span>
              <span className="small muted">
                <RelativeTime at={secret.updated_at} />
              </span>
              <button
                type="button"
                className="button button-quiet button-small"
                aria-label={`Replace ${secret.name}`}
                onClick={() => {
                  setName(secret.name);
                  setValue("");
                  document.getElementById("fn-secret-value")?.focus();
                }}
              >
                Replace
              </button>
              <button
                type="button"
                className="button button-quiet button-small"
                aria-label={`Delete ${secret.name}`}
                onClick={() => setDeleting(secret.name)}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <form className="form" onSubmit={submit} aria-label="Set a secret" noValidate>
        <div className="fn-row-fields">
          <label className="field">
            <span>Name</span>
            <input
              className="mono"
              value={name}
              maxLength={64}
              onChange={(e) => setName(e.target.value)}
              placeholder="API_TOKEN"
              aria-invalid={nameProblem !== null}
            />
          </label>
          <label className="field">
            <span>Value</span>
            <input
              id="fn-secret-value"
              type="password"
              autoComplete="off"
              value={value}
              onChange={(e) => setValue(e.target.value)}
            />
          </label>
          <button type="submit" className="button" disabled={set.isPending || !NAME.test(name) || value === ""}>
            {set.isPending ? "Setting…" : "Set"}
          </button>
        </div>
        {nameProblem ? <small className="field-error">{nameProblem}</small> : null}
        {set.isError ? (
          <p className="form-error" role="alert">
            {errorMessage(set.error)}
          </p>
        ) : null}
      </form>
      <Confirm
        open={deleting !== null}
        title={`Delete the secret ${deleting ?? ""}?`}
        confirm="Delete secret"
        danger
        busy={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      >
        <p>
          Its value is gone for good, and <code>env.{deleting}</code> is undefined from the next call on.
        </p>
      </Confirm>
    </>
  );
}
