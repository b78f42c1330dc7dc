/** A project's pages: name, status and published version, each opening its dashboard view. */
import { useEffect, useState } from "react";
import { listPages, versionNumber, type Page, type Project } from "./api";
import { Link } from "./Link";
import { Notice } from "./Notice";
import { paths } from "./router";

type Load =
  { state: "loading" } | { state: "ready"; pages: Page[] } | { state: "error"; message: string };

export function PageList({ project }: { project: Project }) {
  const [load, setLoad] = useState<Load>({ state: "loading" });

  useEffect(() => {
    let live = true;
    setLoad({ state: "loading" });
    listPages(project.slug).then(
      (pages) => live && setLoad({ state: "ready", pages }),
      (error: unknown) =>
        live &&
        setLoad({
          state: "error",
          message: error instanceof Error ? error.message : String(error),
        }),
    );
    return () => {
      live = false;
    };
  }, [project.slug]);

  return (
    <section aria-labelledby="pages-title">
      <h1 id="pages-title" className="page-title">
        {project.name} <span className="muted">· pages</span>
      </h1>
      {load.state === "loading" ? <Notice tone="quiet" title="Loading pages…" /> : null}
      {load.state === "error" ? (
        <Notice tone="error" title="The pages could not be loaded">
          {load.message}
        </Notice>
      ) : null}
      {load.state === "ready" && load.pages.length === 0 ? (
        <Notice tone="info" title="No pages yet">
          Create one with `quire pages create` or the API; it will be listed here.
        </Notice>
      ) : null}
      {load.state === "ready" && load.pages.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Page</th>
              <th scope="col">Status</th>
              <th scope="col">Published</th>
            </tr>
          </thead>
          <tbody>
            {load.pages.map((page) => {
              const published = versionNumber(page.published_version);
              return (
                <tr key={page.id}>
                  <td>
                    <Link to={paths.dashboard(project.slug, page.slug)} className="row-link">
                      {page.name}
                    </Link>
                    <div className="muted mono small">{page.slug}</div>
                  </td>
                  <td>
                    <span className={`badge badge-${page.status}`}>{page.status}</span>
                  </td>
                  <td>{published === null ? <span className="muted">—</span> : `v${published}`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
