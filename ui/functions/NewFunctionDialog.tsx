/**
 * "New function": a name, a slug derived from it (editable, checked as you type) and a
 * template. Creating saves the template as version 1 and opens the function's screen.
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useLocation } from "wouter";
import { api, unwrap, type Project } from "../api/client";
import { invalidateFunctions } from "../api/queries";
import { Dialog, FormButtons } from "../components/Dialog";
import { FormError } from "../components/LoadError";
import { NameAndSlugFields, isSlugTaken, useNameAndSlug } from "../components/NameAndSlug";
import { TemplatePicker } from "../components/TemplatePicker";
import { paths } from "../paths";
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
  const fields = useNameAndSlug();
  const [template, setTemplate] = useState(FUNCTION_TEMPLATES[0].name);
  const [touched, setTouched] = useState(false);
  const [, navigate] = useLocation();

  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/api/v1/projects/{p}/functions", {
          params: { path: { p: project.slug } },
          body: {
            name: fields.name.trim(),
            slug: fields.slug,
            code: FUNCTION_TEMPLATES.find((t) => t.name === template)?.code ?? "",
          },
        }),
      ),
    onSuccess: async (created) => {
      await invalidateFunctions(project.slug);
      navigate(paths.fn(project.slug, created.slug));
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
        <FormButtons
          form="new-function-form"
          label="Create function"
          busyLabel="Creating…"
          busy={create.isPending}
          onCancel={close}
        />
      }
    >
      <form id="new-function-form" className="form" onSubmit={submit} noValidate>
        <NameAndSlugFields
          fields={fields}
          touched={touched}
          error={create.error}
          id="fn"
          namePlaceholder="Order lookup"
          slugPrefix="…/functions/"
          slugHelp="Pages call the function by it: kapso.invokeFunction({ slug })."
        />
        <TemplatePicker group="fn-template" templates={FUNCTION_TEMPLATES} chosen={template} onChoose={setTemplate} />
        {isSlugTaken(create.error) ? null : <FormError error={create.error} />}
      </form>
    </Dialog>
  );
}
