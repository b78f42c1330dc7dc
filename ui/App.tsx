/**
 * The app: who is signed in, and which screen the URL names. Screens load their own data
 * through TanStack Query (api/queries.ts).
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, type ReactNode } from "react";
import { Link, Route, Switch, useLocation, useParams, useSearch } from "wouter";
import { ApiError, SIGNED_OUT_EVENT, errorMessage, type Me } from "./api/client";
import { keys, useMe } from "./api/queries";
import { Notice } from "./components/Notice";
import { Shell } from "./components/Shell";
import { paths, safeNext } from "./paths";
import { Account } from "./screens/Account";
import { AuditLog } from "./screens/AuditLog";
import { DashboardView } from "./screens/DashboardView";
import { Invitation } from "./screens/Invitation";
import { Members } from "./screens/Members";
import { PageList } from "./screens/PageList";
import { ProjectList } from "./screens/ProjectList";
import { SignIn } from "./screens/SignIn";
import { Studio } from "./studio/Studio";
import { DevPreview } from "./studio/DevPreview";
import { FunctionList } from "./functions/FunctionList";
import { FunctionScreen } from "./functions/FunctionScreen";
import { Inbox } from "./screens/inbox/Inbox";
import { WhatsappSetup } from "./screens/inbox/WhatsappSetup";

const INVITATION_PREFIX = "/invite/";

export function App() {
  const [location, navigate] = useLocation();
  const search = useSearch();
  const queryClient = useQueryClient();
  const me = useMe();
  const signedOut = me.error instanceof ApiError && me.error.status === 401;

  useEffect(() => {
    const forget = () => queryClient.setQueryData(keys.me, null);
    window.addEventListener(SIGNED_OUT_EVENT, forget);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, forget);
  }, [queryClient]);

  const anonymous = signedOut || (me.isSuccess && !me.data);
  useEffect(() => {
    if (anonymous && location !== "/login" && !location.startsWith(INVITATION_PREFIX)) {
      const here = location + (search ? `?${search}` : "");
      navigate(paths.login(here), { replace: true });
    }
  }, [anonymous, location, search, navigate]);

  if (location === "/login") {
    const next = safeNext(new URLSearchParams(search).get("next"));
    return (
      <SignIn
        next={next}
        onSignedIn={async () => {
          await queryClient.invalidateQueries({ queryKey: keys.me });
          navigate(next, { replace: true });
        }}
      />
    );
  }
  // An invitation link opens signed out too: it offers signing in and creating an account.
  if (location.startsWith(INVITATION_PREFIX) && !me.isPending) {
    const token = decodeURIComponent(location.slice(INVITATION_PREFIX.length));
    return <Invitation token={token} me={anonymous || me.isError ? null : me.data} />;
  }
  if (me.isPending || anonymous) return <Notice tone="quiet" title="Loading…" />;
  if (me.isError) {
    return (
      <Notice tone="error" title="Quire could not load your account">
        {errorMessage(me.error)} Reload the page to try again.
      </Notice>
    );
  }
  return <Screens me={me.data} />;
}

function Screens({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const signedOut = () => {
    queryClient.clear();
    navigate(paths.login("/"), { replace: true });
  };
  const shell = (children: ReactNode, projectRef?: string, fill = false) => (
    <Shell user={me.user} onSignedOut={signedOut} project={findProject(me, projectRef)} fill={fill}>
      {children}
    </Shell>
  );
  const inbox = (projectRef: string, conversation?: string) =>
    shell(
      <ProjectScreen me={me}>
        {(project) => (
          // Keyed by project: nothing one project's inbox learnt carries over to another's.
          <Inbox key={project.id} project={project} conversationId={conversation} user={me.user} />
        )}
      </ProjectScreen>,
      projectRef,
      true,
    );
  return (
    <Switch>
      <Route path="/">{shell(<ProjectList projects={me.projects} />)}</Route>
      <Route path="/p/:project">
        {(params) =>
          shell(
            <ProjectScreen me={me}>
              {(project) => <PageList project={project} />}
            </ProjectScreen>,
            params.project,
          )
        }
      </Route>
      <Route path="/p/:project/functions">
        {(params) =>
          shell(
            <ProjectScreen me={me}>{(project) => <FunctionList project={project} />}</ProjectScreen>,
            params.project,
          )
        }
      </Route>
      <Route path="/p/:project/functions/:fn">
        {(params) =>
          shell(
            <ProjectScreen me={me}>
              {(project) => <FunctionScreen key={params.fn} project={project} fnRef={params.fn} />}
            </ProjectScreen>,
            params.project,
          )
        }
      </Route>
      <Route path="/p/:project/inbox">{(params) => inbox(params.project)}</Route>
      <Route path="/p/:project/inbox/:conversation">
        {(params) => inbox(params.project, params.conversation)}
      </Route>
      <Route path="/p/:project/settings/whatsapp">
        {(params) =>
          shell(
            <ProjectScreen me={me}>{(project) => <WhatsappSetup project={project} />}</ProjectScreen>,
            params.project,
          )
        }
      </Route>
      <Route path="/p/:project/members">
        {(params) =>
          shell(
            <ProjectScreen me={me}>
              {(project) => <Members project={project} user={me.user} />}
            </ProjectScreen>,
            params.project,
          )
        }
      </Route>
      <Route path="/p/:project/audit">
        {(params) =>
          shell(
            <ProjectScreen me={me}>{(project) => <AuditLog project={project} />}</ProjectScreen>,
            params.project,
          )
        }
      </Route>
      <Route path="/account">{shell(<Account me={me} onSignedOut={signedOut} />)}</Route>
      <Route path="/p/:project/pages/:page/edit">
        {(params) => (
          <ProjectScreen me={me} framed={shell}>
            {(project) => (
              <Studio
                project={project}
                pageRef={params.page}
                user={me.user}
                framed={(children) => shell(children, params.project)}
              />
            )}
          </ProjectScreen>
        )}
      </Route>
      <Route path="/p/:project/pages/:page/dev">
        {(params) => (
          <ProjectScreen me={me} framed={shell}>
            {(project) => (
              <DevPreview
                project={project}
                pageRef={params.page}
                user={me.user}
                framed={(children) => shell(children, params.project)}
              />
            )}
          </ProjectScreen>
        )}
      </Route>
      <Route path="/p/:project/pages/:page">
        {(params) => (
          <DashboardView projectRef={params.project} pageRef={params.page} projects={me.projects} />
        )}
      </Route>
      <Route>
        {shell(
          <Notice tone="info" title="Nothing here">
            This address does not match any screen of Quire.{" "}
            <Link href={paths.projects()}>Go back to your projects</Link>.
          </Notice>,
        )}
      </Route>
    </Switch>
  );
}

function findProject(me: Me, ref: string | undefined) {
  return ref === undefined ? undefined : me.projects.find((p) => p.slug === ref || p.id === ref);
}

/** The project the URL names, or a notice that the viewer has no such project. */
function ProjectScreen({
  me,
  children,
  framed,
}: {
  me: Me;
  children: (project: Me["projects"][number]) => ReactNode;
  framed?: (children: ReactNode, projectRef?: string) => ReactNode;
}) {
  const { project: ref } = useParams<{ project: string }>();
  const project = findProject(me, ref);
  if (project) return <>{children(project)}</>;
  const notice = (
    <Notice tone="error" title="Project not found">
      There is no project “{ref}” among yours. Ask an owner to add you, or{" "}
      <Link href={paths.projects()}>pick one of your projects</Link>.
    </Notice>
  );
  return <>{framed ? framed(notice) : notice}</>;
}
