/**
 * "New function": a name, a slug derived from it (editable, checked as you type) and a
 * template. Creating saves the template as version 1 and opens the function's screen.
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useLocation } from "wouter";
import { ApiError, api, errorMessage, unwrap, type Project } from "../api/client";
import { invalidateFunctions } from "../api/queries";
import { Dialog } from "../components/Dialog";
import { paths } from "../paths";
import { slugProblem, slugify } from "../slug";
import { FUNCTION_TEMPLATES } from "./templates";

export function NewFunctionDialog({
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
  const [template, setTemplate] = useState(FUNCTION_TEMPLATES[0].name);
  const [touched, setTouched] = useState(false);
  const [, navigate] = useLocation();

  const create = useMutation({
    mutationFn: (slug: string) =>
      unwrap(
        api.POST("/api/v1/projects/{p}/functions", {
          params: { path: { p: project.slug } },
          body: {
            name: name.trim(),
            slug,
            code: FUNCTION_TEMPLATES.find((t) => t.name === template)?.code ?? "",
          },
        }),
      ),
    onSuccess: async (created) => {
      await invalidateFunctions(project.slug);
      navigate(paths.fn(project.slug, created.slug));
    },
  });

  const effectiveSlug = slugEdited ? slug : slugify(name);
  const problem = slugProblem(effectiveSlug);
  const nameProblem = name.trim() === "" ? "A name is needed." : null;
  const serverError = create.error instanceof ApiError ? create.error : null;
  const slugTaken = serverError?.status === 409;
  const showSlugProblem = (effectiveSlug !== "" || touched) && problem !== null;

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
    setTemplate(FUNCTION_TEMPLATES[0].name);
    setTouched(false);
    onClose();
  };

  return (
    <Dialog
      open={open}
      title="New function"
      onClose={close}
      wide
      footer={
        <>
          <button type="button" className="button" onClick={close}>
            Cancel
          </button>
          <button
            type="submit"
            form="new-function-form"
            className="button button-primary"
            disabled={create.isPending}
          >
            {create.isPending ? "Creating…" : "Create function"}
          </button>
        </>
      }
    >
      <form id="new-function-form" className="form" onSubmit={submit} noValidate>
        <label className="field">
          <span>Name</span>
          <input
            autoFocus
            value={name}
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={touched && nameProblem !== null}
            placeholder="Order lookup"
          />
          {touched && nameProblem ? <small className="field-error">{nameProblem}</small> : null}
        </label>
        <label className="field">
          <span>Slug</span>
          <div className="input-prefix">
            <span className="muted mono small">…/functions/</span>
            <input
              className="mono"
              value={effectiveSlug}
              onChange={(e) => {
                setSlugEdited(true);
                setSlug(e.target.value);
              }}
              aria-invalid={showSlugProblem || slugTaken}
              aria-describedby="fn-slug-help"
            />
          </div>
          <small id="fn-slug-help" className={showSlugProblem || slugTaken ? "field-error" : "muted"}>
            {showSlugProblem
              ? problem
              : slugTaken
                ? serverError?.message
                : "Pages call the function by it: kapso.invokeFunction({ slug })."}
          </small>
        </label>
        <fieldset className="field templates">
          <legend>Template</legend>
          <div className="template-grid">
            {FUNCTION_TEMPLATES.map((t) => (
              <label key={t.name} className={t.name === template ? "template template-chosen" : "template"}>
                <input
                  type="radio"
                  name="fn-template"
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
