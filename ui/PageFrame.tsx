/**
 * A project page in its sandboxed frame, bridged by runtime/host.ts. The dashboard view uses it
 * full-screen; the editor's preview and the inbox can reuse it with another mode.
 */
import { useEffect, useRef } from "react";
import { mountPage, type ConsoleLevel, type PageMode } from "../runtime/host";
import { csrfToken } from "./api";

export interface PageFrameProps {
  project: string;
  page: string;
  mode: PageMode;
  title: string;
  autoResize?: boolean;
  className?: string;
  onFailed?: (error: Error) => void;
  onConsole?: (level: ConsoleLevel, args: string[]) => void;
  onPageError?: (message: string, stack: string) => void;
}

export function PageFrame({
  project,
  page,
  mode,
  title,
  autoResize,
  className,
  onFailed,
  onConsole,
  onPageError,
}: PageFrameProps) {
  const container = useRef<HTMLDivElement>(null);
  // Callbacks change on every render; the frame must not be rebuilt for that.
  const callbacks = useRef({ onFailed, onConsole, onPageError });
  callbacks.current = { onFailed, onConsole, onPageError };

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const mounted = mountPage(element, {
      project,
      page,
      mode,
      title,
      autoResize,
      csrfToken,
      onConsole: (level, args) => callbacks.current.onConsole?.(level, args),
      onError: (message, stack) => callbacks.current.onPageError?.(message, stack),
    });
    let live = true;
    mounted.ready.catch((error: unknown) => {
      if (live)
        callbacks.current.onFailed?.(error instanceof Error ? error : new Error(String(error)));
    });
    return () => {
      live = false;
      mounted.destroy();
    };
  }, [project, page, mode, title, autoResize]);

  return <div ref={container} className={className ?? "page-frame"} />;
}
