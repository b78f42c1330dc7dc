/**
 * The inbox `/p/{project}/inbox[/{conversation}]`: the conversation list, the open
 * conversation's thread, and its detail panel (tabs Info and Page), side by side on a wide
 * screen; on a phone, one at a time with a way back. The URL holds the whole state (see
 * url.ts). Opening a conversation marks it read. Keys: j/k, arrows, Enter, `/`, Escape.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { ApiError, api, canEdit, unwrap, type Connection, type Project, type User } from "../../api/client";
import { useConnections, useConversation, useConversations, useMembers } from "../../api/queries";
import { LiveIndicator } from "../../components/LiveIndicator";
import { LoadError } from "../../components/LoadError";
import { paths } from "../../paths";
import { Avatar } from "./Avatar";
import { cachedConversation, storeConversation } from "./cache";
import { ConversationList, type NumberChoice } from "./ConversationList";
import { DetailPanel } from "./DetailPanel";
import { contactHandle, contactName, formatPhone } from "./format";
import { useEmbed } from "./embed";
import { Thread } from "./Thread";
import { inboxHref, readInboxUrl, type InboxUrl } from "./url";
import { useInboxKeys } from "./useInboxKeys";
import { useInboxLive } from "./useInboxLive";
import "./inbox.css";

function subscribeVisibility(onChange: () => void) {
  document.addEventListener("visibilitychange", onChange);
  return () => document.removeEventListener("visibilitychange", onChange);
}
const isVisible = () => document.visibilityState === "visible";

/** A connection as a choice of the list's number filter. */
function numberChoice(connection: Connection): NumberChoice {
  const number = connection.display_phone_number ? formatPhone(connection.display_phone_number) : null;
  return { id: connection.id, label: number ? `${connection.name} · ${number}` : connection.name };
}

