/**
 * The studio's live preview: the page as the last compile built it, in its sandboxed frame
 * (mode `preview`). A text that does not compile keeps the last good render, marked as
 * outdated. The toolbar sets the width (full, or the inbox sidebar's 360 px), the page's theme
 * and the test context; the page's console sits underneath.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import type { PageDetail, Project } from "../api/client";
import { PageConsole } from "../page/PageConsole";
import { PageFrame } from "../page/PageFrame";
import { useConsoleOpen } from "../page/useConsoleOpen";
import type { PageConsole as PageConsoleState } from "../page/usePageConsole";
import { useTheme } from "../theme";
import { ContextPanel, mergeContext, usePreviewContext } from "./ContextPanel";
import { useFrameSwap } from "./useFrameSwap";
import type { usePreview } from "./usePreview";

type Width = "full" | "sidebar";

export function PreviewPane({
  project,
  page,
  preview,
  pageConsole,
  fromDev = null,
}: {
  project: Project;
  page: PageDetail;
  preview: Pick<ReturnType<typeof usePreview>, "state" | "lastGood">;
  /** The page's console: the studio reads its errors for the page agent's check. */
  pageConsole: PageConsoleState;
  /** Set when the preview shows a build `quire dev` announced: who ran it ("" unknown). */
  fromDev?: string | null;
}) {
  const appTheme = useTheme().theme;
  const [theme, setTheme] = useState<"light" | "dark">(appTheme);
  const [width, setWidth] = useState<Width>(page.inbox_mount ? "sidebar" : "full");
  const [showContext, setShowContext] = useState(false);
  const [consoleOpen, setConsoleOpen] = useConsoleOpen("quire.previewConsole", true);
  const testContext = usePreviewContext(project.slug, page.id);
  const { clear } = pageConsole;
  const frame = preview.lastGood?.frame;
  // The frame on screen, the next build's beside it until its page started, and a warm one.
  const { slots, started, cold } = useFrameSwap(preview.lastGood);

  // Each new render starts a fresh console, as a reload would.
  useEffect(() => clear(), [frame, clear]);

  const context = useCallback(
    (granted: unknown) => mergeContext(granted, testContext.value),
    [testContext.value],
  );
  const state = preview.state;
  const status = useMemo(() => {
    if (state.status === "compiling") return { text: "Compiling…", tone: "quiet" };
    if (state.status === "failed")
      return frame
        ? { text: "Does not compile: showing the last good render", tone: "warn" }
        : { text: "Does not compile yet: see Problems", tone: "error" };
    if (state.status === "error") return { text: state.message, tone: "error" };
    if (state.status === "built" && fromDev !== null)
      return { text: fromDev ? `From quire dev (${fromDev})` : "From quire dev", tone: "ok" };
    if (state.status === "built") return { text: "Up to date", tone: "ok" };
    return { text: "Waiting for the first compile…", tone: "quiet" };
  }, [state, frame, fromDev]);

  return (
    <section className="studio-preview" aria-label="Preview">
      <div className="preview-bar">
        <span className={`preview-status preview-status-${status.tone}`} role="status" title={status.text}>
          {status.text}
        </span>
        <div className="segmented preview-width" role="group" aria-label="Preview width">
          <button type="button" aria-pressed={width === "full"} onClick={() => setWidth("full")}>
            Full width
          </button>
          <button
            type="button"
            aria-pressed={width === "sidebar"}
            onClick={() => setWidth("sidebar")}
            title="The inbox's conversation sidebar: 360 px"
          >
            Inbox 360
          </button>
        </div>
        <div className="segmented" role="group" aria-label="Preview theme">
          <button type="button" aria-pressed={theme === "light"} onClick={() => setTheme("light")}>
            Light
          </button>
          <button type="button" aria-pressed={theme === "dark"} onClick={() => setTheme("dark")}>
            Dark
          </button>
        </div>
        <button
          type="button"
          className="button button-quiet button-small"
          aria-expanded={showContext}
          onClick={() => setShowContext(!showContext)}
        >
          Context
        </button>
      </div>
      {showContext ? <ContextPanel context={testContext} /> : null}
      <div className={`preview-stage preview-stage-${width} preview-stage-${theme}`}>
        {slots.length > 0 ? (
          slots.map((slot) => (
            <PageFrame
              key={slot.key}
              project={project.slug}
              page={page.id}
              mode="preview"
              title={`Preview of ${page.name}`}
              frame={slot.frame}
              warmPage={slot.page}
              theme={theme}
              context={context}
              autoResize={false}
              className={slot.role === "shown" ? "preview-frame" : "preview-frame preview-frame-next"}
              onReady={slot.page ? undefined : () => started(slot.key)}
              onStarted={() => started(slot.key)}
              onFailed={() => (slot.role === "warm" ? cold(slot.key) : started(slot.key))}
              onConsole={pageConsole.log}
              onPageError={pageConsole.uncaught}
            />
          ))
        ) : (
          <p className="preview-empty muted">
            {state.status === "failed"
              ? "The preview appears once the text compiles."
              : "Compiling the page…"}
          </p>
        )}
      </div>
      <div className="preview-console">
        {consoleOpen ? (
          <PageConsole
            id="preview-console"
            lines={pageConsole.lines}
            dropped={pageConsole.dropped}
            onClear={clear}
            onClose={() => setConsoleOpen(false)}
          />
        ) : (
          <button
            type="button"
            className="button button-quiet button-small console-toggle"
            aria-expanded={false}
            aria-controls="preview-console"
            onClick={() => setConsoleOpen(true)}
          >
            Console
            {pageConsole.lines.length > 0 ? (
              <span className={pageConsole.errors > 0 ? "console-count console-count-error" : "console-count"}>
                {pageConsole.lines.length}
              </span>
            ) : null}
          </button>
        )}
      </div>
    </section>
  );
}
