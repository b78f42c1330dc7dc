/**
 * "New page": a name, a slug derived from it as you type (editable, checked as you type), a
 * description and a template. Creating saves the template as version 1 and opens the studio.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useLocation } from "wouter";
import { ApiError, api, errorMessage, unwrap, type Project } from "../api/client";
import { invalidatePages } from "../api/queries";
import { Dialog } from "../components/Dialog";
import { useToast } from "../components/Toasts";
import { paths } from "../paths";
import { slugProblem, slugify } from "../slug";

/** The studio's page settings read the rule from here. */
export { slugProblem, slugify };

export function NewPageDialog({
  project,
  open,
  onClose,
}: {
  project: Project;
  open: boolean;
  onClose: () => void;
}) {
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
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
    mutationFn: (slug: string) =>
      unwrap(
        api.POST("/api/v1/projects/{p}/pages", {
          params: { path: { p: project.slug } },
          body: { name: name.trim(), slug, description: description.trim(), template },
        }),
      ),
    onSuccess: async (created) => {
      await invalidatePages(project.slug);
      if (created.first && !created.first.build.ok) {
        toast({ tone: "error", text: "Created; the first build failed — the studio shows why." });
      }
      navigate(paths.studio(project.slug, created.slug));
    },
  });

  const effectiveSlug = slugEdited ? slug : slugify(name);
  const problem = slugProblem(effectiveSlug);
  const nameProblem = name.trim() === "" ? "A name is needed." : null;
  const serverError = create.error instanceof ApiError ? create.error : null;
  const slugTaken = serverError?.status === 409 && /slug/i.test(serverError.message);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem || nameProblem) return;
    create.mutate(effectiveSlug);
  };

  const close = () => {
    create.reset();
    setName("");
    setSlug("");
    setSlugEdited(false);
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
        <>
          <button type="button" className="button" onClick={close}>
            Cancel
          </button>
          <button
            type="submit"
            form="new-page-form"
            className="button button-primary"
            disabled={create.isPending}
          >
            {create.isPending ? "Creating…" : "Create page"}
          </button>
        </>
      }
    >
      <form id="new-page-form" className="form" onSubmit={submit} noValidate>
        <label className="field">
          <span>Name</span>
          <input
            autoFocus
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={touched && nameProblem !== null}
            placeholder="Sales dashboard"
          />
          {touched && nameProblem ? <small className="field-error">{nameProblem}</small> : null}
        </label>
        <label className="field">
          <span>Slug</span>
          <div className="input-prefix">
            <span className="muted mono small">/p/{project.slug}/pages/</span>
            <input
              className="mono"
              value={effectiveSlug}
              onChange={(e) => {
                setSlugEdited(true);
                setSlug(e.target.value);
              }}
              aria-invalid={(effectiveSlug !== "" || touched) && (problem !== null || slugTaken)}
              aria-describedby="slug-help"
            />
          </div>
          <small id="slug-help" className={problem && (effectiveSlug !== "" || touched) ? "field-error" : "muted"}>
            {(effectiveSlug !== "" || touched) && problem
              ? problem
              : slugTaken
                ? serverError?.message
                : "The page's address. Lowercase letters, digits and “-”."}
          </small>
        </label>
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
        <fieldset className="field templates">
          <legend>Template</legend>
          {templates.isPending ? <p className="muted small">Loading templates…</p> : null}
          {templates.isError ? (
            <p className="field-error">The templates could not be loaded: {errorMessage(templates.error)}</p>
          ) : null}
          <div className="template-grid">
            {(templates.data ?? []).map((t) => (
              <label key={t.name} className={t.name === template ? "template template-chosen" : "template"}>
                <input
                  type="radio"
                  name="template"
                  value={t.name}
                  checked={t.name === template}
                  onChange={() => setTemplate(t.name)}
                />
                <span className="template-title">{t.title}</span>
                <span className="template-description muted small">{t.description}</span>
              </label>
            ))}
          </div>
        </fieldset>
        {create.isError && !slugTaken ? (
          <p className="form-error" role="alert">
            {errorMessage(create.error)}
          </p>
        ) : null}
      </form>
    </Dialog>
  );
}
