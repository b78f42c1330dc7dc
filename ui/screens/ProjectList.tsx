/** The viewer's projects, each a link to its pages. */
import { Link } from "wouter";
import type { Project } from "../api/client";
import { Notice } from "../components/Notice";
import { paths } from "../paths";

export function ProjectList({ projects }: { projects: Project[] }) {
  if (projects.length === 0) {
    return (
      <Notice tone="info" title="No projects yet">
        You are not a member of any project yet. Ask a project owner to invite you; the link
        they send brings you straight to the project.
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
            <Link href={paths.project(project.slug)} className="list-item">
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
