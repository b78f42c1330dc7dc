/**
 * The standalone dashboard view `/p/{project}/pages/{page}`: the page's published version,
 * full-screen, under a slim bar. Says plainly when the page is not published or not visible.
 * The page scrolls inside its frame (pages written for a fixed frame, with `100vh` or
 * `position: fixed`, look as their authors meant). Uncaught errors show as a badge to every
 * viewer; owners and admins can open the page console under the page.
 */
import { useEffect, useRef, useState } from "react";
import { HostError } from "../runtime/host";
import { ApiError, getPage, versionNumber, type Page, type Project } from "./api";
import { Link } from "./Link";
import { Notice } from "./Notice";
import { PageConsole } from "./PageConsole";
import { usePageConsole } from "./usePageConsole";
import { PageFrame } from "./PageFrame";
import { paths } from "./router";

const CONSOLE_ID = "page-console";
/** Whether the page console is open is remembered per browser, like a developer tool's drawer. */
const CONSOLE_KEY = "quire.pageConsole";

function readConsoleOpen(): boolean {
  try {
    return localStorage.getItem(CONSOLE_KEY) === "open";
  } catch {
    return false;
  }
}

function writeConsoleOpen(open: boolean): void {
  try {
    if (open) localStorage.setItem(CONSOLE_KEY, "open");
    else localStorage.removeItem(CONSOLE_KEY);
  } catch {
    // storage disabled: the panel starts closed next time
  }
}

type Load =
  | { state: "loading" }
  | { state: "ready"; page: Page }
  | { state: "unavailable"; title: string; message: string };

function unavailable(error: unknown): Load {
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
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [frameError, setFrameError] = useState<Load | null>(null);
  // The page's console and uncaught errors, forwarded by the bridge.
  const pageConsole = usePageConsole();
  const canEdit = project?.role === "owner" || project?.role === "admin";
  const [consoleOpen, setConsoleOpen] = useState(readConsoleOpen);
  const toggle = useRef<HTMLButtonElement>(null);
  const showConsole = (open: boolean) => {
    setConsoleOpen(open);
    writeConsoleOpen(open);
  };
  const { clear: clearConsole } = pageConsole;

  useEffect(() => {
    let live = true;
    setLoad({ state: "loading" });
    setFrameError(null);
    clearConsole();
    getPage(projectRef, pageRef).then(
      (page) => live && setLoad({ state: "ready", page }),
      (error: unknown) => live && setLoad(unavailable(error)),
    );
    return () => {
      live = false;
    };
  }, [projectRef, pageRef, clearConsole]);

  const page = load.state === "ready" ? load.page : null;
  const published = page ? versionNumber(page.published_version) : null;
  const isPublished = page !== null && (published !== null || page.status === "published");
  const shown = frameError ?? load;

  return (
    <div className="dashboard">
      <header className="dashboard-bar">
        <Link to={project ? paths.project(project.slug) : paths.projects()} className="back">
          ← {project?.name ?? "Projects"}
        </Link>
        <h1 className="dashboard-title">{page?.name ?? pageRef}</h1>
        {published !== null ? <span className="badge">v{published}</span> : null}
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
          Only published pages open here. An owner or admin can publish a version of “{page.name}”.
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
    </div>
  );
}
