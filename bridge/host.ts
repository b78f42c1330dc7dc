/**
 * The host side of the `kapso` bridge, used by Quire's own UI (the dashboard view, and later
 * the editor's preview and the inbox). The page side is bridge/page.ts; its header documents
 * the protocol this file implements:
 *
 *   1. `POST /api/v1/projects/{p}/pages/{page}/frame {mode}` → a signed artifact URL on the
 *      usercontent origin whose fragment carries a one-time nonce, plus the context.
 *   2. An iframe with `sandbox="allow-scripts allow-forms allow-popups allow-modals"` (never
 *      `allow-same-origin`: the page must not share the app's origin) loads that URL.
 *   3. The page posts `{type:"kapso:hello", nonce}`. It is accepted once, only when it comes from
 *      this iframe's window and carries this frame's nonce; the host then transfers one end of a
 *      MessageChannel with `{type:"kapso:welcome", nonce, context}`. No context leaves the host
 *      before that.
 *   4. Over the port: `invoke` is relayed to `POST …/pages/{page}/invoke` with the viewer's own
 *      session (the project and page are the ones this host framed, never taken from the
 *      message); `resize`, `console` and `error` go to the caller's callbacks.
 *   5. The context carries the viewer's theme (`system.theme`, from `prefers-color-scheme`); when
 *      the viewer switches it, and on `setContext`, the page gets `{type:"context", context}`.
 *   6. The page says whether it listens for context events (`{type:"kapso:listening", event:
 *      "context", listening}`). `setConversation` asks the server for the other conversation's
 *      context (a new frame grant) and sends it to a page that listens; a page that does not,
 *      or whose artifact changed meanwhile, is reloaded with the new grant in the same iframe
 *      element, so the frame keeps its place and size.
 *   7. A warm frame is a shell (a page's artifact without its page, which the studio's
 *      preview compiles answer beside the artifact) loaded ahead of time; `runPage` sends it
 *      the next build's script and CSS and resolves once the page says it started.
 *
 * Messages from any other window, with a wrong nonce, malformed, or over 256 KiB are dropped.
 * Dependency-free on purpose: it runs in the app origin next to the viewer's session.
 */

export type PageMode = "regular" | "preview" | "embedded" | "public";
export type ConsoleLevel = "log" | "info" | "warn" | "error" | "debug";

/** The body of `POST …/frame`. */
export interface FrameGrant {
  url: string;
  nonce: string;
  expires_at: string;
  context: unknown;
}

export interface MountOptions {
  /** Project id or slug, as in the API path. */
  project: string;
  /** Page id or slug, as in the API path. */
  page: string;
  mode?: PageMode;
  /** The inbox conversation the page is shown beside, if any (goes into the context). */
  conversationId?: string;
  /**
   * The headers that carry the viewer's credentials on each API call: a session's
   * `X-CSRF-Token` (the cookie goes by itself), or an embedded inbox's `Authorization`.
   */
  credentials: () => Record<string, string>;
  /** The iframe's accessible name. */
  title?: string;
  /**
   * A frame already granted (the studio's preview gets one with each compile); without it
   * the host asks `POST …/frame` for one.
   */
  frame?: FrameGrant;
  /**
   * Where the host asks for the frame and sends the page's calls: by default the page routes
   * of `project` and `page`; a public link's page uses `/api/v1/public/frame` and `…/invoke`.
   */
  endpoints?: { frame: string; invoke: string };
  /** The theme the page is told; without it, the viewer's system theme. */
  theme?: () => "light" | "dark";
  /** Set the iframe's height from the page's `resize` messages (default true). */
  autoResize?: boolean;
  onReady?: () => void;
  onResize?: (height: number) => void;
  onConsole?: (level: ConsoleLevel, args: string[]) => void;
  onError?: (message: string, stack: string) => void;
}