export function Inbox({
  project,
  conversationId,
  user,
}: {
  project: Project;
  conversationId: string | undefined;
  /** The signed-in member; `null` in an embedded inbox. */
  user: User | null;
}) {
  const slug = project.slug;
  const search = useSearch();
  const [, navigate] = useLocation();
  const url = useMemo(() => readInboxUrl(search), [search]);
  const editor = canEdit(project);
  const client = useQueryClient();
  const connections = useConnections(slug, editor);
  const embed = useEmbed();
  const members = useMembers(slug, !embed);
  const names = useMemo(
    () => (members.data ? new Map(members.data.map((m) => [m.user.id, m.user.name || m.user.email])) : null),
    [members.data],
  );
  const conversation = useConversation(slug, conversationId, () =>
    conversationId === undefined ? undefined : cachedConversation(client, slug, conversationId),
  );
  const searchRef = useRef<HTMLInputElement>(null);
  const live = useInboxLive(slug);

  const go = useCallback(
    (to: string | undefined, patch: Partial<InboxUrl> = {}, replace = false) =>
      navigate(inboxHref(slug, to, { ...url, ...patch }), { replace }),
    [navigate, slug, url],
  );
  const view = conversationId === undefined ? "list" : url.details ? "detail" : "thread";

  // Opening a conversation (while the tab is in view) marks it read.
  const visible = useSyncExternalStore(subscribeVisibility, isVisible);
  const markRead = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST("/api/v1/projects/{p}/conversations/{c}/read", { params: { path: { p: slug, c: id } } })),
    onSuccess: (updated) => storeConversation(client, slug, updated),
  });
  const open = conversation.data;
  const unread = open?.id === conversationId ? (open?.unread_count ?? 0) : 0;
  const { mutate: read, isPending: reading } = markRead;
  useEffect(() => {
    if (conversationId !== undefined && unread > 0 && visible && !reading) read(conversationId);
  }, [conversationId, unread, visible, reading, read]);

  // What the server said about replying from a number (members cannot read the connections).
  const [refusals, setRefusals] = useState<Record<string, string>>({});
  const connectionList = connections.data?.connections;
  const connection = open
    ? connectionList?.find((c) => c.phone_number_id === open.whatsapp_phone_number_id)
    : undefined;
  let blocked: ReactNode = null;
  if (open && editor && connectionList) {
    const number = formatPhone(open.display_phone_number) || open.whatsapp_phone_number_id;
    if (!connection) {
      blocked = (
        <>
          The number {number} is no longer connected to this project, so replies cannot be sent.{" "}
          <Link href={paths.whatsappSetup(slug)}>Connect it again</Link> to reply.
        </>
      );
    } else if (!connection.has_access_token) {
      blocked = (
        <>
          “{connection.name}” has no access token, so Quire cannot send replies from it.{" "}
          <Link href={paths.whatsappSetup(slug)}>Add one in the WhatsApp setup</Link>.
        </>
      );
    }
  }
  if (open && !blocked && refusals[open.whatsapp_phone_number_id]) {
    blocked = (
      <>
        {refusals[open.whatsapp_phone_number_id]}
        {editor ? null : " Ask an owner or admin of the project."}
      </>
    );
  }

  const numbers: NumberChoice[] | null = editor ? (connectionList ?? []).map(numberChoice) : null;
  const several = editor ? (connectionList?.length ?? 0) > 1 : null;

  // Keys: move through the list, search, go back.
  useInboxKeys({
    move: (step) => {
      const rows = [...document.querySelectorAll<HTMLElement>(".conv-list .conv-link")].filter(
        (row) => row.offsetParent !== null,
      );
      if (rows.length === 0) return;
      let at = rows.indexOf(document.activeElement as HTMLElement);
      if (at < 0) at = rows.findIndex((row) => row.getAttribute("aria-current") === "page");
      const next = at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
      rows[next].focus();
      rows[next].scrollIntoView({ block: "nearest" });
    },
    search: () => {
      const field = searchRef.current;
      if (field && field.offsetParent !== null) {
        field.focus();
        field.select();
        return;
      }
      // A phone showing a thread: back to the list, then to its search.
      go(undefined);
      requestAnimationFrame(() => searchRef.current?.focus());
    },
    back: () => {
      if (view === "detail") {
        go(conversationId, { details: false });
        return true;
      }
      if (view === "thread") {
        const left = conversationId;
        go(undefined);
        requestAnimationFrame(() =>
          document.querySelector<HTMLElement>(`.conv-link[data-conversation="${CSS.escape(left ?? "")}"]`)?.focus(),
        );
        return true;
      }
      return false;
    },
  });

  // No conversation at all (not merely none matching a filter): the inbox says how to start.
  const filtered = Boolean(url.filter.q || url.filter.unread || url.filter.connection);
  const firstPage = useConversations(slug, url.filter);
  const noConversations =
    !filtered && firstPage.isSuccess && (firstPage.data.pages[0]?.conversations.length ?? 0) === 0;
  const connected = (connectionList?.length ?? 0) > 0;
  const empty = (
    <div className="inbox-empty">
      <p className="inbox-empty-title">No conversations yet</p>
      {embed ? (
        <p className="muted small">Messages to this inbox’s WhatsApp numbers arrive here as they come.</p>
      ) : editor && !connected ? (
        <p className="muted small">
          Connect the project’s WhatsApp Business number: messages to it arrive here, and the team
          answers them together.
        </p>
      ) : editor ? (
        <p className="muted small">
          Messages to your connected number arrive here as they come. To see one now, send a test
          event from the WhatsApp setup.
        </p>
      ) : (
        <p className="muted small">
          Messages to the project’s WhatsApp numbers arrive here. If none is connected yet, ask an
          owner or admin of the project to connect one.
        </p>
      )}
      {editor ? (
        <Link href={paths.whatsappSetup(slug)} className="button button-primary">
          {connected ? "Open the WhatsApp setup" : "Connect a WhatsApp number"}
        </Link>
      ) : null}
    </div>
  );

  const onFilter = useCallback(
    (filter: InboxUrl["filter"]) => navigate(inboxHref(slug, conversationId, { ...url, filter }), { replace: true }),
    [navigate, slug, conversationId, url],
  );

  const notFound = conversation.error instanceof ApiError && conversation.error.status === 404;
  return (
    <div className={`inbox inbox-view-${view}${noConversations ? " inbox-first-run" : ""}`}>
      <aside className="inbox-pane inbox-list-pane" aria-label="Conversations">
        <div className="inbox-list-head">
          <h1 className="inbox-title">{embed ? embed.name : "Inbox"}</h1>
          <LiveIndicator state={live} />
          {editor ? (
            <Link href={paths.whatsappSetup(slug)} className="button button-quiet button-small inbox-setup-link">
              WhatsApp setup
            </Link>
          ) : null}
        </div>
        <ConversationList
          project={slug}
          url={url}
          selected={conversationId}
          numbers={numbers}
          several={several}
          searchRef={searchRef}
          href={(id) => inboxHref(slug, id, { ...url, details: false })}
          names={names}
          viewer={user?.id ?? null}
          onFilter={onFilter}
          empty={empty}
        />
      </aside>
      <section className="inbox-pane inbox-thread-pane" aria-label="Conversation">
        {conversationId === undefined && noConversations && embed ? (
          <div className="thread-placeholder">
            <p className="inbox-empty-title">No conversations yet</p>
            <p className="muted small">New messages appear here on their own, without reloading.</p>
          </div>
        ) : conversationId === undefined && noConversations ? (
          <Onboarding project={project} editor={editor} connected={connected} />
        ) : conversationId === undefined ? (
          <div className="thread-placeholder">
            <p className="inbox-empty-title">Pick a conversation</p>
            <p className="muted small">
              <kbd>j</kbd> <kbd>k</kbd> move through the list, <kbd>Enter</kbd> opens, <kbd>/</kbd> searches,{" "}
              <kbd>Esc</kbd> goes back.
            </p>
          </div>
        ) : notFound ? (
          <div className="thread-placeholder" role="alert">
            <p className="inbox-empty-title">This conversation does not exist</p>
            <p className="muted small">
              It is not one of {project.name}’s conversations. <Link href={inboxHref(slug, undefined, url)}>Back to the inbox</Link>
            </p>
          </div>
        ) : conversation.isError && !open ? (
          <LoadError title="The conversation could not be loaded" error={conversation.error} retry={() => void conversation.refetch()} />
        ) : open ? (
          <Thread
            project={slug}
            conversation={open}
            names={names}
            viewer={user?.id ?? null}
            blocked={blocked}
            onBlocked={(reason) => setRefusals((all) => ({ ...all, [open.whatsapp_phone_number_id]: reason }))}
            header={
              <header className="thread-head">
                <button type="button" className="button button-quiet button-small inbox-back" onClick={() => go(undefined)}>
                  ← Inbox
                </button>
                <Avatar name={contactName(open)} seed={open.whatsapp_contact_id} />
                <div className="thread-title">
                  <h2>{contactName(open)}</h2>
                  <span className="muted small">
                    {contactHandle(open)}
                    {connection ? ` · to ${connection.name}` : open.display_phone_number ? ` · to ${formatPhone(open.display_phone_number)}` : ""}
                  </span>
                </div>
                <button
                  type="button"
                  className="button button-quiet button-small thread-details"
                  aria-expanded={url.details}
                  onClick={() => go(conversationId, { details: !url.details })}
                >
                  Details
                </button>
              </header>
            }
          />
        ) : (
          <div className="thread-placeholder" aria-busy="true">
            <span className="skeleton" style={{ width: "40%", height: 16 }} />
          </div>
        )}
      </section>
      {open ? (
        <aside className="inbox-pane inbox-detail-pane" aria-label="Details">
          <DetailPanel
            project={slug}
            conversation={open}
            connection={connection}
            editor={editor}
            tab={url.tab}
            draft={url.draft}
            onTab={(tab) => go(conversationId, { tab }, true)}
            onDraft={(draft) => go(conversationId, { draft }, true)}
            onBack={() => go(conversationId, { details: false })}
          />
        </aside>
      ) : null}
    </div>
  );
}

