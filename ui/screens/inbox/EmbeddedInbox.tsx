/**
 * The inbox embedded in another site's page (`/embed/inbox?token=…`): no account, no app
 * around it; the embed's token is every call's credential (api/client.ts). Its screens move in
 * memory (the frame's own URL keeps the token and nothing else), it takes the embed's theme,
 * and once the token stops working it says so instead of failing call by call.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { Route, Router } from "wouter";
import { memoryLocation } from "wouter/memory-location";
import { ApiError, EMBED_ENDED_EVENT, api, errorMessage, unwrap, type Project } from "../../api/client";
import { Notice } from "../../components/Notice";
import { paths } from "../../paths";
import { EmbedContext } from "./embed";
import { Inbox } from "./Inbox";

export function EmbeddedInbox() {
  const session = useQuery({
    queryKey: ["embed"],
    queryFn: () => unwrap(api.GET("/api/v1/embed")),
    retry: (failures, error) => !(error instanceof ApiError && error.status < 500) && failures < 3,
    staleTime: Infinity,
  });
  const [ended, setEnded] = useState(false);
  useEffect(() => {
    const end = () => setEnded(true);
    window.addEventListener(EMBED_ENDED_EVENT, end);
    return () => window.removeEventListener(EMBED_ENDED_EVENT, end);
  }, []);

  const theme = session.data?.theme;
  useEffect(() => {
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  }, [theme]);

  const slug = session.data?.project.slug;
  const memory = useMemo(() => (slug ? memoryLocation({ path: paths.inbox(slug) }) : null), [slug]);

  if (ended || (session.error instanceof ApiError && session.error.status === 401)) {
    return (
      <Notice tone="error" title="This inbox no longer works">
        It was turned off, or its time ran out. Ask the team that runs it for a new one.
      </Notice>
    );
  }
  if (session.isError) {
    return (
      <Notice tone="error" title="The inbox could not be loaded">
        {errorMessage(session.error)}{" "}
        <button type="button" className="button button-small" onClick={() => void session.refetch()}>
          Try again
        </button>
      </Notice>
    );
  }
  if (!session.data || !memory) return <Notice tone="quiet" title="Loading…" />;

  const { project: shown } = session.data;
  // What the inbox needs of a project, as a member sees it: an embed edits nothing.
  const project: Project = { ...shown, role: "member", created_at: "" };
  return (
    <EmbedContext.Provider value={session.data}>
      <div className="embedded-inbox">
        <Router hook={memory.hook} searchHook={memory.searchHook}>
          <Route path="/p/:project/inbox/:conversation?">
            {(params) => <Inbox project={project} conversationId={params.conversation} user={null} />}
          </Route>
        </Router>
      </div>
    </EmbedContext.Provider>
  );
}
