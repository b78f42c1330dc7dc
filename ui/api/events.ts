/**
 * A project's live events (`GET /api/v1/projects/{p}/events`, server-sent events), over one
 * `EventSource` per project shared by every component of the tab that listens.
 *
 * The server sends each event with its id; every stream starts with `ready` (or `reset` when
 * the place we resumed from was pruned: then whatever the screen shows must be reloaded). On
 * any error the connection is closed and opened again after a growing, jittered pause, resuming
 * after the last id seen (`?after=`): an `EventSource` retries a network error on its own every
 * few seconds, with no backoff, but gives up for good on an HTTP error (a 429, a 503, a server
 * restarting behind a proxy), so both are handled here, the same way. Coming back online or to
 * the tab retries at once.
 */
import { useCallback, useEffect, useRef, useSyncExternalStore } from "react";
import { credentialHeaders, embedToken } from "./client";
import { HeaderEventSource } from "./headerEventSource";

export type LiveState = "connecting" | "live" | "offline";

export interface LiveEvent {
  /** The event's id in the project's stream. */
  id: number;
  /** `page.saved`, `page.published`, `function.called`, … or `reset`. */
  kind: string;
  data: unknown;
}

type Handler = (event: LiveEvent) => void;

/**
 * The kinds a stream delivers. An `EventSource` hands a named event only to listeners of its
 * name, so each kind a screen uses is listed here.
 */
const KINDS = [
  "reset",
  "page.saved",
  "page.published",
  "page.unpublished",
  "page.previewed",
  "function.called",
  "conversation.updated",
  "message.created",
  "message.updated",
] as const;

/** The first pause after a failure, and the longest. */
const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 30_000;
/** How long a stream stays open after its last listener left (a screen changing to another). */
const LINGER_MS = 5_000;

class ProjectStream {
  readonly handlers = new Set<Handler>();
  readonly watchers = new Set<() => void>();
  state: LiveState = "connecting";
  private users = 0;
  private source: EventSource | HeaderEventSource | null = null;
  private lastId: string | null = null;
  private failures = 0;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private linger: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly project: string,
    private readonly forget: () => void,
  ) {}

  acquire() {
    this.users += 1;
    if (this.linger) clearTimeout(this.linger);
    this.linger = null;
    if (!this.source && !this.retry) this.open();
  }

  release() {
    this.users -= 1;
    if (this.users > 0) return;
    this.linger = setTimeout(() => this.close(), LINGER_MS);
  }

  /** Opens again now if the stream is waiting to retry (the browser came back online). */
  retryNow() {
    if (!this.retry) return;
    clearTimeout(this.retry);
    this.retry = null;
    this.open();
  }

  private open() {
    const after = this.lastId === null ? "" : `?after=${encodeURIComponent(this.lastId)}`;
    const url = `/api/v1/projects/${encodeURIComponent(this.project)}/events${after}`;
    // An embedded inbox's credential is a header, which `EventSource` cannot send.
    const source = embedToken ? new HeaderEventSource(url, credentialHeaders()) : new EventSource(url);
    this.source = source;
    source.addEventListener("ready", (event) => {
      this.lastId = (event as MessageEvent).lastEventId;
      this.failures = 0;
      this.setState("live");
    });
    for (const kind of KINDS) {
      source.addEventListener(kind, (event) => this.deliver(kind, event as MessageEvent));
    }
    source.onerror = () => this.fail();
  }

  private deliver(kind: string, message: MessageEvent) {
    this.lastId = message.lastEventId;
    if (kind === "reset") {
      this.failures = 0;
      this.setState("live");
    }
    let data: unknown = null;
    try {
      data = JSON.parse(message.data as string);
    } catch {
      // An event whose data is not JSON still says that something changed.
    }
    const event = { id: Number(message.lastEventId), kind, data };
    for (const handler of this.handlers) handler(event);
  }

  private fail() {
    this.source?.close();
    this.source = null;
    // A first failure may be a blip (a deploy, a proxy's idle cut): the next try is quick.
    this.setState(this.failures === 0 ? "connecting" : "offline");
    const pause = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** this.failures);
    this.failures += 1;
    this.retry = setTimeout(
      () => {
        this.retry = null;
        this.open();
      },
      pause / 2 + (Math.random() * pause) / 2,
    );
  }

  private close() {
    this.source?.close();
    this.source = null;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.forget();
  }

  private setState(state: LiveState) {
    if (state === this.state) return;
    this.state = state;
    for (const watcher of this.watchers) watcher();
  }
}

const streams = new Map<string, ProjectStream>();

function acquire(project: string): ProjectStream {
  let stream = streams.get(project);
  if (!stream) {
    stream = new ProjectStream(project, () => streams.delete(project));
    streams.set(project, stream);
  }
  stream.acquire();
  return stream;
}

function retryAll() {
  for (const stream of streams.values()) stream.retryNow();
}

if (typeof window !== "undefined") {
  window.addEventListener("online", retryAll);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") retryAll();
  });
}

/**
 * Calls `onEvent` with each live event of `project` (id or slug) while mounted, `reset`
 * included (reload what the screen shows). The handler may change between renders.
 */
export function useProjectEvents(project: string | undefined, onEvent: Handler): void {
  const latest = useRef(onEvent);
  useEffect(() => {
    latest.current = onEvent;
  });
  useEffect(() => {
    if (!project) return;
    const stream = acquire(project);
    const handler: Handler = (event) => latest.current(event);
    stream.handlers.add(handler);
    return () => {
      stream.handlers.delete(handler);
      stream.release();
    };
  }, [project]);
}

/** The state of `project`'s live connection, for an indicator; holds the connection open. */
export function useLiveState(project: string | undefined): LiveState {
  const subscribe = useCallback(
    (changed: () => void) => {
      if (!project) return () => {};
      const stream = acquire(project);
      stream.watchers.add(changed);
      return () => {
        stream.watchers.delete(changed);
        stream.release();
      };
    },
    [project],
  );
  return useSyncExternalStore(subscribe, () =>
    project ? (streams.get(project)?.state ?? "connecting") : "offline",
  );
}
