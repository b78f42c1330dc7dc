/** The frame of the app's screens: the top bar (home, project, theme, account) and the content. */
import { useState, type ReactNode } from "react";
import { Link, useLocation } from "wouter";
import { api, canEdit, type Project, type User } from "../api/client";
import { ProjectSwitcher } from "./ProjectSwitcher";
import { paths } from "../paths";
import { chooseTheme, useTheme, type ThemeChoice } from "../theme";

const NEXT_THEME: Record<ThemeChoice, ThemeChoice> = { system: "light", light: "dark", dark: "system" };
const THEME_LABEL: Record<ThemeChoice, [sign: string, word: string]> = {
  system: ["◐", "System"],
  light: ["☀", "Light"],
  dark: ["☾", "Dark"],
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
      {THEME_LABEL[choice][0]} <span className="theme-choice-word">{THEME_LABEL[choice][1]}</span>
    </button>
  );
}

/** A project's sections; members see the ones they can use. */
function ProjectTabs({ project }: { project: Project }) {
  const [location] = useLocation();
  // `also`: another screen that belongs to the tab (the inbox's setup).
  const tabs: { label: string; href: string; exact: boolean; also?: string }[] = [
    { label: "Pages", href: paths.project(project.slug), exact: true },
    { label: "Inbox", href: paths.inbox(project.slug), exact: false, also: paths.whatsappSetup(project.slug) },
    { label: "Functions", href: paths.functions(project.slug), exact: false },
    { label: "Members", href: paths.members(project.slug), exact: false },
    ...(canEdit(project)
      ? [{ label: "Audit log", href: paths.audit(project.slug), exact: false }]
      : []),
  ];
  return (
    <nav className="project-tabs" aria-label={`${project.name} sections`}>
      {tabs.map((tab) => {
        const current = tab.exact
          ? location === tab.href
          : location.startsWith(tab.href) || (tab.also !== undefined && location.startsWith(tab.also));
        return (
          <Link
            key={tab.href}
            href={tab.href}
            className={current ? "project-tab project-tab-current" : "project-tab"}
            aria-current={current ? "page" : undefined}
          >
            {tab.label}
          </Link>
        );
      })}
    </nav>
  );
}

export function Shell({
  user,
  project,
  onSignedOut,
  children,
  crumbs,
  fill,
}: {
  user: User;
  project?: Project;
  onSignedOut: () => void;
  children: ReactNode;
  /** More breadcrumbs after the project. */
  crumbs?: ReactNode;
  /** The content fills the window under the bars and scrolls inside itself (the inbox). */
  fill?: boolean;
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
    <div className={fill ? "shell shell-fill" : "shell"}>
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
              <Link href={paths.project(project.slug)} className="crumb-project">
                {project.name}
              </Link>
              <ProjectSwitcher current={project} />
            </>
          ) : null}
          {crumbs}
        </nav>
        <div className="account">
          <ThemeButton />
          <Link href={paths.account()} className="account-name" title={`${user.email} — your account`}>
            {user.name || user.email}
          </Link>
          <button type="button" className="button button-quiet" onClick={signOut} disabled={busy}>
            Sign out
          </button>
        </div>
      </header>
      {project ? <ProjectTabs project={project} /> : null}
      <main className={fill ? "content content-fill" : "content"}>{children}</main>
    </div>
  );
}
