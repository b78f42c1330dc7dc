/**
 * Type declarations of the `kapso` global that every Quire page artifact defines
 * (bridge/page.ts). Pages use it without importing anything.
 */

/** A server-side function of the page's project, named by id or by slug. */
type KapsoFunctionRef = { id: string; slug?: never } | { slug: string; id?: never };

/** `kapso.invokeFunction({ slug: "x", payload: { … } })` */
type KapsoInvokeRequest = KapsoFunctionRef & {
  /** Sent to the function as the JSON body of its request. */
  payload?: unknown;
};

interface KapsoInvokeOptions {
  /** Reject if no result arrived within this many milliseconds (default 30 000). */
  timeoutMs?: number;
}

interface KapsoConversation {
  id: string;
  phoneNumber: string | null;
  whatsappContactId: string | null;
  whatsappConfigId: string | null;
  whatsappPhoneNumberId: string | null;
  contactName: string | null;
}

interface KapsoContext {
  system: {
    projectId: string;
    pageId: string;
    viewerUserId: string | null;
    /** `"inbox_conversation_sidebar"` when mounted in the inbox, otherwise null. */
    mountPoint: string | null;
    mode: "regular" | "preview" | "embedded" | "public";
    theme: "light" | "dark";
  };
  context: {
    /** The conversation open beside the page, when mounted in the inbox. */
    conversation: KapsoConversation | null;
  };
  vars: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

interface Kapso {
  /**
   * Resolves once the host has answered the handshake. Rejects after 10 s when the page is
   * not running inside Quire.
   */
  ready(): Promise<void>;
  /**
   * Calls a function of the page's project and resolves with its JSON (or text) result;
   * rejects with an `Error` carrying the function's error message, or on timeout.
   */
  invokeFunction<T = unknown>(request: KapsoInvokeRequest, options?: KapsoInvokeOptions): Promise<T>;
  /** A copy of the current context. Throws before `ready()` has resolved. */
  getContext(): KapsoContext;
  /** Called with the new context when it changes (the frame stays alive); returns an unsubscribe function. */
  on(event: "context", listener: (context: KapsoContext) => void): () => void;
}

declare const kapso: Kapso;

interface Window {
  readonly kapso: Kapso;
}
