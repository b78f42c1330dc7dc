/**
 * The conversation list: search (as you type), All/Unread, the number when the project has
 * several, and the conversations, newest activity first, 30 at a time as the list scrolls.
 * Each row is a link, so Enter, a middle-click and the keyboard's j/k all work.
 */
import { useEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import { Link } from "wouter";
import type { Conversation } from "../../api/client";
import { useConversations } from "../../api/queries";
import { LoadError } from "../../components/LoadError";
import { Avatar } from "./Avatar";
import { contactName, exactTime, formatPhone, listTime, replyAuthor, unreadLabel } from "./format";
import type { InboxUrl } from "./url";

export interface NumberChoice {
  /** The connection's id (the list's `connection` filter). */
  id: string;
  label: string;
}

const SEARCH_DELAY_MS = 250;

export function ConversationList({
  project,
  url,
  selected,
  numbers: known,
  several: knownSeveral,
  searchRef,
  href,
  names,
  viewer,
  onFilter,
  empty,
}: {
  project: string;
  url: InboxUrl;
  selected: string | undefined;
  /**
   * The project's numbers (owners and admins see the connections); null: learnt from the
   * conversations listed so far. With several, rows name theirs and the list filters by one.
   */
  numbers: NumberChoice[] | null;
  several: boolean | null;
  searchRef: RefObject<HTMLInputElement | null>;
  href: (conversation: string) => string;
  /** Members' names by user id, for who wrote a reply; null while not known. */
  names: Map<string, string> | null;
  viewer: string | null;
  onFilter: (filter: InboxUrl["filter"]) => void;
  /** What to say when the project has no conversation at all. */
  empty: ReactNode;
}) {
  const filter = url.filter;
  const list = useConversations(project, filter);
  const [text, setText] = useState(filter.q ?? "");
  const filtering = Boolean(filter.q || filter.unread || filter.connection);

  // The URL changed under the field (Back, a link): the field follows.
  const lastSent = useRef(filter.q ?? "");
  useEffect(() => {
    if ((filter.q ?? "") !== lastSent.current) {
      lastSent.current = filter.q ?? "";
      setText(filter.q ?? "");
    }
  }, [filter.q]);

  // Search as you type, once the typing pauses.
  const latest = useRef({ filter, onFilter });
  latest.current = { filter, onFilter };
  useEffect(() => {
    const q = text.trim();
    if (q === (latest.current.filter.q ?? "")) return;
    const timer = setTimeout(() => {
      lastSent.current = q;
      latest.current.onFilter({ ...latest.current.filter, q: q || undefined });
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text]);

  const conversations = list.data?.pages.flatMap((page) => page.conversations) ?? [];
  // Members cannot read the connections: the numbers they have seen stand in for them.
  const seen = useRef(new Map<string, string>());
  for (const c of conversations) {
    if (c.whatsapp_config_id && !seen.current.has(c.whatsapp_config_id)) {
      seen.current.set(c.whatsapp_config_id, formatPhone(c.display_phone_number) || c.whatsapp_phone_number_id);
    }
  }
  const numbers = known ?? [...seen.current].map(([id, label]) => ({ id, label }));
  const several = knownSeveral ?? numbers.length > 1;
  const labels = new Map(numbers.map((n) => [n.id, n.label]));

  // The next page loads when the end of the list scrolls into view.
  const end = useRef<HTMLLIElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  useEffect(() => {
    const sentinel = end.current;
    if (!sentinel || !hasNextPage) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
      },
      { rootMargin: "200px" },
    );
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, conversations.length]);

  return (
    <>
      <div className="inbox-search">
        <input
          ref={searchRef}
          type="search"
          aria-label="Search conversations"
          placeholder="Search name, number or text"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape" && text !== "") {
              e.preventDefault();
              setText("");
            }
          }}
        />
        <kbd className="inbox-search-key" aria-hidden="true">
          /
        </kbd>
      </div>
      <div className="inbox-filters">
        <div className="segmented" role="group" aria-label="Show">
          <button
            type="button"
            aria-pressed={!filter.unread}
            onClick={() => onFilter({ ...filter, unread: undefined })}
          >
            All
          </button>
          <button
            type="button"
            aria-pressed={Boolean(filter.unread)}
            onClick={() => onFilter({ ...filter, unread: true })}
          >
            Unread
          </button>
        </div>
        {several && numbers.length > 1 ? (
          <select
            className="inbox-number-filter"
            aria-label="Number"
            value={filter.connection ?? ""}
            onChange={(e) => onFilter({ ...filter, connection: e.target.value || undefined })}
          >
            <option value="">All numbers</option>
            {numbers.map((n) => (
              <option key={n.id} value={n.id}>
                {n.label}
              </option>
            ))}
          </select>
        ) : null}
        {list.isFetching && !list.isFetchingNextPage && list.data ? (
          <span className="inbox-busy" role="status">
            Updating…
          </span>
        ) : null}
      </div>
      {list.isPending ? <ListSkeleton /> : null}
      {list.isError && !list.data ? (
        <LoadError title="The conversations could not be loaded" error={list.error} retry={() => void list.refetch()} />
      ) : null}
      {list.isSuccess && conversations.length === 0 ? (
        filtering ? (
          <div className="inbox-empty">
            <p className="inbox-empty-title">No conversation matches</p>
            <p className="muted small">
              {filter.q ? <>Nothing found for “{filter.q}”{filter.unread ? " among the unread" : ""}. </> : null}
              {!filter.q && filter.unread ? <>Every conversation is read. </> : null}
            </p>
            <button
              type="button"
              className="button button-small"
              onClick={() => {
                setText("");
                lastSent.current = "";
                onFilter({});
              }}
            >
              Show all conversations
            </button>
          </div>
        ) : (
          empty
        )
      ) : null}
      {conversations.length > 0 ? (
        <ul className="conv-list" aria-label="Conversations" aria-busy={list.isFetching}>
          {conversations.map((conversation) => (
            <ConversationRow
              key={conversation.id}
              conversation={conversation}
              current={conversation.id === selected}
              author={
                conversation.last_message_direction === "outbound"
                  ? replyAuthor(
                      { sent_by: conversation.last_message_sent_by, sent_via: conversation.last_message_sent_via },
                      names,
                      viewer,
                    )
                  : null
              }
              number={
                several
                  ? (labels.get(conversation.whatsapp_config_id ?? "") ??
                    (formatPhone(conversation.display_phone_number) || undefined))
                  : undefined
              }
              href={href(conversation.id)}
            />
          ))}
          {hasNextPage ? (
            <li ref={end} className="conv-more">
              {isFetchingNextPage ? (
                <span className="muted small">Loading more…</span>
              ) : (
                <button type="button" className="link-button small" onClick={() => void fetchNextPage()}>
                  Load more conversations
                </button>
              )}
            </li>
          ) : null}
        </ul>
      ) : null}
    </>
  );
}

