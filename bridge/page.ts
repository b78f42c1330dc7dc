/// <reference path="./kapso.d.ts" />
/**
 * The in-page `kapso` bridge. quire-compiler compiles this file to a script that runs first in
 * every page artifact, before React and the page.
 *
 * Protocol (the host side, bridge/host.ts, implements the other end):
 *
 * 1. Handshake, over `window.postMessage` (the sandboxed frame's origin is "null", so the frame
 *    posts with targetOrigin "*"; the host checks `event.source === iframe.contentWindow` and the
 *    nonce instead):
 *      frame → parent  {type:"kapso:hello", nonce}        nonce read once from `location.hash`
 *                                                          (`#nonce=…`), then removed from it
 *      parent → frame  {type:"kapso:welcome", nonce, context}  with a MessagePort in ports[0]
 *    The frame accepts the welcome only from `parent` and with its own nonce.
 * 2. Everything after that goes over the port:
 *      frame → host  {type:"invoke", id:<n>, function:{id}|{slug}, payload}
 *      host → frame  {type:"result", id, ok:true, value} | {type:"result", id, ok:false, error:{message}}
 *      host → frame  {type:"context", context}             the conversation or the theme changed
 *      frame → host  {type:"resize", height}               content height in CSS pixels (may shrink)
 *      frame → host  {type:"console", level, args:[string]} level: log|info|warn|error|debug
 *      frame → host  {type:"error", message, stack}        uncaught error or unhandled rejection
 *      frame → host  {type:"kapso:listening", event:"context", listening}
 *                                                          the page registered its first context
 *                                                          listener (true) or removed its last
 *                                                          one (false); sent first after the
 *                                                          handshake when it listened before
 *    Console and error messages raised before the handshake are buffered (up to 100) and sent
 *    once the port arrives.
 * 3. A shell (an artifact without its page, `<html data-quire-shell>`: the studio's warm
 *    frames) takes one page over the port, after the handshake:
 *      host → frame  {type:"page", script, css}            the page's module script and CSS
 *      frame → host  {type:"kapso:started"}                 the page ran and painted (or threw)
 *    Any other document ignores `page`.
 */

// The public types (`Kapso`, `KapsoContext`, …) come from kapso.d.ts, the declarations pages
// get: the bridge is checked against them, so the two cannot drift apart.
type HostMessage =
  | { type: "result"; id: number; ok: true; value: unknown }
  | { type: "result"; id: number; ok: false; error: { message: string } }
  | { type: "context"; context: KapsoContext }
  | { type: "page"; script: string; css: string };