/** What the inbox is and the steps to a first conversation, while it has none. */
function Onboarding({ project, editor, connected }: { project: Project; editor: boolean; connected: boolean }) {
  return (
    <div className="thread-placeholder onboarding">
      <h2 className="onboarding-title">The team’s WhatsApp inbox</h2>
      <p className="muted">
        Customers’ messages to {project.name}’s WhatsApp numbers arrive here. Everyone in the
        project reads and answers them, and the page mounted in the inbox shows beside each
        conversation with its details.
      </p>
      {editor ? (
        <ol className="onboarding-steps">
          <li className={connected ? "onboarding-done" : undefined}>
            <strong>Connect a number.</strong>{" "}
            {connected ? (
              "Done."
            ) : (
              <>
                <Link href={paths.whatsappSetup(project.slug)}>Add it in the WhatsApp setup</Link> with its
                phone number id and the app’s secret, then enter the callback URL in Meta’s App Dashboard.
              </>
            )}
          </li>
          <li>
            <strong>Send a test event</strong> from the <Link href={paths.whatsappSetup(project.slug)}>setup</Link>: a
            signed message goes through the webhook and opens its conversation here.
          </li>
          <li>
            <strong>Mount a page</strong> beside conversations: start one from the “Conversation card” template in{" "}
            <Link href={paths.project(project.slug)}>Pages</Link>.
          </li>
        </ol>
      ) : (
        <p className="muted">
          No number is sending messages here yet. An owner or admin of the project connects the
          WhatsApp number; ask one of them.
        </p>
      )}
    </div>
  );
}
