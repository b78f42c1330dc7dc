/**
 * Keeps TanStack Query's copies of the inbox right after a change the UI made or heard of (a
 * reply, marking read, a live event), without refetching: a conversation moves to its place
 * in every loaded list, a message lands in its thread, a status only moves forward.
 */
import type { InfiniteData, QueryClient } from "@tanstack/react-query";
import type { Conversation, Message, Schemas } from "../../api/client";
import { keys, type ConversationFilter } from "../../api/queries";

type ConversationPage = Schemas["ConversationPage"];
type MessagePage = Schemas["MessagePage"];

/** Whether `a` comes before `b` in the list: newer activity first, then the larger id. */
function listedBefore(a: Conversation, b: Conversation): boolean {
  const at = Date.parse(a.last_message_at);
  const bt = Date.parse(b.last_message_at);
  return at !== bt ? at > bt : a.id > b.id;
}

/**
 * Whether a conversation not yet in a list belongs in it. Search is the server's (it also
 * matches message text); here a name, username, number or the last message must contain it.
 */
function belongs(conversation: Conversation, filter: ConversationFilter): boolean {
  if (filter.unread && conversation.unread_count === 0) return false;
  if (filter.connection && conversation.whatsapp_config_id !== filter.connection) return false;
  const q = filter.q?.trim().toLowerCase();
  if (!q) return true;
  return [
    conversation.contact_name,
    conversation.username,
    conversation.phone_number,
    conversation.last_message_preview,
  ].some((field) => field?.toLowerCase().includes(q));
}

/**
 * `data` with `conversation` in its place: taken out of wherever it was, put back where its
 * activity sorts it. A conversation already listed stays listed (one read while the unread
 * filter is on does not vanish under the reader); a new one only when it belongs. Past the
 * loaded pages it is left for the next page to bring.
 */
export function placeConversation(
  data: InfiniteData<ConversationPage, string | undefined>,
  conversation: Conversation,
  filter: ConversationFilter,
): InfiniteData<ConversationPage, string | undefined> {
  const listed = data.pages.some((page) => page.conversations.some((c) => c.id === conversation.id));
  const pages = data.pages.map((page) => ({
    ...page,
    conversations: page.conversations.filter((c) => c.id !== conversation.id),
  }));
  if (!listed && !belongs(conversation, filter)) return { ...data, pages };
  for (const page of pages) {
    const at = page.conversations.findIndex((c) => listedBefore(conversation, c));
    if (at >= 0) {
      page.conversations.splice(at, 0, conversation);
      return { ...data, pages };
    }
  }
  const last = pages[pages.length - 1];
  if (last && last.next_cursor == null) last.conversations.push(conversation);
  return { ...data, pages };
}

/** Puts a new or changed conversation into every cached list and its own entry. */
export function storeConversation(client: QueryClient, project: string, conversation: Conversation) {
  client.setQueryData(keys.conversation(project, conversation.id), conversation);
  for (const [key, data] of client.getQueriesData<InfiniteData<ConversationPage, string | undefined>>({
    queryKey: keys.conversationLists(project),
  })) {
    if (!data) continue;
    const filter = (key[4] ?? {}) as ConversationFilter;
    client.setQueryData(key, placeConversation(data, conversation, filter));
  }
}

/** A conversation as the cache has it, from its own entry or any list. */
export function cachedConversation(
  client: QueryClient,
  project: string,
  id: string,
): Conversation | undefined {
  const own = client.getQueryData<Conversation>(keys.conversation(project, id));
  if (own) return own;
  for (const [, data] of client.getQueriesData<InfiniteData<ConversationPage, string | undefined>>({
    queryKey: keys.conversationLists(project),
  })) {
    const found = data?.pages.flatMap((page) => page.conversations).find((c) => c.id === id);
    if (found) return found;
  }
  return undefined;
}

const STATUS_RANK: Record<string, number> = {
  pending: 0,
  sent: 1,
  delivered: 2,
  read: 3,
  failed: 4,
  received: 0,
};

/**
 * Of two views of one message, the later: a status never moves back (an answer that raced a
 * live event must not undo "delivered"), and failed stays failed.
 */
function later(known: Message, incoming: Message): Message {
  const was = STATUS_RANK[known.status] ?? 0;
  const now = STATUS_RANK[incoming.status] ?? 0;
  return now >= was ? incoming : { ...incoming, status: known.status, error: known.error, status_at: known.status_at };
}

/** Marks the ids of replies shown before the server answered (useSendReply). */
export const PENDING_PREFIX = "pending-";

/**
 * Whether `known` is `incoming` under another name: the same id or wamid, or the stand-in a
 * reply showed while it was sent, when the stored message arrives (live) before the answer.
 */
function sameMessage(known: Message, incoming: Message): boolean {
  if (known.id === incoming.id || (known.wamid !== null && known.wamid === incoming.wamid)) return true;
  return (
    known.id.startsWith(PENDING_PREFIX) &&
    !incoming.id.startsWith(PENDING_PREFIX) &&
    incoming.direction === "outbound" &&
    known.sent_by === incoming.sent_by &&
    known.body === incoming.body
  );
}

/** `data` (newest first) with `message` replaced where it is, else inserted by its time. */
export function placeMessage(
  data: InfiniteData<MessagePage, string | undefined>,
  message: Message,
): InfiniteData<MessagePage, string | undefined> {
  let replaced = false;
  const pages = data.pages.map((page) => ({
    ...page,
    messages: page.messages.map((m) => {
      if (replaced || !sameMessage(m, message)) return m;
      replaced = true;
      return later(m, message);
    }),
  }));
  if (replaced) return { ...data, pages };
  const at = Date.parse(message.created_at);
  for (const page of pages) {
    const index = page.messages.findIndex((m) => Date.parse(m.created_at) <= at);
    if (index >= 0) {
      page.messages.splice(index, 0, message);
      return { ...data, pages };
    }
  }
  const last = pages[pages.length - 1];
  if (last && last.next_cursor == null) last.messages.push(message);
  return { ...data, pages };
}

/** Puts a new or changed message into its thread, when that thread is cached. */
export function storeMessage(client: QueryClient, project: string, message: Message) {
  client.setQueryData<InfiniteData<MessagePage, string | undefined>>(
    keys.messages(project, message.conversation_id),
    (data) => (data ? placeMessage(data, message) : data),
  );
}

/** Takes a message (an optimistic one that did not go) out of its thread. */
export function dropMessage(client: QueryClient, project: string, conversation: string, id: string) {
  client.setQueryData<InfiniteData<MessagePage, string | undefined>>(
    keys.messages(project, conversation),
    (data) =>
      data
        ? {
            ...data,
            pages: data.pages.map((page) => ({
              ...page,
              messages: page.messages.filter((m) => m.id !== id),
            })),
          }
        : data,
  );
}
