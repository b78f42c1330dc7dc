/**
 * A project's pages: status, build state of the newest version, versions, inbox mount, who
 * saved last and when. Owners and admins create pages here and open the studio; members see
 * the published pages and open their dashboards.
 */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { api, canEdit, errorMessage, unwrap, type Page, type Project } from "../api/client";
import { invalidatePages, usePages } from "../api/queries";
import { Confirm } from "../components/Dialog";
import { Notice } from "../components/Notice";
import { RelativeTime } from "../components/RelativeTime";
import { RowsSkeleton } from "../components/RowsSkeleton";
import { useToast } from "../components/Toasts";
import { paths } from "../paths";
import { NewPageDialog } from "./NewPageDialog";

/** What the list says of a page's state. */
export function pageState(page: Page): { label: string; tone: string; title: string } {
  if (page.published_version == null) {
    return { label: "Draft", tone: "draft", title: "Not published: only owners and admins see it" };
  }
  if (page.head_version != null && page.head_version !== page.published_version) {
    return {
      label: "Changes not published",
      tone: "changed",
      title: `v${page.published_version} is published; v${page.head_version} is newer`,
    };
  }
  return { label: "Published", tone: "published", title: `v${page.published_version} is served` };
}

export function PageList({ project }: { project: Project }) {
  const pages = usePages(project.slug);
  const editor = canEdit(project);
  const search = useSearch();
  const [, navigate] = useLocation();
  const creating = new URLSearchParams(search).get("new") === "1";
  const [deleting, setDeleting] = useState<Page | null>(null);
  const toast = useToast();
  const remove = useMutation({
    mutationFn: (page: Page) =>
      unwrap(
        api.DELETE("/api/v1/projects/{p}/pages/{page}", {
          params: { path: { p: project.slug, page: page.id } },
        }),
      ),
    onSuccess: async (_, page) => {
      setDeleting(null);
      toast({ tone: "ok", text: `Deleted “${page.name}”` });
      await invalidatePages(project.slug);
    },
    onError: (error) => toast({ tone: "error", text: errorMessage(error) }),
  });

  // Members see published pages only.
  const shown = (pages.data ?? []).filter((page) => editor || page.published_version != null);
  const openNew = () => navigate(`${paths.project(project.slug)}?new=1`);

  return (
    <section aria-labelledby="pages-title">
      <div className="section-head">
        <h1 id="pages-title" className="page-title">
          {project.name} <span className="muted title-aside">· pages</span>
        </h1>
        {editor ? (
          <button type="button" className="button button-primary" onClick={openNew}>
            New page
          </button>
        ) : null}
      </div>
      {pages.isPending ? <RowsSkeleton /> : null}
      {pages.isError ? (
        <Notice tone="error" title="The pages could not be loaded">
          {errorMessage(pages.error)}{" "}
          <button type="button" className="link-button" onClick={() => void pages.refetch()}>
            Try again
          </button>
        </Notice>
      ) : null}
      {pages.isSuccess && shown.length === 0 ? (
        <div className="empty">
          <h2 className="empty-title">{editor ? "No pages yet" : "No published pages yet"}</h2>
          <p className="muted">
            {editor
              ? "A page is a React screen written in one TSX file: a dashboard for the team, or a card beside inbox conversations. Start from a template."
              : "When an owner or admin publishes a page of this project, it is listed here."}
          </p>
          {editor ? (
            <button type="button" className="button button-primary" onClick={openNew}>
              Create the first page
            </button>
          ) : null}
        </div>
      ) : null}
      {shown.length > 0 ? (
        <ul className="page-list" aria-label="Pages">
          {shown.map((page) => (
            <PageRow
              key={page.id}
              project={project}
              page={page}
              editor={editor}
              onDelete={() => setDeleting(page)}
            />
          ))}
        </ul>
      ) : null}
      {editor ? (
        <NewPageDialog
          project={project}
          open={creating}
          onClose={() => navigate(paths.project(project.slug), { replace: true })}
        />
      ) : null}
      <Confirm
        open={deleting !== null}
        title={`Delete “${deleting?.name ?? ""}”?`}
        confirm="Delete page"
        danger
        busy={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      >
        <p>
          The page, all its versions and their history go, and its dashboard link stops working
          {deleting?.inbox_mount ? "; the inbox sidebar loses it" : ""}. This cannot be undone.
        </p>
      </Confirm>
    </section>
  );
}

function PageRow({
  project,
  page,
  editor,
  onDelete,
}: {
  project: Project;
  page: Page;
  editor: boolean;
  onDelete: () => void;
}) {
  const state = pageState(page);
  const last = page.last_save;
  const open = editor ? paths.studio(project.slug, page.slug) : paths.dashboard(project.slug, page.slug);
  return (
    <li className="page-row">
      <div className="page-row-main">
        <Link href={open} className="page-row-name">
          {page.name}
        </Link>
        <span className="muted mono small">{page.slug}</span>
        {page.description ? <p className="page-row-description">{page.description}</p> : null}
      </div>
      <div className="page-row-badges">
        <span className={`badge badge-${state.tone}`} title={state.title}>
          {state.label}
        </span>
        {last && !last.build_ok ? (
          <span className="badge badge-error" title={`v${last.number} did not build`}>
            Build failed
          </span>
        ) : null}
        {page.inbox_mount ? (
          <span className="badge badge-info" title="Shown beside inbox conversations">
            Inbox
          </span>
        ) : null}
      </div>
      <div className="page-row-meta small muted">
        {page.head_version != null ? (
          <span>
            v{page.head_version}
            {page.published_version != null && page.published_version !== page.head_version
              ? ` · v${page.published_version} live`
              : ""}
          </span>
        ) : (
          <span>never saved</span>
        )}
        {last ? (
          <span>
            {last.saved_by?.name ?? "someone"} · <RelativeTime at={last.saved_at} />
          </span>
        ) : null}
      </div>
      <div className="page-row-actions">
        {page.published_version != null ? (
          <Link href={paths.dashboard(project.slug, page.slug)} className="button button-quiet button-small">
            View
          </Link>
        ) : null}
        {editor ? (
          <>
            <Link href={paths.studio(project.slug, page.slug)} className="button button-small">
              Edit
            </Link>
            <button
              type="button"
              className="button button-quiet button-small"
              aria-label={`Delete ${page.name}`}
              onClick={onDelete}
            >
              Delete
            </button>
          </>
        ) : null}
      </div>
    </li>
  );
}

/** The pages list's loading rows; the functions list shows the same. */
export const ListSkeleton = RowsSkeleton;
