/** The frame of every screen but the dashboard view: the top bar (home, project, account) and the content. */
import { useState, type ReactNode } from "react";
import { logout, type Project, type User } from "./api";
import { Link } from "./Link";
import { paths } from "./router";

export function Shell({
  user,
  project,
  onSignedOut,
  children,
}: {
  user: User;
  project?: Project;
  onSignedOut: () => void;
  children: ReactNode;
}) {
  const [busy, setBusy] = useState(false);
  const signOut = async () => {
    setBusy(true);
    try {
      await logout();
    } catch {
      // the session is forgotten on this side either way
    }
    onSignedOut();
  };
  return (
    <div className="shell">
      <header className="topbar">
        <nav className="crumbs" aria-label="Breadcrumb">
          <Link to={paths.projects()} className="brand">
            Quire
          </Link>
          {project ? (
            <>
              <span className="crumb-sep" aria-hidden="true">
                /
              </span>
              <Link to={paths.project(project.slug)}>{project.name}</Link>
            </>
          ) : null}
        </nav>
        <div className="account">
          <span className="account-name" title={user.email}>
            {user.name || user.email}
          </span>
          <button type="button" className="button button-quiet" onClick={signOut} disabled={busy}>
            Sign out
          </button>
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
