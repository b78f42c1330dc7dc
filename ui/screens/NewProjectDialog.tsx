/** "New project": a name and a slug derived from it; the creator becomes its owner. */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useLocation } from "wouter";
import { api, unwrap } from "../api/client";
import { keys, queryClient } from "../api/queries";
import { Dialog, FormButtons } from "../components/Dialog";
import { paths } from "../paths";
import { slugProblem, slugify } from "../slug";
import { FormError } from "../components/LoadError";

export function NewProjectDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [name, setName] = useState("");
  const [slug, setSlug] = useState<string | null>(null);
  const [, navigate] = useLocation();
  const effectiveSlug = slug ?? slugify(name);
  const problem = name.trim() === "" ? null : slugProblem(effectiveSlug);
  const create = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/v1/projects", { body: { name: name.trim(), slug: effectiveSlug } })),
    onSuccess: async (project) => {
      await queryClient.invalidateQueries({ queryKey: keys.me });
      close();
      navigate(paths.project(project.slug));
    },
  });
  const close = () => {
    create.reset();
    setName("");
    setSlug(null);
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!problem) create.mutate();
  };
  return (
    <Dialog
      open={open}
      title="New project"
      onClose={close}
      footer={
        <FormButtons form="project-form" label="Create project" busyLabel="Creating…" busy={create.isPending} onCancel={close} />
      }
    >
      <form id="project-form" className="form" onSubmit={submit}>
        <p className="muted">
          A project holds pages, functions and the people who use them. You become its owner.
        </p>
        <label className="field">
          <span>Name</span>
          <input
            required
            autoFocus
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Support desk"
          />
        </label>
        <label className="field">
          <span>Slug</span>
          <div className="input-prefix">
            <span className="muted mono small">/p/</span>
            <input
              className="mono"
              required
              value={effectiveSlug}
              onChange={(e) => setSlug(e.target.value)}
              aria-invalid={problem !== null}
              aria-describedby="project-slug-help"
            />
          </div>
          <small id="project-slug-help" className={problem ? "field-error" : "muted"}>
            {problem ?? "The project's address; it cannot change later."}
          </small>
        </label>
        <FormError error={create.error} />
      </form>
    </Dialog>
  );
}
