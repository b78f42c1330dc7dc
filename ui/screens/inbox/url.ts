/**
 * The inbox's state lives in its URL, so every view can be linked and survives a reload:
 * `/p/{project}/inbox[/{conversation}]?q=…&unread=1&connection=…&tab=info|page&details=1&version=draft`.
 * `details` is the phone's third screen (the detail panel in place of the thread); `version`
 * is the Page tab's choice of the mounted page's draft (owners and admins).
 */
import type { ConversationFilter } from "../../api/queries";
import { paths } from "../../paths";

export type DetailTab = "info" | "page";

export interface InboxUrl {
  filter: ConversationFilter;
  tab: DetailTab;
  details: boolean;
  draft: boolean;
}

export function readInboxUrl(search: string): InboxUrl {
  const params = new URLSearchParams(search);
  const q = params.get("q")?.trim() ?? "";
  return {
    filter: {
      ...(q ? { q } : {}),
      ...(params.get("unread") === "1" ? { unread: true } : {}),
      ...(params.get("connection") ? { connection: params.get("connection") ?? "" } : {}),
    },
    tab: params.get("tab") === "page" ? "page" : "info",
    details: params.get("details") === "1",
    draft: params.get("version") === "draft",
  };
}

/** The inbox's address for `conversation` (none: the list) with `state`'s parameters. */
export function inboxHref(project: string, conversation: string | undefined, state: InboxUrl): string {
  const params = new URLSearchParams();
  if (state.filter.q) params.set("q", state.filter.q);
  if (state.filter.unread) params.set("unread", "1");
  if (state.filter.connection) params.set("connection", state.filter.connection);
  if (state.tab !== "info") params.set("tab", state.tab);
  if (state.details && conversation !== undefined) params.set("details", "1");
  if (state.draft) params.set("version", "draft");
  const query = params.toString();
  return paths.inbox(project, conversation) + (query ? `?${query}` : "");
}
