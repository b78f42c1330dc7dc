/**
 * The builds `quire dev` announces for a page (`page.previewed` on the live stream, owners
 * and admins only): each carries the artifact's signed URL without a nonce, so this host makes
 * its own, as the bridge needs a value only it and its frame know.
 */
import { useState } from "react";
import type { FrameGrant } from "../../bridge/host";
import { useProjectEvents } from "../api/events";
import type { WarmBuild } from "./useFrameSwap";

export interface Announced {
  frame: FrameGrant;
  /** The build's warm parts, when its event carried them. */
  warm: WarmBuild | null;
  /** `performance.now()` when it arrived. */
  at: number;
  /** The wall-clock time it arrived, for people. */
  time: string;
  /** Who ran `quire dev`. */
  by: string | null;
}

interface PreviewedData {
  page_id?: unknown;
  url?: unknown;
  expires_at?: unknown;
  context?: unknown;
  by?: { name?: unknown } | null;
  warm?: { shell?: unknown; url?: unknown; script?: unknown; css?: unknown } | null;
}

function freshNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The newest build announced for page `pageId` (its id) of `project` since mounting. */
export function useAnnouncedPreview(project: string, pageId: string, viewerUserId: string) {
  const [announced, setAnnounced] = useState<Announced | null>(null);
  useProjectEvents(project, (event) => {
    if (event.kind !== "page.previewed") return;
    const data = (event.data ?? {}) as PreviewedData;
    if (data.page_id !== pageId || typeof data.url !== "string") return;
    const context = structuredClone(data.context ?? {}) as { system?: Record<string, unknown> };
    // The context was made for whoever ran `quire dev`; this viewer is who looks.
    if (context.system) context.system.viewerUserId = viewerUserId;
    const expires = typeof data.expires_at === "string" ? data.expires_at : "";
    const grant = (url: string): FrameGrant => {
      const nonce = freshNonce();
      return { url: `${url}#nonce=${nonce}`, nonce, expires_at: expires, context };
    };
    const warm = data.warm;
    setAnnounced({
      frame: grant(data.url),
      warm:
        warm &&
        typeof warm.shell === "string" &&
        typeof warm.url === "string" &&
        typeof warm.script === "string" &&
        typeof warm.css === "string"
          ? { shell: warm.shell, frame: grant(warm.url), script: warm.script, css: warm.css }
          : null,
      at: performance.now(),
      time: new Date().toLocaleTimeString(),
      by: typeof data.by?.name === "string" ? data.by.name : null,
    });
  });
  return announced;
}
