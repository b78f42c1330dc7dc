/**
 * The app: who is signed in, and which screen the URL names. Screens load their own data.
 */
import { useCallback, useEffect, useState } from "react";
import { ApiError, SIGNED_OUT_EVENT, csrfToken, me as fetchMe, type Me } from "./api";
import { DashboardView } from "./DashboardView";
import { Link } from "./Link";
import { Notice } from "./Notice";
import { PageList } from "./PageList";
import { ProjectList } from "./ProjectList";
import { navigate, parseRoute, paths, useLocation } from "./router";
import { Shell } from "./Shell";
import { SignIn } from "./SignIn";

type Session =
  | { state: "loading" }
  | { state: "anonymous" }
  | { state: "signed-in"; me: Me }
  | { state: "error"; message: string };

export function App() {
  const location = useLocation();
  const route = parseRoute(location);
  const [session, setSession] = useState<Session>({ state: "loading" });

  const refresh = useCallback(async () => {
    try {
      const me = await fetchMe();
      // Without the session's CSRF token nothing can be changed or opened: sign in again.
      setSession(csrfToken() ? { state: "signed-in", me } : { state: "anonymous" });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setSession({ state: "anonymous" });
      else
        setSession({
          state: "error",
          message: error instanceof Error ? error.message : String(error),
        });
    }
  }, []);

  useEffect(() => {
    void refresh();
    const signedOut = () => setSession({ state: "anonymous" });
    window.addEventListener(SIGNED_OUT_EVENT, signedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, signedOut);
  }, [refresh]);

  useEffect(() => {
    if (session.state === "anonymous" && route.name !== "login") {
      navigate(paths.login(location), true);
    }
  }, [session.state, route.name, location]);

  if (route.name === "login") {
    return (
      <SignIn
        next={route.next}
        onSignedIn={async () => {
          await refresh();
          navigate(route.next, true);
        }}
      />
    );
  }
  if (session.state === "loading" || session.state === "anonymous") {
    return <Notice tone="quiet" title="Loading…" />;
  }
  if (session.state === "error") {
    return (
      <Notice tone="error" title="Quire could not load your account">
        {session.message} Reload the page to try again.
      </Notice>
    );
  }

  const { me } = session;
  const signedOut = () => {
    setSession({ state: "anonymous" });
    navigate(paths.login("/"), true);
  };
  switch (route.name) {
    case "projects":
      return (
        <Shell user={me.user} onSignedOut={signedOut}>
          <ProjectList projects={me.projects} />
        </Shell>
      );
    case "project": {
      const project = me.projects.find((p) => p.slug === route.project || p.id === route.project);
      return (
        <Shell user={me.user} onSignedOut={signedOut} project={project}>
          {project ? (
            <PageList project={project} />
          ) : (
            <Notice tone="error" title="Project not found">
              There is no project “{route.project}” among yours. Ask an owner to add you, or pick
              one from your projects.
            </Notice>
          )}
        </Shell>
      );
    }
    case "dashboard":
      return (
        <DashboardView projectRef={route.project} pageRef={route.page} projects={me.projects} />
      );
    default:
      return (
        <Shell user={me.user} onSignedOut={signedOut}>
          <Notice tone="info" title="Nothing here">
            This address does not match any screen of Quire.{" "}
            <Link to={paths.projects()}>Go back to your projects</Link>.
          </Notice>
        </Shell>
      );
  }
}