export interface MountedPage {
  readonly iframe: HTMLIFrameElement | null;
  /** Resolves after the handshake; rejects when the frame cannot be had or the page never answers. */
  readonly ready: Promise<void>;
  /** Sends a new context to the page (kept for the handshake if it has not happened yet). */
  setContext(context: unknown): void;
  /** The context the page has (or will get at the handshake). */
  readonly context: unknown;
  /** Whether the page has a `kapso.on("context")` listener (it said so over the bridge). */
  readonly listening: boolean;
  /**
   * Shows the page beside another conversation (none: `undefined`). The server grants the
   * context; a page that listens gets it as a context event and keeps running, any other is
   * reloaded in the same iframe. Rejects when the server refuses the frame; a later call
   * supersedes one still under way.
   */
  setConversation(conversationId: string | undefined): Promise<ConversationChange>;
  /**
   * Runs a page in this frame, which must be a shell: resolves once the page ran and painted
   * (or threw); rejects when the frame never started or the page never answered.
   */
  runPage(page: WarmPage): Promise<void>;
  destroy(): void;
}

/** What a shell needs to run a page: its module script and CSS. */
export interface WarmPage {
  script: string;
  css: string;
}

/**
 * How `setConversation` reached the page: `sent` as a context event; `reloaded` in a fresh
 * document; `pending` with the handshake that has not happened yet; `superseded` not at all,
 * a later call took over.
 */
export type ConversationChange = "sent" | "reloaded" | "pending" | "superseded";

/** A failed API call, with the HTTP status and the API's error code and message. */
export class HostError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "HostError";
    this.status = status;
    this.code = code;
  }
}

/** The sandbox of every page frame. `allow-same-origin` must never be added. */
export const SANDBOX = "allow-scripts allow-forms allow-popups allow-modals";
/** Messages larger than this (as JSON) are dropped. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
const HANDSHAKE_TIMEOUT_MS = 15_000;
const MAX_IN_FLIGHT = 32;
const MAX_HEIGHT = 100_000;
const LEVELS: readonly string[] = ["log", "info", "warn", "error", "debug"];

/** The JSON size of `value` in bytes, or Infinity when it cannot be measured. */
function jsonBytes(value: unknown): number {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return Infinity;
  }
  if (json === undefined) return 0;
  // Each UTF-16 unit is at most 3 UTF-8 bytes: only encode when the bound is not enough.
  if (json.length * 3 <= MAX_MESSAGE_BYTES) return json.length;
  return new TextEncoder().encode(json).length;
}

/** `url` without its fragment (the nonce). */
function withoutFragment(url: string): string {
  const hash = url.indexOf("#");
  return hash < 0 ? url : url.slice(0, hash);
}

/** `url` without its query and fragment: the artifact it names, whoever signed it when. */
function withoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  return end < 0 ? url : url.slice(0, end);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `{id}` or `{slug}` with a non-empty string, and nothing else; otherwise null. */
function functionRef(value: unknown): { id: string } | { slug: string } | null {
  if (!isRecord(value)) return null;
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  if (typeof value.id === "string" && value.id !== "") return { id: value.id };
  if (typeof value.slug === "string" && value.slug !== "") return { slug: value.slug };
  return null;
}

async function readError(response: Response): Promise<HostError> {
  let code = "http_" + response.status;
  let message = `the server answered ${response.status} ${response.statusText}`.trim();
  try {
    const body: unknown = await response.json();
    if (isRecord(body) && isRecord(body.error)) {
      if (typeof body.error.code === "string") code = body.error.code;
      if (typeof body.error.message === "string") message = body.error.message;
    }
  } catch {
    // not JSON: keep the status line
  }
  return new HostError(response.status, code, message);
}

function apiHeaders(credentials: Record<string, string>): Record<string, string> {
  return { "content-type": "application/json", accept: "application/json", ...credentials };
}

/** The page routes' frame endpoint of `page` of `project`. */
function framePath(project: string, page: string): string {
  return `/api/v1/projects/${encodeURIComponent(project)}/pages/${encodeURIComponent(page)}/frame`;
}

/** Asks the server (at `path`) for a frame: the signed artifact URL, the nonce and the context. */
export async function requestFrame(
  path: string,
  mode: PageMode,
  credentials: Record<string, string>,
  signal?: AbortSignal,
  conversationId?: string,
): Promise<FrameGrant> {
  const body: Record<string, string> = { mode };
  if (conversationId !== undefined) body.conversation_id = conversationId;
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: apiHeaders(credentials),
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) throw await readError(response);
  const grant: unknown = await response.json();
  if (!isRecord(grant) || typeof grant.url !== "string" || typeof grant.nonce !== "string") {
    throw new HostError(
      response.status,
      "bad_frame",
      "the server's frame answer has no url or nonce",
    );
  }
  return grant as unknown as FrameGrant;
}