(() => {
  const READY_TIMEOUT_MS = 10_000;
  const INVOKE_TIMEOUT_MS = 30_000;
  const MAX_BUFFERED = 100;

  const nonce = new URLSearchParams(location.hash.slice(1)).get("nonce");
  if (nonce !== null) {
    // The nonce is single-use; keep it out of the page's own view of its URL.
    try {
      history.replaceState(null, "", location.pathname + location.search);
    } catch {
      // a sandboxed or file:// document may refuse; the nonce is spent anyway
    }
  }

  let port: MessagePort | null = null;
  let context: KapsoContext | null = null;
  // A shell waits for its one page; every other document has its page already.
  let awaitingPage = document.documentElement.hasAttribute("data-quire-shell");
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: number }
  >();
  const contextListeners = new Set<(c: KapsoContext) => void>();
  const buffered: unknown[] = [];
  // Whether the host was last told that the page listens for context events. A host whose page
  // does not listen reloads the page to change its conversation instead.
  let announcedListening = false;
  const announceListening = (): void => {
    const listening = contextListeners.size > 0;
    if (!port || listening === announcedListening) return;
    announcedListening = listening;
    port.postMessage({ type: "kapso:listening", event: "context", listening });
  };
  // A listener swapped for another in one go (a React effect re-run) is no change to announce.
  let announceQueued = false;
  const queueAnnouncement = (): void => {
    if (announceQueued) return;
    announceQueued = true;
    queueMicrotask(() => {
      announceQueued = false;
      announceListening();
    });
  };

  let markReady: () => void = () => {};
  let markFailed: (e: Error) => void = () => {};
  const readyPromise = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  // Nobody may await ready(); an unobserved rejection must not reach the console forwarder.
  readyPromise.catch(() => {});
  const readyTimer = setTimeout(() => {
    markFailed(
      new Error(
        "kapso.ready() timed out: this page is not running inside Quire (no host answered the handshake)",
      ),
    );
  }, READY_TIMEOUT_MS);

  const send = (message: unknown): void => {
    if (port) {
      port.postMessage(message);
    } else if (buffered.length < MAX_BUFFERED) {
      buffered.push(message);
    }
  };

  const copy = <T>(value: T): T =>
    typeof structuredClone === "function"
      ? structuredClone(value)
      : (JSON.parse(JSON.stringify(value)) as T);

  const onPortMessage = (event: MessageEvent): void => {
    const message = event.data as HostMessage | null;
    if (!message || typeof message !== "object") return;
    if (message.type === "result") {
      const call = pending.get(message.id);
      if (!call) return;
      pending.delete(message.id);
      clearTimeout(call.timer);
      if (message.ok) call.resolve(message.value);
      else call.reject(new Error(String(message.error?.message ?? "the function failed")));
    } else if (message.type === "page") {
      if (!awaitingPage || typeof message.script !== "string" || typeof message.css !== "string")
        return;
      awaitingPage = false;
      runPage(message.script, message.css);
    } else if (message.type === "context") {
      context = message.context;
      for (const listener of contextListeners) {
        try {
          listener(copy(message.context));
        } catch (error) {
          reportError(error);
        }
      }
    }
  };

  /**
   * Runs a shell's page as the artifact would have: its CSS, then its module script. Says
   * `kapso:started` once the script ran and the first render it caused is in the document (a
   * change under `<body>`, or a quiet 100 ms after the script), so the host swaps in a painted
   * page; a script that throws says so too, as a whole artifact would show its blank page.
   */
  const runPage = (script: string, css: string): void => {
    let told = false;
    const started = (): void => {
      if (told) return;
      told = true;
      observer?.disconnect();
      send({ type: "kapso:started" });
    };
    const observer =
      typeof MutationObserver === "function" ? new MutationObserver(() => started()) : null;
    const ran = (): void => {
      observer?.observe(document.body, { childList: true, subtree: true, characterData: true });
      setTimeout(started, 100);
    };
    (window as unknown as { __quireRan?: () => void }).__quireRan = ran;
    window.addEventListener("error", ran, { once: true });
    if (css !== "") {
      const style = document.createElement("style");
      style.textContent = css;
      document.head.appendChild(style);
    }
    const element = document.createElement("script");
    element.type = "module";
    // The line after the page's last runs once its module has (top-level awaits included).
    element.textContent = `${script}\n;globalThis.__quireRan?.();\n`;
    document.body.appendChild(element);
  };

  window.addEventListener("message", (event: MessageEvent) => {
    const data = event.data as { type?: unknown; nonce?: unknown; context?: unknown } | null;
    if (port || event.source !== parent || parent === window) return;
    if (!data || data.type !== "kapso:welcome" || nonce === null || data.nonce !== nonce) return;
    const received = event.ports[0];
    if (!received) return;
    port = received;
    context = (data.context ?? null) as KapsoContext | null;
    port.onmessage = onPortMessage;
    port.start();
    clearTimeout(readyTimer);
    announceListening();
    for (const message of buffered.splice(0)) port.postMessage(message);
    startResize();
    markReady();
  });

  if (parent !== window && nonce !== null) {
    parent.postMessage({ type: "kapso:hello", nonce }, "*");
  }

  /**
   * Auto-resize: the content's height, sent whenever it changes. Content shorter than the frame
   * is measured by the document element's own box (its scrollHeight never reports less than the
   * frame, so the frame could grow but never shrink back); content taller than the frame by its
   * scrollHeight. A page whose height follows the frame's (`min-height: 100vh` plus a margin)
   * would grow the frame without end: a growth that only mirrors the frame's own growth is not
   * reported, and the page's console says so once.
   */
  const startResize = (): void => {
    if (typeof ResizeObserver !== "function") return;
    const root = document.documentElement;
    // The height the host was last told, or the one held back as mirroring the frame.
    let settled = -1;
    let measured = -1;
    let frameHeight = -1;
    let warned = false;
    const report = (): void => {
      const frame = root.clientHeight;
      const height =
        root.scrollHeight > frame
          ? root.scrollHeight
          : Math.ceil(root.getBoundingClientRect().height);
      const followsFrame =
        measured >= 0 &&
        frame > frameHeight &&
        height > frame &&
        Math.abs(height - measured - (frame - frameHeight)) <= 1;
      measured = height;
      frameHeight = frame;
      if (height === settled) return;
      settled = height;
      if (!followsFrame) {
        send({ type: "resize", height });
      } else if (!warned) {
        warned = true;
        console.warn(
          "kapso: auto-resize stopped following this page's height, which grows with its frame (a height of 100vh plus a margin or padding?); the page scrolls inside its frame instead",
        );
      }
    };
    // The frame's own size changes first (the resize event runs before the observers), so a
    // growth that mirrors it is recognised as such.
    window.addEventListener("resize", report);
    const boxes = new ResizeObserver(report);
    boxes.observe(root);
    if (document.body) boxes.observe(document.body);
    // Content that overflows a document sized to its frame (`html, body { height: 100% }`)
    // changes no box above; a DOM change measures again at the next frame.
    if (typeof MutationObserver === "function" && typeof requestAnimationFrame === "function") {
      let queued = false;
      new MutationObserver(() => {
        if (queued) return;
        queued = true;
        requestAnimationFrame(() => {
          queued = false;
          report();
        });
      }).observe(root, { childList: true, subtree: true, attributes: true, characterData: true });
    }
    report();
  };

  const show = (value: unknown): string => {
    if (typeof value === "string") return value;
    if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
    try {
      const json = JSON.stringify(value);
      return json === undefined ? String(value) : json;
    } catch {
      return String(value);
    }
  };

  const reportError = (error: unknown): void => {
    // A thrown non-Error has no stack of its own (one made here would point at the runtime).
    const message = error instanceof Error ? error.message : show(error);
    const stack = error instanceof Error ? (error.stack ?? "") : "";
    send({ type: "error", message, stack });
  };

  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      original(...args);
      send({ type: "console", level, args: args.map(show) });
    };
  }
  window.addEventListener("error", (event: ErrorEvent) => {
    reportError(event.error ?? event.message);
  });
  window.addEventListener("unhandledrejection", (event: PromiseRejectionEvent) => {
    reportError(event.reason);
  });

  const kapso: Kapso = {
    ready(): Promise<void> {
      return readyPromise;
    },

    invokeFunction<T = unknown>(
      request: KapsoInvokeRequest,
      options: KapsoInvokeOptions = {},
    ): Promise<T> {
      if (!request || typeof request !== "object") {
        return Promise.reject(
          new Error('kapso.invokeFunction expects { slug: "…", payload } or { id: "…", payload }'),
        );
      }
      const fn =
        typeof request.id === "string"
          ? { id: request.id }
          : typeof request.slug === "string"
            ? { slug: request.slug }
            : null;
      if (!fn) {
        return Promise.reject(
          new Error(
            'kapso.invokeFunction needs the function\'s id or slug, e.g. { slug: "my-function" }',
          ),
        );
      }
      const timeoutMs = options.timeoutMs ?? INVOKE_TIMEOUT_MS;
      // `T` is the caller's word for the result's shape: the bridge hands on what came back.
      return readyPromise.then(
        () =>
          new Promise<unknown>((resolve, reject) => {
            const id = nextId++;
            const timer = setTimeout(() => {
              pending.delete(id);
              reject(
                new Error(
                  `kapso.invokeFunction(${JSON.stringify(fn)}) timed out after ${timeoutMs} ms`,
                ),
              );
            }, timeoutMs) as unknown as number;
            pending.set(id, { resolve, reject, timer });
            send({ type: "invoke", id, function: fn, payload: request.payload ?? null });
          }),
      ) as Promise<T>;
    },

    getContext(): KapsoContext {
      if (!context) {
        throw new Error(
          "kapso.getContext() was called before the bridge was ready: await kapso.ready() first",
        );
      }
      return copy(context);
    },

    on(event: "context", listener: (context: KapsoContext) => void): () => void {
      if (event !== "context") throw new Error(`kapso.on: unknown event "${String(event)}"`);
      contextListeners.add(listener);
      queueAnnouncement();
      return () => {
        contextListeners.delete(listener);
        queueAnnouncement();
      };
    },
  };

  Object.defineProperty(window, "kapso", {
    value: Object.freeze(kapso),
    writable: false,
    enumerable: true,
    configurable: false,
  });
})();

// A module, so the types above stay private to this file.
export {};
