/**
 * The viewer's projects, each a link to its pages; "New project" makes one (its creator
 * owns it), and owners rename theirs.
 */
import { useState } from "react";
import { Link, useLocation, useSearch } from "wouter";
import type { Project } from "../api/client";
import { paths } from "../paths";
import { NewProjectDialog } from "./NewProjectDialog";
import { RenameProjectDialog } from "./RenameProjectDialog";

export function ProjectList({ projects }: { projects: Project[] }) {
  const search = useSearch();
  const [, navigate] = useLocation();
  const creating = new URLSearchParams(search).get("new") === "1";
  const [renaming, setRenaming] = useState<Project | null>(null);
  const openNew = () => navigate(`${paths.projects()}?new=1`);
  return (
    <section aria-labelledby="projects-title">
      <div className="section-head">
        <h1 id="projects-title" className="page-title">
          Projects
        </h1>
        <button type="button" className="button button-primary" onClick={openNew}>
          New project
        </button>
      </div>
      {projects.length === 0 ? (
        <div className="empty">
          <h2 className="empty-title">No projects yet</h2>
          <p className="muted">
            A project holds pages, functions and the people who use them. Create one, or ask a
            project's owner for an invitation link: it brings you straight to the project.
          </p>
          <button type="button" className="button button-primary" onClick={openNew}>
            Create a project
          </button>
        </div>
      ) : (
        <ul className="list">
          {projects.map((project) => (
            <li key={project.id} className="project-item">
              <Link href={paths.project(project.slug)} className="list-item">
                <span className="list-main">
                  <span className="list-name">{project.name}</span>
                  <span className="muted mono">{project.slug}</span>
                </span>
                <span className="badge">{project.role}</span>
              </Link>
              {project.role === "owner" ? (
                <button
                  type="button"
                  className="button button-quiet button-small project-rename"
                  aria-label={`Rename ${project.name}`}
                  onClick={() => setRenaming(project)}
                >
                  Rename
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <NewProjectDialog open={creating} onClose={() => navigate(paths.projects(), { replace: true })} />
      {renaming ? <RenameProjectDialog project={renaming} onClose={() => setRenaming(null)} /> : null}
    </section>
  );
}
