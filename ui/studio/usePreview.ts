/**
 * The live preview's compiles: the text is sent to `POST …/preview` once typing pauses
 * (debounced), a newer text cancels an older request, and the answer is either a frame for
 * the new artifact or the diagnostics that kept it from building. Nothing is saved.
 */
import { useEffect, useRef, useState } from "react";
import type { FrameGrant } from "../../bridge/host";
import { api, errorMessage, unwrap, type Build } from "../api/client";
import type { WarmBuild } from "./useFrameSwap";

export const DEBOUNCE_MS = 300;

export type PreviewState =
  | { status: "idle" }
  | { status: "compiling" }
  | { status: "built"; frame: FrameGrant; warm?: WarmBuild | null; build: Build; at: number; text: string }
  | { status: "failed"; build: Build; text: string }
  | { status: "error"; message: string };

/** Compiles `text` whenever it settles; `null` text (nothing loaded yet) does nothing. */
export function usePreview(project: string, page: string, text: string | null) {
  const [state, setState] = useState<PreviewState>({ status: "idle" });
  // The last frame that built, kept while newer texts fail to compile.
  const [lastGood, setLastGood] = useState<{ frame: FrameGrant; warm?: WarmBuild | null; at: number } | null>(
    null,
  );
  const sequence = useRef(0);

  useEffect(() => {
    if (text === null) return;
    const mine = ++sequence.current;
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      setState({ status: "compiling" });
      try {
        const answer = await unwrap(
          api.POST("/api/v1/projects/{p}/pages/{page}/preview", {
            params: { path: { p: project, page } },
            body: { source: text },
            signal: controller.signal,
          }),
        );
        if (mine !== sequence.current) return;
        if (answer.build.ok && answer.frame) {
          const at = performance.now();
          const frame = answer.frame as FrameGrant;
          const warm = answer.warm ? { ...answer.warm, frame: answer.warm.frame as FrameGrant } : null;
          setState({ status: "built", frame, warm, build: answer.build, at, text });
          setLastGood({ frame, warm, at });
        } else {
          setState({ status: "failed", build: answer.build, text });
        }
      } catch (error) {
        if (controller.signal.aborted || mine !== sequence.current) return;
        setState({ status: "error", message: errorMessage(error) });
      }
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [project, page, text]);

  return { state, lastGood };
}
