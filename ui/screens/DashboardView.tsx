/**
 * The standalone dashboard view `/p/{project}/pages/{page}`: the page's published version,
 * full-screen, under a slim bar. Says plainly when the page is not published or not visible.
 * The page scrolls inside its frame (pages written for a fixed frame, with `100vh` or
 * `position: fixed`, look as their authors meant). Uncaught errors show as a badge to every
 * viewer; owners and admins can open the page console under the page.
 */
import { useEffect, useRef, useState } from "react";
import { Link } from "wouter";
import { HostError } from "../../bridge/host";
import { ApiError, canEdit as canEditProject, type Project } from "../api/client";
import { usePage } from "../api/queries";
import { Notice } from "../components/Notice";
import { PageConsole } from "../page/PageConsole";
import { PageFrame } from "../page/PageFrame";
import { ShareDialog } from "./ShareDialog";
import { useConsoleOpen } from "../page/useConsoleOpen";
import { usePageConsole } from "../page/usePageConsole";
import { paths } from "../paths";

const CONSOLE_ID = "page-console";

type Unavailable = { state: "unavailable"; title: string; message: string };

function unavailable(error: unknown): Unavailable {
  const status = error instanceof ApiError || error instanceof HostError ? error.status : 0;
  if (status === 404 || status === 403) {
    return {
      state: "unavailable",
      title: "This page is not available",
      message:
        "It does not exist, or you are not allowed to see it. Ask a project owner for access.",
    };
  }
  return {
    state: "unavailable",
    title: "The page could not be opened",
    message: `${error instanceof Error ? error.message : String(error)} Reload to try again.`,
  };
}

export function DashboardView({
  projectRef,
  pageRef,
  projects,
}: {
  projectRef: string;
  pageRef: string;
  projects: Project[];
}) {
  const project = projects.find((p) => p.slug === projectRef || p.id === projectRef);
  const pageQuery = usePage(projectRef, pageRef);
  const [frameError, setFrameError] = useState<Unavailable | null>(null);
  // The page's console and uncaught errors, forwarded by the bridge.
  const pageConsole = usePageConsole();
  const canEdit = canEditProject(project);
  const [consoleOpen, showConsole] = useConsoleOpen("quire.pageConsole", false);
  const [sharing, setSharing] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const { clear: clearConsole } = pageConsole;

  useEffect(() => {
    setFrameError(null);
    clearConsole();
  }, [projectRef, pageRef, clearConsole]);

  const page = pageQuery.data ?? null;
  const published = page?.published_version ?? null;
  const isPublished = published !== null;
  const shown =
    frameError ??
    (pageQuery.isError
      ? unavailable(pageQuery.error)
      : pageQuery.isPending
        ? { state: "loading" as const }
        : { state: "ready" as const });

  return (
    <div className="dashboard">
      <header className="dashboard-bar">
        <Link
          href={project ? paths.project(project.slug) : paths.projects()}
          className="back"
          aria-label={`Back to ${project?.name ?? "Projects"}`}
        >
          ← <span className="back-name">{project?.name ?? "Projects"}</span>
        </Link>
        <h1 className="dashboard-title">{page?.name ?? pageRef}</h1>
        {published !== null ? <span className="badge dashboard-version">v{published}</span> : null}
        {canEdit && page ? (
          <Link href={paths.studio(projectRef, page.slug)} className="button button-quiet button-small">
            Edit
          </Link>
        ) : null}
        {canEdit && page && isPublished ? (
          <button type="button" className="button button-quiet button-small" onClick={() => setSharing(true)}>
            Share
          </button>
        ) : null}
        <div className="dashboard-tools">
          {pageConsole.errors > 0 ? (
            <span className="badge badge-error" role="status" title={pageConsole.lastError ?? ""}>
              {pageConsole.errors === 1 ? "1 error" : `${pageConsole.errors} errors`} in this page
            </span>
          ) : null}
          {canEdit && page && isPublished && !frameError ? (
            <button
              ref={toggle}
              type="button"
              className="button button-quiet console-toggle"
              aria-expanded={consoleOpen}
              aria-controls={CONSOLE_ID}
              onClick={() => showConsole(!consoleOpen)}
            >
              Console
              {pageConsole.lines.length > 0 ? (
                <span
                  className={
                    pageConsole.errors > 0 ? "console-count console-count-error" : "console-count"
                  }
                >
                  {pageConsole.lines.length}
                </span>
              ) : null}
            </button>
          ) : null}
        </div>
      </header>
      {shown.state === "loading" ? <Notice tone="quiet" title="Opening the page…" /> : null}
      {shown.state === "unavailable" ? (
        <Notice tone="error" title={shown.title}>
          {shown.message}
        </Notice>
      ) : null}
      {page && !isPublished && !frameError ? (
        <Notice tone="info" title="This page is not published yet">
          {canEdit ? (
            <>
              Only published pages open here.{" "}
              <Link href={paths.studio(projectRef, page.slug)}>Open “{page.name}” in the studio</Link>{" "}
              to preview and publish it.
            </>
          ) : (
            <>Only published pages open here. An owner or admin can publish “{page.name}”.</>
          )}
        </Notice>
      ) : null}
      {page && isPublished && !frameError ? (
        <PageFrame
          project={projectRef}
          page={page.id}
          mode="regular"
          title={page.name}
          autoResize={false}
          className="dashboard-frame"
          onFailed={(error) => setFrameError(unavailable(error))}
          onConsole={pageConsole.log}
          onPageError={pageConsole.uncaught}
        />
      ) : null}
      {canEdit && consoleOpen && page && isPublished && !frameError ? (
        <PageConsole
          id={CONSOLE_ID}
          lines={pageConsole.lines}
          dropped={pageConsole.dropped}
          onClear={clearConsole}
          onClose={() => {
            showConsole(false);
            toggle.current?.focus();
          }}
        />
      ) : null}
      {canEdit && page ? (
        <ShareDialog
          project={projectRef}
          page={page.slug}
          pageName={page.name}
          open={sharing}
          onClose={() => setSharing(false)}
        />
      ) : null}
    </div>
  );
}
