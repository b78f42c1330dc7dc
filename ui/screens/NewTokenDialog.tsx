/**
 * "New API token": a name, all the caller's projects or one, and an optional lifetime in
 * days. The token is shown once, with a copy button.
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, canEdit, unwrap, type Project } from "../api/client";
import { keys, queryClient } from "../api/queries";
import { CopyField } from "../components/CopyField";
import { Dialog, FormButtons } from "../components/Dialog";
import { FormError } from "../components/LoadError";

export function NewTokenDialog({
  projects,
  open,
  onClose,
}: {
  projects: Project[];
  open: boolean;
  onClose: () => void;
}) {
  const editable = projects.filter(canEdit);
  const [name, setName] = useState("");
  const [project, setProject] = useState("");
  const [days, setDays] = useState("");
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/tokens", {
          body: {
            name: name.trim(),
            project: project || undefined,
            expires_in_days: days ? Number(days) : undefined,
          },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.tokens }),
  });
  const close = () => {
    create.reset();
    setName("");
    setProject("");
    setDays("");
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Dialog
      open={open}
      title={create.data ? "Your new API token" : "New API token"}
      onClose={close}
      footer={
        create.data ? (
          <button type="button" className="button button-primary" onClick={close}>
            Done
          </button>
        ) : (
          <FormButtons form="token-form" label="Create token" busyLabel="Creating…" busy={create.isPending} onCancel={close} />
        )
      }
    >
      {create.data ? (
        <div className="form">
          <p>
            “{create.data.name}” acts as you
            {create.data.project_id
              ? ` in ${projects.find((p) => p.id === create.data.project_id)?.name ?? "one project"} only`
              : " in all your projects"}
            . Send it as <code className="mono">Authorization: Bearer …</code>.
          </p>
          <CopyField
            label="API token"
            value={create.data.token}
            note="Shown only now: Quire keeps only a hash. Lost it? Revoke it and create another."
          />
        </div>
      ) : (
        <form id="token-form" className="form" onSubmit={submit}>
          <label className="field">
            <span>Name</span>
            <input
              required
              autoFocus
              maxLength={200}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="Deploy script"
            />
          </label>
          <label className="field">
            <span>Works in</span>
            <select value={project} onChange={(e) => setProject(e.target.value)}>
              <option value="">All my projects</option>
              {editable.map((p) => (
                <option key={p.id} value={p.slug}>
                  {p.name} only
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Expires after (days)</span>
            <input
              type="number"
              min={1}
              max={3650}
              inputMode="numeric"
              value={days}
              onChange={(e) => setDays(e.target.value)}
              placeholder="never"
              aria-describedby="token-days-help"
            />
            <small id="token-days-help" className="muted">
              1 to 3,650 days; leave empty for a token that works until revoked.
            </small>
          </label>
          <FormError error={create.error} />
        </form>
      )}
    </Dialog>
  );
}
