/** "Rename": owners give a project a new name; its slug, and every link, stays. */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, unwrap, type Project } from "../api/client";
import { keys, queryClient } from "../api/queries";
import { Dialog, FormButtons } from "../components/Dialog";
import { useToast } from "../components/Toasts";
import { FormError } from "../components/LoadError";

export function RenameProjectDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const [name, setName] = useState(project.name);
  const toast = useToast();
  const rename = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/api/v1/projects/{p}", {
          params: { path: { p: project.slug } },
          body: { name: name.trim() },
        }),
      ),
    onSuccess: async (renamed) => {
      await queryClient.invalidateQueries({ queryKey: keys.me });
      toast({ tone: "ok", text: `Renamed to “${renamed.name}”` });
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rename.mutate();
  };
  return (
    <Dialog
      open
      title={`Rename ${project.name}`}
      onClose={onClose}
      footer={
        <FormButtons form="rename-form" label="Rename" busyLabel="Renaming…" busy={rename.isPending} onCancel={onClose} />
      }
    >
      <form id="rename-form" className="form" onSubmit={submit}>
        <label className="field">
          <span>Name</span>
          <input required autoFocus maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
          <small className="muted">The address /p/{project.slug} stays the same.</small>
        </label>
        <FormError error={rename.error} />
      </form>
    </Dialog>
  );
}
