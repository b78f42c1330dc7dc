/**
 * The standalone dashboard view `/p/{project}/pages/{page}`: the page's published version,
 * full-screen, under a slim bar. Says plainly when the page is not published or not visible.
 */
import { useEffect, useState } from "react";
import { HostError } from "../runtime/host";
import { ApiError, getPage, versionNumber, type Page, type Project } from "./api";
import { Link } from "./Link";
import { Notice } from "./Notice";
import { PageFrame } from "./PageFrame";
import { paths } from "./router";

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
  // Uncaught errors inside the page, forwarded by the bridge: the page's own console has the
  // details; the bar says that something went wrong.
  const [pageErrors, setPageErrors] = useState<string[]>([]);

  useEffect(() => {
    let live = true;
    setLoad({ state: "loading" });
    setFrameError(null);
    setPageErrors([]);
    getPage(projectRef, pageRef).then(
      (page) => live && setLoad({ state: "ready", page }),
      (error: unknown) => live && setLoad(unavailable(error)),
    );
    return () => {
      live = false;
    };
  }, [projectRef, pageRef]);

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
        {pageErrors.length > 0 ? (
          <span
            className="badge badge-error"
            role="status"
            title={pageErrors[pageErrors.length - 1]}
          >
            {pageErrors.length === 1 ? "1 error" : `${pageErrors.length} errors`} in this page
          </span>
        ) : null}
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
          onPageError={(message) => setPageErrors((all) => [...all.slice(-99), message])}
        />
      ) : null}
    </div>
  );
}
