/**
 * "New page": a name, a slug derived from it as you type (editable, checked as you type), a
 * description and a template. Creating saves the template as version 1 and opens the studio;
 * "Describe it" creates the page empty and opens the studio's page agent, the description as
 * its request.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useLocation } from "wouter";
import { api, errorMessage, unwrap, type Project } from "../api/client";
import { invalidatePages } from "../api/queries";
import { Dialog, FormButtons } from "../components/Dialog";
import { FormError } from "../components/LoadError";
import { NameAndSlugFields, isSlugTaken, useNameAndSlug } from "../components/NameAndSlug";
import { TemplatePicker } from "../components/TemplatePicker";
import { useToast } from "../components/Toasts";
import { paths } from "../paths";

/** Not a template of the server's: the page starts empty and the page agent writes it. */
const DESCRIBE = {
  name: "describe",
  title: "Describe it",
  description: "The page agent writes it from your words; you review it and publish",
};

export function NewPageDialog({
  project,
  open,
  onClose,
}: {
  project: Project;
  open: boolean;
  onClose: () => void;
}) {
  const fields = useNameAndSlug();
  const [description, setDescription] = useState("");
  const [template, setTemplate] = useState("blank");
  const [touched, setTouched] = useState(false);
  const [, navigate] = useLocation();
  const toast = useToast();
  const templates = useQuery({
    queryKey: ["templates"],
    queryFn: () => unwrap(api.GET("/api/v1/templates")),
    staleTime: Infinity,
    enabled: open,
  });

  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/projects/{p}/pages", {
          params: { path: { p: project.slug } },
          body: {
            name: fields.name.trim(),
            slug: fields.slug,
            description: description.trim(),
            template: template === DESCRIBE.name ? undefined : template,
          },
        }),
      ),
    onSuccess: async (created) => {
      await invalidatePages(project.slug);
      if (created.first && !created.first.build.ok) {
        toast({ tone: "error", text: "Created; the first build failed — the studio shows why." });
      }
      const studio = paths.studio(project.slug, created.slug);
      navigate(template === DESCRIBE.name ? `${studio}?panel=agent` : studio);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (fields.slugProblem || fields.nameProblem) return;
    create.mutate();
  };

  const close = () => {
    create.reset();
    fields.reset();
    setDescription("");
    setTemplate("blank");
    setTouched(false);
    onClose();
  };

  return (
    <Dialog
      open={open}
      title="New page"
      onClose={close}
      wide
      footer={
        <FormButtons form="new-page-form" label="Create page" busyLabel="Creating…" busy={create.isPending} onCancel={close} />
      }
    >
      <form id="new-page-form" className="form" onSubmit={submit} noValidate>
        <NameAndSlugFields
          fields={fields}
          touched={touched}
          error={create.error}
          id="page"
          namePlaceholder="Sales dashboard"
          slugPrefix={`/p/${project.slug}/pages/`}
          slugHelp="The page's address. Lowercase letters, digits and “-”."
        />
        <label className="field">
          <span>
            Description <span className="muted">(optional)</span>
          </span>
          <textarea
            rows={2}
            value={description}
            maxLength={2000}
            onChange={(e) => setDescription(e.target.value)}
            placeholder="What this page shows, and for whom"
          />
        </label>
        <TemplatePicker group="template" templates={templates.data ? [...templates.data, DESCRIBE] : []} chosen={template} onChoose={setTemplate}>
          {templates.isPending ? <p className="muted small">Loading templates…</p> : null}
          {templates.isError ? (
            <p className="field-error">The templates could not be loaded: {errorMessage(templates.error)}</p>
          ) : null}
        </TemplatePicker>
        {isSlugTaken(create.error) ? null : <FormError error={create.error} />}
      </form>
    </Dialog>
  );
}
