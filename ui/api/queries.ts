/**
 * Server state through TanStack Query: one key per resource, so a save, a publish or a delete
 * refreshes exactly the screens that show what it changed.
 */
import { QueryClient, keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { ApiError, api, setCsrfToken, unwrap, type Schemas } from "./client";

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // A 4xx will not change by asking again; a network blip might.
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});

export const keys = {
  me: ["me"] as const,
  pages: (project: string) => ["projects", project, "pages"] as const,
  page: (project: string, page: string) => ["projects", project, "pages", page] as const,
  versions: (project: string, page: string) =>
    ["projects", project, "pages", page, "versions"] as const,
  version: (project: string, page: string, number: number) =>
    ["projects", project, "pages", page, "versions", number] as const,
  assets: (project: string) => ["projects", project, "assets"] as const,
  members: (project: string) => ["projects", project, "members"] as const,
  invitations: (project: string) => ["projects", project, "invitations"] as const,
  audit: (project: string, filter: AuditFilter) => ["projects", project, "audit", filter] as const,
  invitation: (token: string) => ["invitation", token] as const,
  tokens: ["tokens"] as const,
  accountAudit: ["me", "audit"] as const,
  functions: (project: string) => ["projects", project, "functions"] as const,
  fn: (project: string, fn: string) => ["projects", project, "functions", fn] as const,
  invocations: (project: string, fn: string) =>
    ["projects", project, "functions", fn, "invocations"] as const,
  secrets: (project: string, fn: string) => ["projects", project, "functions", fn, "secrets"] as const,
  /** Everything cached about a project's conversations: lists, each conversation, messages. */
  inbox: (project: string) => ["projects", project, "inbox"] as const,
  conversationLists: (project: string) => ["projects", project, "inbox", "lists"] as const,
  conversationList: (project: string, filter: ConversationFilter) =>
    ["projects", project, "inbox", "lists", filter] as const,
  conversation: (project: string, id: string) =>
    ["projects", project, "inbox", "conversation", id] as const,
  messages: (project: string, conversation: string) =>
    ["projects", project, "inbox", "messages", conversation] as const,
  connections: (project: string) => ["projects", project, "whatsapp", "connections"] as const,
  embeds: (project: string) => ["projects", project, "inbox-embeds"] as const,
};

const path = (p: string) => ({ path: { p } });
const pagePath = (p: string, page: string) => ({ path: { p, page } });

export function useMe() {
  return useQuery({
    queryKey: keys.me,
    queryFn: async () => {
      const me = await unwrap(api.GET("/api/v1/me"));
      setCsrfToken(me.csrf_token ?? null);
      return me;
    },
    retry: false,
    staleTime: 60_000,
  });
}

export function usePages(project: string) {
  return useQuery({
    queryKey: keys.pages(project),
    queryFn: () => unwrap(api.GET("/api/v1/projects/{p}/pages", { params: path(project) })),
  });
}

export function usePage(project: string, page: string) {
  return useQuery({
    queryKey: keys.page(project, page),
    queryFn: () =>
      unwrap(api.GET("/api/v1/projects/{p}/pages/{page}", { params: pagePath(project, page) })),
  });
}

export function useVersions(project: string, page: string, enabled = true) {
  return useQuery({
    queryKey: keys.versions(project, page),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/projects/{p}/pages/{page}/versions", { params: pagePath(project, page) }),
      ),
    enabled,
  });
}

/** The project's assets (images, fonts, data files), by name. */
export function useAssets(project: string) {
  return useQuery({
    queryKey: keys.assets(project),
    queryFn: () => unwrap(api.GET("/api/v1/projects/{p}/assets", { params: { path: { p: project } } })),
  });
}

/**
 * Forgets what is cached about the project's pages after a change to one: the list, and the
 * page under any of its names (id or slug), with its versions.
 */
export function invalidatePages(project: string): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: keys.pages(project) });
}

export function useVersion(project: string, page: string, number: number | null) {
  return useQuery({
    queryKey: keys.version(project, page, number ?? 0),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/projects/{p}/pages/{page}/versions/{number}", {
          params: { path: { p: project, page, number: number ?? 0 } },
        }),
      ),
    enabled: number !== null,
    // A version never changes.
    staleTime: Infinity,
  });
}

export function useMembers(project: string, enabled = true) {
  return useQuery({
    queryKey: keys.members(project),
    queryFn: () => unwrap(api.GET("/api/v1/projects/{p}/members", { params: path(project) })),
    enabled,
  });
}

export function useInvitations(project: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.invitations(project),
    queryFn: () => unwrap(api.GET("/api/v1/projects/{p}/invitations", { params: path(project) })),
    enabled,
  });
}

/** What an invitation link invites to; public, so it works signed out. */
export function useInvitationPreview(token: string) {
  return useQuery({
    queryKey: keys.invitation(token),
    queryFn: () =>
      unwrap(api.GET("/api/v1/invitations/{token}", { params: { path: { token } } })),
    retry: false,
  });
}