function ConversationRow({
  conversation,
  current,
  author,
  number,
  href,
}: {
  conversation: Conversation;
  current: boolean;
  /** Who wrote the last message, when it is a reply. */
  author: string | null;
  number: string | undefined;
  href: string;
}) {
  const name = contactName(conversation);
  const unread = conversation.unread_count;
  const label = `${name}${unread > 0 ? `, ${unread} unread` : ""}`;
  return (
    <li className={current ? "conv-row conv-row-current" : "conv-row"}>
      <Link
        href={href}
        className={unread > 0 ? "conv-link conv-unread" : "conv-link"}
        aria-current={current ? "page" : undefined}
        aria-label={label}
        data-conversation={conversation.id}
      >
        <Avatar name={name} seed={conversation.whatsapp_contact_id} />
        <span className="conv-main">
          <span className="conv-top">
            <span className="conv-name">{name}</span>
            <time className="conv-time" dateTime={conversation.last_message_at} title={exactTime(conversation.last_message_at)}>
              {listTime(conversation.last_message_at)}
            </time>
          </span>
          <span className="conv-bottom">
            <span className="conv-preview">
              {author !== null ? <span className="muted">{author}: </span> : null}
              {conversation.last_message_preview || <span className="muted">No messages</span>}
            </span>
            {unread > 0 ? (
              <span className="unread-badge" aria-hidden="true">
                {unreadLabel(unread)}
              </span>
            ) : null}
          </span>
          {number ? <span className="conv-number">{number}</span> : null}
        </span>
      </Link>
    </li>
  );
}

function ListSkeleton() {
  return (
    <ul className="conv-list conv-skeleton" aria-hidden="true">
      {Array.from({ length: 8 }, (_, i) => (
        <li key={i} className="conv-row">
          <span className="conv-link">
            <span className="avatar avatar-medium skeleton" />
            <span className="conv-main">
              <span className="skeleton" style={{ width: `${40 + ((i * 17) % 35)}%`, height: 13 }} />
              <span className="skeleton" style={{ width: `${60 + ((i * 23) % 30)}%`, height: 11, marginTop: 8 }} />
            </span>
          </span>
        </li>
      ))}
    </ul>
  );
}
