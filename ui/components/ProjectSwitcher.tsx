/**
 * Beside the project in the top bar: a list of the viewer's other projects, to jump to one
 * (keeping the section when the other project has it), or to create a new one.
 */
import { useLocation } from "wouter";
import type { Project } from "../api/client";
import { useMe } from "../api/queries";
import { paths } from "../paths";

const NEW = "\u0000new";

export function ProjectSwitcher({ current }: { current: Project }) {
  const me = useMe();
  const [location, navigate] = useLocation();
  const projects = me.data?.projects ?? [current];
  const go = (slug: string) => {
    if (slug === NEW) {
      navigate(`${paths.projects()}?new=1`);
      return;
    }
    const section = location.slice(paths.project(current.slug).length).split("/")[1];
    const keep = section === "members" || section === "functions" ? `/${section}` : "";
    navigate(paths.project(slug) + keep);
  };
  return (
    <select
      className="project-switcher"
      aria-label="Switch project"
      value=""
      onChange={(e) => go(e.target.value)}
    >
      <option value="" disabled>
        Switch…
      </option>
      {projects.filter((p) => p.id !== current.id).map((p) => (
        <option key={p.id} value={p.slug}>
          {p.name}
        </option>
      ))}
      <option value={NEW}>+ New project…</option>
    </select>
  );
}
