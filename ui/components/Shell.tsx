/** The frame of the app's screens: the top bar (home, project, theme, account) and the content. */
import { useState, type ReactNode } from "react";
import { Link } from "wouter";
import { api, type Project, type User } from "../api/client";
import { paths } from "../paths";
import { chooseTheme, useTheme, type ThemeChoice } from "../theme";

const NEXT_THEME: Record<ThemeChoice, ThemeChoice> = { system: "light", light: "dark", dark: "system" };
const THEME_LABEL: Record<ThemeChoice, string> = {
  system: "◐ System",
  light: "☀ Light",
  dark: "☾ Dark",
};

export function ThemeButton() {
  const { choice } = useTheme();
  return (
    <button
      type="button"
      className="button button-quiet theme-choice"
      title="Switch between the system's theme, light and dark"
      aria-label={`Theme: ${choice}. Switch to ${NEXT_THEME[choice]}`}
      onClick={() => chooseTheme(NEXT_THEME[choice])}
    >
      {THEME_LABEL[choice]}
    </button>
  );
}

export function Shell({
  user,
  project,
  onSignedOut,
  children,
  crumbs,
}: {
  user: User;
  project?: Project;
  onSignedOut: () => void;
  children: ReactNode;
  /** More breadcrumbs after the project. */
  crumbs?: ReactNode;
}) {
  const [busy, setBusy] = useState(false);
  const signOut = async () => {
    setBusy(true);
    try {
      await api.POST("/api/v1/auth/logout");
    } catch {
      // the session is forgotten on this side either way
    }
    onSignedOut();
  };
  return (
    <div className="shell">
      <header className="topbar">
        <nav className="crumbs" aria-label="Breadcrumb">
          <Link href={paths.projects()} className="brand">
            Quire
          </Link>
          {project ? (
            <>
              <span className="crumb-sep" aria-hidden="true">
                /
              </span>
              <Link href={paths.project(project.slug)}>{project.name}</Link>
            </>
          ) : null}
          {crumbs}
        </nav>
        <div className="account">
          <ThemeButton />
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
