/**
 * A project page in its sandboxed frame, bridged by bridge/host.ts: full-screen in the
 * dashboard view, beside the editor in the studio's preview (with a frame the preview's
 * compile granted, a chosen theme and a test context), and in the inbox's Page tab beside a
 * conversation (switching conversations keeps the frame: see `setConversation`).
 */
import { useEffect, useLayoutEffect, useRef } from "react";
import {
  mountPage,
  type ConsoleLevel,
  type FrameGrant,
  type MountedPage,
  type PageMode,
  type WarmPage,
} from "../../bridge/host";
import { credentialHeaders } from "../api/client";

export interface PageFrameProps {
  project: string;
  page: string;
  mode: PageMode;
  title: string;
  /** A frame already granted; without it one is asked for. */
  frame?: FrameGrant;
  theme?: "light" | "dark";
  /** Merged over the context the server grants (the studio's test conversation, vars, metadata). */
  context?: (granted: unknown) => unknown;
  /** The inbox conversation the page is shown beside; a change keeps the frame alive. */
  conversationId?: string;
  /** Where the frame is asked for and calls go, when not the page's own routes (a public link). */
  endpoints?: { frame: string; invoke: string };
  autoResize?: boolean;
  className?: string;
  /**
   * A page to run in this frame, which must be a shell (a warm frame: see bridge/host.ts)
   * already mounted without one: it is sent when this prop changes, not at mount.
   */
  warmPage?: WarmPage;
  onReady?: () => void;
  /** `warmPage` ran and painted. */
  onStarted?: () => void;
  onFailed?: (error: Error) => void;
  onConsole?: (level: ConsoleLevel, args: string[]) => void;
  onPageError?: (message: string, stack: string) => void;
}

export function PageFrame({
  project,
  page,
  mode,
  title,
  frame,
  theme,
  context,
  conversationId,
  endpoints,
  autoResize,
  className,
  warmPage,
  onReady,
  onStarted,
  onFailed,
  onConsole,
  onPageError,
}: PageFrameProps) {
  const container = useRef<HTMLDivElement>(null);
  const mounted = useRef<MountedPage | null>(null);
  const granted = useRef<unknown>(null);
  // The conversation the mounted frame was last asked to show.
  const shownConversation = useRef(conversationId);
  // Callbacks and settings change on every render; the frame must not be rebuilt for that.
  const latest = useRef({ onReady, onStarted, onFailed, onConsole, onPageError, theme, context, conversationId });
  latest.current = { onReady, onStarted, onFailed, onConsole, onPageError, theme, context, conversationId };

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    granted.current = frame?.context ?? null;
    const shown = frame && context ? { ...frame, context: context(frame.context) } : frame;
    const page_ = mountPage(element, {
      project,
      page,
      mode,
      title,
      frame: shown,
      conversationId: latest.current.conversationId,
      endpoints,
      autoResize,
      credentials: credentialHeaders,
      theme: theme ? () => latest.current.theme ?? "light" : undefined,
      onReady: () => latest.current.onReady?.(),
      onConsole: (level, args) => latest.current.onConsole?.(level, args),
      onError: (message, stack) => latest.current.onPageError?.(message, stack),
    });
    mounted.current = page_;
    shownConversation.current = latest.current.conversationId;
    let live = true;
    page_.ready.catch((error: unknown) => {
      if (live)
        latest.current.onFailed?.(error instanceof Error ? error : new Error(String(error)));
    });
    return () => {
      live = false;
      mounted.current = null;
      page_.destroy();
    };
    // `theme`, `context`, `conversationId` and `title` reach the live page below, not by
    // rebuilding the frame (a warm frame would lose the page it runs).
  }, [project, page, mode, autoResize, frame]);

  useEffect(() => {
    mounted.current?.iframe?.setAttribute("title", title);
  }, [title]);

  // A warm frame's page: sent as soon as the render that brings it commits (a layout effect,
  // not after the paint), shown once it started.
  useLayoutEffect(() => {
    const page_ = mounted.current;
    if (!page_ || !warmPage) return;
    page_.runPage(warmPage).then(
      () => {
        if (mounted.current === page_) latest.current.onStarted?.();
      },
      (error: unknown) => {
        if (mounted.current === page_)
          latest.current.onFailed?.(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }, [warmPage]);

  // Another conversation: the page gets its context as an event, or is reloaded in place.
  useEffect(() => {
    const page_ = mounted.current;
    if (!page_ || shownConversation.current === conversationId) return;
    shownConversation.current = conversationId;
    page_.setConversation(conversationId).catch((error: unknown) => {
      if (mounted.current === page_)
        latest.current.onFailed?.(error instanceof Error ? error : new Error(String(error)));
    });
  }, [conversationId]);

  // A new theme or test context reaches the running page as a context event.
  const sentTheme = useRef(theme);
  useEffect(() => {
    const page_ = mounted.current;
    if (!page_) return;
    if (frame) {
      page_.setContext(context ? context(granted.current) : granted.current);
    } else if (sentTheme.current !== theme) {
      // A frame the host asked for itself: its context is the server's, with the new theme.
      page_.setContext(page_.context);
    }
    sentTheme.current = theme;
  }, [theme, context, frame]);

  return <div ref={container} className={className ?? "page-frame"} />;
}
