/**
 * A page's settings: name, slug, description and the inbox mount (saved together), and its
 * npm dependencies (saved as a new version, since they are part of what is built).
 */
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useLocation } from "wouter";
import { ApiError, api, errorMessage, unwrap, type PageDetail, type Project } from "../api/client";
import { invalidatePages } from "../api/queries";
import { Drawer } from "../components/Drawer";
import { useToast } from "../components/Toasts";
import { paths } from "../paths";
import { slugProblem } from "../slug";

/** The page named in a 409 about the inbox mount point. */
function holder(error: unknown): { name: string; slug: string } | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const details = error.details as { page?: { name?: string; slug?: string } } | null;
  return details?.page?.slug ? { name: details.page.name ?? details.page.slug, slug: details.page.slug } : null;
}

/** `name@range` lines ⇄ the dependencies map. */
export function parseDependencies(text: string): { value?: Record<string, string>; error?: string } {
  const value: Record<string, string> = {};
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const at = line.lastIndexOf("@");
    if (at <= 0) return { error: `Line ${index + 1}: write name@version, e.g. recharts@^3.0.0` };
    value[line.slice(0, at)] = line.slice(at + 1);
  }
  return { value };
}

export function PageSettings({
  project,
  page,
  onClose,
}: {
  project: Project;
  page: PageDetail;
  onClose: () => void;
}) {
  const [name, setName] = useState(page.name);
  const [slug, setSlug] = useState(page.slug);
  const [description, setDescription] = useState(page.description);
  const [inboxMount, setInboxMount] = useState(page.inbox_mount);
  const [dependencies, setDependencies] = useState(
    Object.entries(page.dependencies)
      .map(([n, v]) => `${n}@${v}`)
      .join("\n"),
  );
  const [, navigate] = useLocation();
  const toast = useToast();

  const update = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/api/v1/projects/{p}/pages/{page}", {
          params: { path: { p: project.slug, page: page.id } },
          body: { name: name.trim(), slug, description, inbox_mount: inboxMount },
        }),
      ),
    onSuccess: async (updated) => {
      toast({ tone: "ok", text: "Settings saved" });
      await invalidatePages(project.slug);
      if (updated.slug !== page.slug) navigate(paths.studio(project.slug, updated.slug), { replace: true });
    },
  });

  const parsed = parseDependencies(dependencies);
  const saveDependencies = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT("/api/v1/projects/{p}/pages/{page}/source", {
          params: { path: { p: project.slug, page: page.id } },
          body: {
            source: page.head?.source ?? "",
            dependencies: parsed.value ?? {},
            base_version: page.head?.number ?? null,
          },
        }),
      ),
    onSuccess: async (saved) => {
      toast(
        saved.build.ok
          ? { tone: "ok", text: `Dependencies saved as version ${saved.version.number}` }
          : { tone: "error", text: `Version ${saved.version.number} did not build with these dependencies` },
      );
      await invalidatePages(project.slug);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (slugProblem(slug) || name.trim() === "") return;
    update.mutate();
  };
  const taken = holder(update.error);

  return (
    <Drawer title="Page settings" onClose={onClose}>
      <form className="form settings-form" onSubmit={submit}>
        <label className="field">
          <span>Name</span>
          <input value={name} maxLength={200} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label className="field">
          <span>Slug</span>
          <input className="mono" value={slug} onChange={(e) => setSlug(e.target.value)} aria-invalid={slugProblem(slug) !== null} />
          <small className={slugProblem(slug) ? "field-error" : "muted"}>
            {slugProblem(slug) ?? "Changing it changes the page's address; old links stop working."}
          </small>
        </label>
        <label className="field">
          <span>Description</span>
          <textarea rows={3} value={description} maxLength={2000} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={inboxMount} onChange={(e) => setInboxMount(e.target.checked)} />
          <span>
            Show in the inbox’s conversation sidebar
            <small className="muted"> One page per project holds this place.</small>
          </span>
        </label>
        {update.isError ? (
          <p className="form-error" role="alert">
            {errorMessage(update.error)}
            {taken ? (
              <>
                {" "}
                <Link href={paths.studio(project.slug, taken.slug)}>Open “{taken.name}”</Link>
              </>
            ) : null}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={update.isPending}>
            {update.isPending ? "Saving…" : "Save settings"}
          </button>
        </div>
      </form>
      <form
        className="form settings-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (parsed.error === undefined) saveDependencies.mutate();
        }}
      >
        <label className="field">
          <span>npm dependencies</span>
          <textarea
            className="mono"
            rows={4}
            spellCheck={false}
            value={dependencies}
            onChange={(e) => setDependencies(e.target.value)}
            aria-invalid={parsed.error !== undefined}
            placeholder="recharts@^3.0.0"
          />
          <small className={parsed.error ? "field-error" : "muted"}>
            {parsed.error ??
              "One name@version per line. Imports are found on their own; pin a version here. Saving makes a new version of the saved source."}
          </small>
        </label>
        {saveDependencies.isError ? (
          <p className="form-error" role="alert">
            {errorMessage(saveDependencies.error)}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="button" disabled={saveDependencies.isPending || page.head == null}>
            Save dependencies
          </button>
        </div>
      </form>
    </Drawer>
  );
}
