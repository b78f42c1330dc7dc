/**
 * A conversation's thread: its messages grouped by day (the contact's on the left, the team's
 * on the right), older ones loading as the thread scrolls up, statuses as ticks, a failure
 * with WhatsApp's own words and code, and the composer under it.
 */
import { useLayoutEffect, useMemo, useRef, useEffect, type ReactNode } from "react";
import { errorMessage, type Conversation, type Message } from "../../api/client";
import { useMessages } from "../../api/queries";
import { LoadError } from "../../components/LoadError";
import { useToast } from "../../components/Toasts";
import { Composer } from "./Composer";
import { clockTime, exactTime, replyAuthor } from "./format";
import { icons } from "./icons";
import { MessageContent } from "./MessageContent";
import { lastInboundAt, timeline, type Reaction } from "./timeline";
import { useSendReply } from "./useSendReply";

/** Closer to the bottom than this, the thread follows new messages. */
const FOLLOW_PX = 120;

export function Thread({
  project,
  conversation,
  names,
  viewer,
  blocked,
  header,
  onBlocked,
}: {
  project: string;
  conversation: Conversation;
  /** Members' names by user id, for who sent a reply; null while not known. */
  names: Map<string, string> | null;
  /** The signed-in member's id; `null` in an embedded inbox. */
  viewer: string | null;
  /** Why replies cannot be sent from here, if they cannot. */
  blocked: ReactNode | null;
  header: ReactNode;
  /** The server refused a reply for a reason that holds for the next one too. */
  onBlocked: (reason: string) => void;
}) {
  const messages = useMessages(project, conversation.id);
  const newestFirst = useMemo(() => messages.data?.pages.flatMap((page) => page.messages) ?? [], [messages.data]);
  const items = useMemo(() => timeline(newestFirst), [newestFirst]);
  const scroller = useRef<HTMLDivElement>(null);
  const top = useRef<HTMLDivElement>(null);

  // Where the reader was before the latest change: at the bottom (follow), or reading older
  // messages (keep their place when older ones load above).
  const view = useRef({ atBottom: true, height: 0, scrollTop: 0, first: "", last: "", conversation: "" });
  const remember = () => {
    const el = scroller.current;
    if (!el) return;
    view.current.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_PX;
    view.current.height = el.scrollHeight;
    view.current.scrollTop = el.scrollTop;
  };
  const first = newestFirst[newestFirst.length - 1]?.id ?? "";
  const last = newestFirst[0]?.id ?? "";
  const lastIsMine = viewer !== null && newestFirst[0]?.sent_by === viewer;
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = view.current;
    if (before.conversation !== conversation.id) {
      el.scrollTop = el.scrollHeight;
    } else if (last !== before.last && (before.atBottom || lastIsMine)) {
      el.scrollTop = el.scrollHeight;
    } else if (first !== before.first && last === before.last) {
      // Older messages arrived above: the ones on screen stay where they were.
      el.scrollTop = before.scrollTop + (el.scrollHeight - before.height);
    }
    view.current = { ...view.current, first, last, conversation: conversation.id };
    remember();
  }, [first, last, lastIsMine, conversation.id, items.length]);

  // A thread read at its bottom stays there when its box changes size (the window, the
  // composer growing, the details opening beside it).
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver !== "function") return;
    const observer = new ResizeObserver(() => {
      if (view.current.atBottom) el.scrollTop = el.scrollHeight;
      remember();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Older messages load when the top of the thread scrolls into view.
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = messages;
  useEffect(() => {
    const sentinel = top.current;
    const root = scroller.current;
    if (!sentinel || !root || !hasNextPage) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
      },
      { root, rootMargin: "300px 0px 0px 0px" },
    );
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, first]);

  const inboundAt = lastInboundAt(newestFirst);
  // Who wrote a message: the contact, or a reply's author (an embedded inbox says it is one).
  const senderOf = (message: Message): string =>
    message.direction === "inbound"
      ? (conversation.contact_name ?? "Contact")
      : !message.sent_by && message.sent_via
        ? `${message.sent_via} (embedded inbox)`
        : replyAuthor(message, names, viewer);
  const send = useSendReply(project, viewer);
  const toast = useToast();
  const retry = (text: string) =>
    send(conversation, text, (error) => toast({ tone: "error", text: `Not sent: ${errorMessage(error)}` }));
  const name = conversation.contact_name || "the contact";

  return (
    <>
      {header}
      <div
        className="thread-scroll"
        ref={scroller}
        onScroll={remember}
        tabIndex={0}
        role="log"
        aria-label={`Messages with ${name}`}
        aria-busy={messages.isPending || isFetchingNextPage}
      >
        <div className="thread-top" ref={top}>
          {hasNextPage ? (
            <button
              type="button"
              className="link-button small"
              disabled={isFetchingNextPage}
              onClick={() => void fetchNextPage()}
            >
              {isFetchingNextPage ? "Loading earlier messages…" : "Load earlier messages"}
            </button>
          ) : messages.isSuccess && newestFirst.length > 0 ? (
            <span className="muted small">The beginning of the conversation</span>
          ) : null}
        </div>
        {messages.isPending ? <ThreadSkeleton /> : null}
        {messages.isError && !messages.data ? (
          <LoadError title="The messages could not be loaded" error={messages.error} retry={() => void messages.refetch()} />
        ) : null}
        {messages.isSuccess && newestFirst.length === 0 ? (
          <p className="thread-empty muted">No messages in this conversation yet.</p>
        ) : null}
        <ol className="thread" aria-label="Messages">
          {items.map((item) => {
            if (item.kind === "day") {
              return (
                <li key={item.key} className="thread-day">
                  <span>{item.label}</span>
                </li>
              );
            }
            if (item.kind === "reaction") {
              return (
                <li key={item.key} className={`thread-note thread-note-${item.message.direction}`}>
                  {senderOf(item.message)} reacted {item.message.body} to an earlier message ·{" "}
                  <time dateTime={item.message.created_at} title={exactTime(item.message.created_at)}>
                    {clockTime(item.message.created_at)}
                  </time>
                </li>
              );
            }
            if (item.message.type === "system") {
              return (
                <li key={item.key} className="thread-note">
                  {item.message.body ?? "WhatsApp changed something about this contact."}
                </li>
              );
            }
            return (
              <MessageRow
                key={item.key}
                message={item.message}
                reactions={item.reactions}
                quoted={item.quoted}
                sender={item.runStart && item.message.direction === "outbound" ? senderOf(item.message) : null}
                quotedSender={item.quoted ? senderOf(item.quoted) : null}
                runStart={item.runStart}
                onRetry={
                  !blocked && item.message.status === "failed" && item.message.type === "text" && item.message.body
                    ? () => retry(item.message.body ?? "")
                    : undefined
                }
              />
            );
          })}
        </ol>
      </div>
      <Composer
        project={project}
        conversation={conversation}
        blocked={blocked}
        viewer={viewer}
        contactWroteAt={inboundAt}
        onBlocked={onBlocked}
      />
    </>
  );
}

