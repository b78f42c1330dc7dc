/**
 * The UI's routes and a tiny history-based router: `useLocation()` re-renders on navigation,
 * `navigate(path)` pushes a new entry. The server answers every route below with index.html.
 */
import { useEffect, useState } from "react";

// The page editor (a later issue) gets its own route here, `/p/{project}/pages/{page}/edit`,
// and shows the head version through PageFrame in "preview" mode.
export type Route =
  | { name: "login"; next: string }
  | { name: "projects" }
  | { name: "project"; project: string }
  | { name: "dashboard"; project: string; page: string }
  | { name: "not-found" };

const NAVIGATE = "quire:navigate";

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATE));
}

export function useLocation(): string {
  const [path, setPath] = useState(() => location.pathname + location.search);
  useEffect(() => {
    const update = () => setPath(location.pathname + location.search);
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return path;
}

export function parseRoute(path: string): Route {
  const url = new URL(path, location.origin);
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: "projects" };
  if (parts.length === 1 && parts[0] === "login") {
    const next = url.searchParams.get("next") ?? "/";
    // Only paths of this app: never an absolute URL or a protocol-relative one.
    return { name: "login", next: next.startsWith("/") && !next.startsWith("//") ? next : "/" };
  }
  if (parts[0] === "p" && parts.length === 2) return { name: "project", project: parts[1] };
  if (parts[0] === "p" && parts.length === 4 && parts[2] === "pages") {
    return { name: "dashboard", project: parts[1], page: parts[3] };
  }
  return { name: "not-found" };
}

export const paths = {
  projects: () => "/",
  project: (project: string) => `/p/${encodeURIComponent(project)}`,
  dashboard: (project: string, page: string) =>
    `/p/${encodeURIComponent(project)}/pages/${encodeURIComponent(page)}`,
  login: (next: string) => (next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`),
};