export function useTokens() {
  return useQuery({
    queryKey: keys.tokens,
    queryFn: () => unwrap(api.GET("/api/v1/tokens")),
  });
}

/** One page of the audit log: newest first, `limit` entries. */
export const AUDIT_PAGE = 50;

/** Narrows a project's audit log; every field is a query parameter of the API. */
export interface AuditFilter {
  action?: string;
  actor?: string;
  since?: string;
  until?: string;
}

const nextBefore = (page: { id: number }[]) =>
  page.length === AUDIT_PAGE ? page[page.length - 1]?.id : undefined;

/** The project's audit log; `enabled` false for members, who may not read it. */
export function useProjectAudit(project: string, filter: AuditFilter, enabled: boolean) {
  return useInfiniteQuery({
    enabled,
    queryKey: keys.audit(project, filter),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/projects/{p}/audit", {
          params: { path: { p: project }, query: { ...filter, before: pageParam, limit: AUDIT_PAGE } },
        }),
      ),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: nextBefore,
  });
}

export function useAccountAudit() {
  return useInfiniteQuery({
    queryKey: keys.accountAudit,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/me/audit", { params: { query: { before: pageParam, limit: AUDIT_PAGE } } }),
      ),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: nextBefore,
  });
}
const fnPath = (p: string, f: string) => ({ path: { p, f } });

export function useFunctions(project: string) {
  return useQuery({
    queryKey: keys.functions(project),
    queryFn: () => unwrap(api.GET("/api/v1/projects/{p}/functions", { params: path(project) })),
  });
}

export function useFunction(project: string, fn: string) {
  return useQuery({
    queryKey: keys.fn(project, fn),
    queryFn: () =>
      unwrap(api.GET("/api/v1/projects/{p}/functions/{f}", { params: fnPath(project, fn) })),
  });
}

/** The newest invocations (at most 200), polled every `pollEvery` ms (or not: `false`). */
export function useInvocations(project: string, fn: string, pollEvery: number | false) {
  return useQuery({
    queryKey: keys.invocations(project, fn),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/projects/{p}/functions/{f}/invocations", {
          params: { path: { p: project, f: fn }, query: { limit: 200 } },
        }),
      ),
    refetchInterval: pollEvery,
    staleTime: 0,
  });
}

export function useSecrets(project: string, fn: string, enabled = true) {
  return useQuery({
    enabled,
    queryKey: keys.secrets(project, fn),
    queryFn: () =>
      unwrap(api.GET("/api/v1/projects/{p}/functions/{f}/secrets", { params: fnPath(project, fn) })),
  });
}

/** Forgets what is cached about the project's functions after a change to one. */
export function invalidateFunctions(project: string): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: keys.functions(project) });
}

/** One page of the conversation list: newest activity first. */
export const CONVERSATION_PAGE = 30;
/** One page of a thread: newest first (the thread shows them oldest first). */
export const MESSAGE_PAGE = 50;

/** Narrows the conversation list; every field is a query parameter of the API. */
export interface ConversationFilter {
  q?: string;
  unread?: boolean;
  connection?: string;
}

export function useConversations(project: string, filter: ConversationFilter) {
  return useInfiniteQuery({
    queryKey: keys.conversationList(project, filter),
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET("/api/v1/projects/{p}/conversations", {
          params: {
            path: { p: project },
            query: {
              limit: CONVERSATION_PAGE,
              cursor: pageParam,
              q: filter.q || undefined,
              unread: filter.unread || undefined,
              connection: filter.connection || undefined,
            },
          },
          signal,
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // A new search keeps the previous answer on screen until its own arrives.
    placeholderData: keepPreviousData,
  });
}

/** One conversation; `placeholder` (a list's copy) shows until the server's answer arrives. */
export function useConversation(
  project: string,
  id: string | undefined,
  placeholder?: () => Schemas["ConversationView"] | undefined,
) {
  return useQuery({
    placeholderData: placeholder,
    queryKey: keys.conversation(project, id ?? ""),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/projects/{p}/conversations/{c}", {
          params: { path: { p: project, c: id ?? "" } },
        }),
      ),
    enabled: id !== undefined,
  });
}

export function useMessages(project: string, conversation: string | undefined) {
  return useInfiniteQuery({
    queryKey: keys.messages(project, conversation ?? ""),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/projects/{p}/conversations/{c}/messages", {
          params: {
            path: { p: project, c: conversation ?? "" },
            query: { before: pageParam, limit: MESSAGE_PAGE },
          },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: conversation !== undefined,
  });
}

/** The project's WhatsApp connections (owners and admins only: members get 403). */
export function useConnections(project: string, enabled = true) {
  return useQuery({
    queryKey: keys.connections(project),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/projects/{p}/whatsapp/connections", { params: path(project) }),
      ),
    enabled,
  });
}

export function useEmbeds(project: string, enabled = true) {
  return useQuery({
    queryKey: keys.embeds(project),
    queryFn: () => unwrap(api.GET("/api/v1/projects/{p}/inbox-embeds", { params: path(project) })),
    enabled,
  });
}