const STATUS: Record<string, { mark: ReactNode; label: string }> = {
  pending: { mark: icons.clock, label: "Sending" },
  sent: { mark: "✓", label: "Sent" },
  delivered: { mark: "✓✓", label: "Delivered" },
  read: { mark: "✓✓", label: "Read" },
  failed: { mark: "!", label: "Not delivered" },
};

interface WhatsappError {
  code?: unknown;
  title?: unknown;
  message?: unknown;
  details?: unknown;
}

/** WhatsApp's explanation of a failure, in its own words, with its code. */
function FailureNote({ error, onRetry }: { error: WhatsappError | null; onRetry?: () => void }) {
  const code = typeof error?.code === "number" || typeof error?.code === "string" ? String(error.code) : null;
  const title = typeof error?.title === "string" ? error.title : null;
  // Meta's message often repeats the title after the code ("(#131047) Re-engagement message").
  const message = typeof error?.message === "string" ? error.message.replace(/^\(#\d+\)\s*/, "") : null;
  const text = message && message !== title ? message : null;
  const details = typeof error?.details === "string" ? error.details : null;
  return (
    <div className="msg-failure" role="note">
      <strong>Not delivered{code ? ` · error ${code}` : ""}</strong>
      {title ? <span>{title}</span> : null}
      {text ? <span>{text}</span> : null}
      {details ? <span className="muted">{details}</span> : null}
      {!title && !text && !details ? <span>WhatsApp gave no reason.</span> : null}
      {onRetry ? (
        <button type="button" className="link-button msg-retry" onClick={onRetry}>
          Send again
        </button>
      ) : null}
    </div>
  );
}

function MessageRow({
  message,
  reactions,
  quoted,
  sender,
  quotedSender,
  runStart,
  onRetry,
}: {
  message: Message;
  reactions: Reaction[];
  quoted: Message | null;
  sender: string | null;
  quotedSender: string | null;
  runStart: boolean;
  /** Sends the failed message's text again, as a new message. */
  onRetry?: () => void;
}) {
  const outbound = message.direction === "outbound";
  const status = outbound ? STATUS[message.status] : undefined;
  const failed = message.status === "failed";
  const quotedRecord = (message.data ?? {}) as { context?: { id?: unknown } };
  return (
    <li
      className={`msg msg-${outbound ? "out" : "in"}${runStart ? " msg-run-start" : ""}${failed ? " msg-failed" : ""}`}
      data-status={message.status}
    >
      {sender ? <span className="msg-sender">{sender}</span> : null}
      <div className="msg-bubble">
        {quoted || quotedRecord.context?.id ? (
          <div className="msg-quote">
            {quoted ? (
              <>
                <span className="msg-quote-who">{quotedSender}</span>
                <span className="msg-quote-text">{quoted.body ?? `a ${quoted.type} message`}</span>
              </>
            ) : (
              <span className="msg-quote-text">Replying to an earlier message</span>
            )}
          </div>
        ) : null}
        <MessageContent message={message} />
        <span className="msg-meta">
          <time dateTime={message.created_at} title={exactTime(message.created_at)}>
            {clockTime(message.created_at)}
          </time>
          {status ? (
            <span
              className={`msg-status msg-status-${message.status}`}
              title={`${status.label} · ${exactTime(message.status_at)}`}
              aria-label={status.label}
              role="img"
            >
              {status.mark}
            </span>
          ) : null}
        </span>
        {reactions.length > 0 ? (
          <span className="msg-reactions" aria-label={`Reactions: ${reactions.map((r) => r.emoji).join(" ")}`}>
            {reactions.map((r) => (
              <span key={r.direction} title={r.direction === "inbound" ? "The contact reacted" : "You reacted"}>
                {r.emoji}
              </span>
            ))}
          </span>
        ) : null}
      </div>
      {failed ? <FailureNote error={(message.error ?? null) as WhatsappError | null} onRetry={onRetry} /> : null}
    </li>
  );
}

function ThreadSkeleton() {
  return (
    <ol className="thread" aria-hidden="true">
      {[62, 38, 54, 70, 30].map((width, i) => (
        <li key={i} className={`msg ${i % 2 ? "msg-out" : "msg-in"}`}>
          <span className="skeleton msg-skeleton" style={{ width: `${width}%` }} />
        </li>
      ))}
    </ol>
  );
}
