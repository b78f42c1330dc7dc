/** The viewer's projects, each a link to its pages. */
import type { Project } from "./api";
import { Link } from "./Link";
import { Notice } from "./Notice";
import { paths } from "./router";

export function ProjectList({ projects }: { projects: Project[] }) {
  if (projects.length === 0) {
    return (
      <Notice tone="info" title="No projects yet">
        You are not a member of any project. Ask an owner to add you, or create one with `quire` on
        the server.
      </Notice>
    );
  }
  return (
    <section aria-labelledby="projects-title">
      <h1 id="projects-title" className="page-title">
        Projects
      </h1>
      <ul className="list">
        {projects.map((project) => (
          <li key={project.id}>
            <Link to={paths.project(project.slug)} className="list-item">
              <span className="list-main">
                <span className="list-name">{project.name}</span>
                <span className="muted mono">{project.slug}</span>
              </span>
              <span className="badge">{project.role}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