/** The viewer's colour scheme, which only the browser knows; null where it cannot tell. */
function colourScheme(): MediaQueryList | null {
  return typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
}

/** `context` with the theme in `system.theme`: `chosen`'s, else the viewer's system theme. */
function withTheme(context: unknown, chosen?: () => "light" | "dark"): unknown {
  if (!isRecord(context) || !isRecord(context.system)) return context;
  const theme = chosen ? chosen() : colourScheme()?.matches ? "dark" : "light";
  return { ...context, system: { ...context.system, theme } };
}

/**
 * Frames `options.page` inside `container` and runs the host end of the bridge for it.
 * Call `destroy()` when the view goes away.
 */
export function mountPage(container: HTMLElement, options: MountOptions): MountedPage {
  const mode = options.mode ?? "regular";
  const aborter = new AbortController();
  let iframe: HTMLIFrameElement | null = null;
  let nonce: string | null = null;
  let context: unknown = null;
  let port: MessagePort | null = null;
  let listening = false;
  let destroyed = false;
  let conversationId = options.conversationId;
  // Each setConversation call takes the next number; an answer for an older one is dropped.
  let switches = 0;
  let switchAborter: AbortController | null = null;
  let inFlight = 0;
  let handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  // The handshake of the document being loaded (the first, or a reload's).
  let loaded: { resolve: () => void; reject: (e: Error) => void } | null = null;
  // The path the host framed; invocations use it and nothing from the page's messages.
  let invokePath = "";
  // The page run in this shell, once `runPage` sent it: resolved when it says it started.
  let pageStarted: (() => void) | null = null;

  let settle: { resolve: () => void; reject: (e: Error) => void } | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  ready.catch(() => {});
  const fail = (error: Error): void => {
    settle?.reject(error);
    settle = null;
  };

  const reply = (message: unknown): void => {
    if (port && !destroyed) port.postMessage(message);
  };

  const invoke = async (
    id: number,
    fn: { id: string } | { slug: string },
    payload: unknown,
  ): Promise<void> => {
    if (inFlight >= MAX_IN_FLIGHT) {
      reply({
        type: "result",
        id,
        ok: false,
        error: {
          message: `more than ${MAX_IN_FLIGHT} calls are in flight; wait for some to finish`,
        },
      });
      return;
    }
    inFlight += 1;
    try {
      const response = await fetch(invokePath, {
        method: "POST",
        credentials: "same-origin",
        headers: apiHeaders(options.credentials()),
        body: JSON.stringify({ function: fn, payload: payload ?? null, mode }),
        signal: aborter.signal,
      });
      if (!response.ok) {
        const error = await readError(response);
        reply({ type: "result", id, ok: false, error: { message: error.message } });
        return;
      }
      const text = await response.text();
      let value: unknown = text;
      if ((response.headers.get("content-type") ?? "").includes("json")) {
        try {
          value = text === "" ? null : JSON.parse(text);
        } catch {
          value = text;
        }
      }
      reply({ type: "result", id, ok: true, value });
    } catch (error) {
      if (destroyed) return;
      const message = error instanceof Error ? error.message : String(error);
      reply({
        type: "result",
        id,
        ok: false,
        error: { message: `the call did not reach Quire: ${message}` },
      });
    } finally {
      inFlight -= 1;
    }
  };

  const onPortMessage = (event: MessageEvent): void => {
    const data: unknown = event.data;
    if (destroyed || !isRecord(data) || jsonBytes(data) > MAX_MESSAGE_BYTES) return;
    switch (data.type) {
      case "invoke": {
        const fn = functionRef(data.function);
        if (typeof data.id !== "number" || !Number.isSafeInteger(data.id)) return;
        if (!fn) {
          reply({
            type: "result",
            id: data.id,
            ok: false,
            error: { message: "invokeFunction needs { id } or { slug }" },
          });
          return;
        }
        void invoke(data.id, fn, data.payload);
        return;
      }
      case "resize": {
        if (typeof data.height !== "number" || !Number.isFinite(data.height) || data.height < 0)
          return;
        const height = Math.min(Math.ceil(data.height), MAX_HEIGHT);
        if (options.autoResize !== false && iframe) iframe.style.height = `${height}px`;
        options.onResize?.(height);
        return;
      }
      case "console": {
        if (typeof data.level !== "string" || !LEVELS.includes(data.level)) return;
        if (!Array.isArray(data.args) || !data.args.every((a) => typeof a === "string")) return;
        options.onConsole?.(data.level as ConsoleLevel, data.args as string[]);
        return;
      }
      case "error": {
        if (typeof data.message !== "string") return;
        options.onError?.(data.message, typeof data.stack === "string" ? data.stack : "");
        return;
      }
      case "kapso:started": {
        pageStarted?.();
        pageStarted = null;
        return;
      }
      case "kapso:listening": {
        if (data.event === "context" && typeof data.listening === "boolean")
          listening = data.listening;
        return;
      }
      default:
        return;
    }
  };

  const onWindowMessage = (event: MessageEvent): void => {
    if (destroyed || port || !iframe || nonce === null) return;
    // Only this iframe's own window, and only the nonce this host was given for it.
    if (event.source === null || event.source !== iframe.contentWindow) return;
    const data: unknown = event.data;
    if (!isRecord(data) || data.type !== "kapso:hello" || typeof data.nonce !== "string") return;
    if (jsonBytes(data) > MAX_MESSAGE_BYTES || data.nonce !== nonce) return;
    const channel = new MessageChannel();
    port = channel.port1;
    port.onmessage = onPortMessage;
    port.start();
    clearTimeout(handshakeTimer);
    // One welcome per nonce: a reload needs a fresh grant.
    const welcomed = nonce;
    nonce = null;
    // The frame's origin is "null" (sandboxed), so "*" is the only target that reaches it; the
    // source check above is what pins the receiver.
    iframe.contentWindow?.postMessage(
      { type: "kapso:welcome", nonce: welcomed, context: withTheme(context, options.theme) },
      "*",
      [channel.port2],
    );
    settle?.resolve();
    settle = null;
    loaded?.resolve();
    loaded = null;
    options.onReady?.();
  };

  window.addEventListener("message", onWindowMessage);
  // The viewer switched between light and dark: the page gets the new theme as a context event.
  const scheme = colourScheme();
  const onSchemeChange = (): void => {
    if (port && !destroyed) port.postMessage({ type: "context", context: withTheme(context, options.theme) });
  };
  scheme?.addEventListener("change", onSchemeChange);

  const start = async (): Promise<void> => {
    const grant =
      options.frame ??
      (await requestFrame(
        options.endpoints?.frame ?? framePath(options.project, options.page),
        mode,
        options.credentials(),
        aborter.signal,
        options.conversationId,
      ));
    if (destroyed) return;
    nonce = grant.nonce;
    context = grant.context;
    const system =
      isRecord(grant.context) && isRecord(grant.context.system) ? grant.context.system : {};
    const projectId = typeof system.projectId === "string" ? system.projectId : options.project;
    const pageId = typeof system.pageId === "string" ? system.pageId : options.page;
    invokePath =
      options.endpoints?.invoke ??
      `/api/v1/projects/${encodeURIComponent(projectId)}/pages/${encodeURIComponent(pageId)}/invoke`;

    const frame = document.createElement("iframe");
    frame.setAttribute("sandbox", SANDBOX);
    frame.setAttribute("title", options.title ?? "Project page");
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.className = "quire-page-frame";
    frame.src = grant.url;
    iframe = frame;
    container.appendChild(frame);
    // A failed handshake rejects `ready` (below); nothing else waits for this one.
    awaitHandshake().catch(() => {});
  };

  /** Resolves when the document now loading answers the handshake; rejects after the timeout. */
  const awaitHandshake = (): Promise<void> => {
    loaded?.reject(new Error("the page was reloaded before it started"));
    clearTimeout(handshakeTimer);
    const handshake = new Promise<void>((resolve, reject) => {
      loaded = { resolve, reject };
    });
    handshakeTimer = setTimeout(() => {
      const error = new Error(
        "the page did not start: its frame never answered the bridge handshake; reload to try again",
      );
      loaded?.reject(error);
      loaded = null;
      fail(error);
    }, HANDSHAKE_TIMEOUT_MS);
    return handshake;
  };

  // Settles once the first frame is granted and its iframe made (not when the page answers).
  const started = start();
  started.catch((error: unknown) => {
    if (destroyed) return;
    fail(error instanceof Error ? error : new Error(String(error)));
  });

  /** Loads `grant` into the same iframe element: a new document, a new nonce, a new port. */
  const reload = (grant: FrameGrant): Promise<void> => {
    const frame = iframe;
    if (!frame) return Promise.reject(new Error("the page is not shown"));
    port?.close();
    port = null;
    listening = false;
    nonce = grant.nonce;
    context = grant.context;
    const handshake = awaitHandshake();
    if (withoutFragment(frame.src) === withoutFragment(grant.url)) {
      // Only the nonce differs (two grants in the same second): the browser would treat the
      // change as a jump within the document, so the frame passes through a blank one first.
      const navigate = (): void => {
        if (!destroyed && iframe === frame && nonce === grant.nonce) frame.src = grant.url;
      };
      frame.addEventListener("load", navigate, { once: true });
      frame.src = "about:blank";
    } else {
      frame.src = grant.url;
    }
    return handshake;
  };

  const setConversation = async (next: string | undefined): Promise<ConversationChange> => {
    const mine = ++switches;
    switchAborter?.abort();
    const aborted = new AbortController();
    switchAborter = aborted;
    aborter.signal.addEventListener("abort", () => aborted.abort(), { once: true });
    conversationId = next;
    // The first frame's own request may still be under way: this one must land after it.
    await started.catch(() => {});
    if (destroyed || mine !== switches) return "superseded";
    if (!iframe) throw new Error("the page is not shown");
    let grant: FrameGrant;
    try {
      grant = await requestFrame(
        options.endpoints?.frame ?? framePath(options.project, options.page),
        mode,
        options.credentials(),
        aborted.signal,
        conversationId,
      );
    } catch (error) {
      if (destroyed || mine !== switches) return "superseded";
      throw error;
    }
    if (destroyed || mine !== switches) return "superseded";
    if (!port) {
      // The page has not started: its handshake carries the new context.
      context = grant.context;
      return "pending";
    }
    const sameArtifact = iframe !== null && withoutQuery(iframe.src) === withoutQuery(grant.url);
    if (listening && sameArtifact) {
      context = grant.context;
      port.postMessage({ type: "context", context: withTheme(context, options.theme) });
      return "sent";
    }
    try {
      await reload(grant);
    } catch (error) {
      if (destroyed || mine !== switches) return "superseded";
      throw error;
    }
    return mine === switches ? "reloaded" : "superseded";
  };

  return {
    get iframe() {
      return iframe;
    },
    ready,
    get context() {
      return context;
    },
    get listening() {
      return listening;
    },
    setConversation,
    async runPage(page: WarmPage): Promise<void> {
      await ready;
      if (destroyed || !port) throw new Error("the page was closed");
      const shown = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          pageStarted = null;
          reject(new Error("the page did not start in its warm frame"));
        }, HANDSHAKE_TIMEOUT_MS);
        pageStarted = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      port.postMessage({ type: "page", script: page.script, css: page.css });
      return shown;
    },
    setContext(next: unknown): void {
      context = next;
      if (port && !destroyed) port.postMessage({ type: "context", context: withTheme(next, options.theme) });
    },
    destroy(): void {
      if (destroyed) return;
      destroyed = true;
      clearTimeout(handshakeTimer);
      loaded?.reject(new Error("the page was closed"));
      loaded = null;
      aborter.abort();
      window.removeEventListener("message", onWindowMessage);
      scheme?.removeEventListener("change", onSchemeChange);
      port?.close();
      port = null;
      iframe?.remove();
      iframe = null;
      fail(new Error("the page was closed"));
    },
  };
}
