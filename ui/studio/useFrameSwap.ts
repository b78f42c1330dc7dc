/**
 * Which preview frames are on the page, as builds arrive: the one shown, the next build
 * loading hidden beside it until its page has started (so the preview never blanks), and a
 * warm frame — the last build's shell (its artifact without the page: bridge, React and the
 * other packages, already started) loaded hidden ahead of time. A build whose shell is the
 * warm frame's runs its page there, which skips the download and React's start; any other
 * loads its whole artifact. The next warm frame loads only once the swap is done, so it never
 * competes with the repaint.
 */
import { useCallback, useReducer, useState } from "react";
import type { FrameGrant, WarmPage } from "../../bridge/host";

/** A build taken apart for a warm frame (`warm` of a preview's answer, or of `page.previewed`). */
export interface WarmBuild {
  shell: string;
  frame: FrameGrant;
  script: string;
  css: string;
}

/** A build to show: its whole artifact's frame, and its warm parts when it has them. */
export interface PreviewBuild {
  frame: FrameGrant;
  warm?: WarmBuild | null;
}

/** A frame on the page: the server's own grant of the head version has none. */
export interface FrameSlot {
  key: string;
  frame?: FrameGrant;
  /** Set when the page runs in a warm frame. */
  page?: WarmPage;
  /** The build shown (its whole artifact's nonce), whichever frame runs it. */
  build?: string;
  role: "shown" | "next" | "warm";
}

interface Warm {
  key: string;
  frame: FrameGrant;
  shell: string;
}

interface State {
  shown: Omit<FrameSlot, "role"> | null;
  next: Omit<FrameSlot, "role"> | null;
  warm: Warm | null;
  /** The warm frame to load once the next build is shown. */
  warmLater: Warm | null;
}

type Action = { type: "build"; build: PreviewBuild | "head" } | { type: "shown"; key: string } | { type: "cold"; key: string };

function reduce(state: State, action: Action): State {
  switch (action.type) {
    case "build": {
      if (action.build === "head") return { ...state, next: { key: "head" } };
      const { frame, warm } = action.build;
      // Back to the build on screen (a newer one had not started yet): nothing to load.
      if (frame.nonce === state.shown?.build) return { ...state, next: null };
      const later = warm ? { key: warm.frame.nonce, frame: warm.frame, shell: warm.shell } : null;
      if (warm && state.warm?.shell === warm.shell) {
        const page = { script: warm.script, css: warm.css };
        const next = { key: state.warm.key, frame: state.warm.frame, page, build: frame.nonce };
        return { ...state, next, warm: null, warmLater: later };
      }
      return { ...state, next: { key: frame.nonce, frame, build: frame.nonce }, warm: null, warmLater: later };
    }
    case "shown":
      if (state.next?.key !== action.key) return state;
      return { shown: state.next, next: null, warm: state.warm ?? state.warmLater, warmLater: null };
    case "cold":
      // A warm frame that failed to start: the next build loads whole.
      return state.warm?.key === action.key ? { ...state, warm: null } : state;
  }
}

/** The frames to render for the newest `build` (`"head"`: the server's grant of the head). */
export function useFrameSwap(build: PreviewBuild | "head" | null) {
  const [state, dispatch] = useReducer(reduce, { shown: null, next: null, warm: null, warmLater: null });
  // A build counts once, however often its object is made again; taken in during the render
  // that brings it (not an effect after it), so the warm frame gets its page a render sooner.
  const [taken, setTaken] = useState<string | null>(null);
  const id = build === null ? null : build === "head" ? "head" : build.frame.nonce;
  if (build !== null && id !== taken) {
    setTaken(id);
    dispatch({ type: "build", build });
  }

  const slots: FrameSlot[] = [];
  if (state.shown) slots.push({ ...state.shown, role: "shown" });
  if (state.next) slots.push({ ...state.next, role: "next" });
  if (state.warm) slots.push({ ...state.warm, role: "warm" });

  /** The slot's page started (or failed to: it is shown all the same, with its error). */
  const started = useCallback((key: string) => dispatch({ type: "shown", key }), []);
  /** A warm frame that did not start is dropped. */
  const cold = useCallback((key: string) => dispatch({ type: "cold", key }), []);
  return { slots, started, cold };
}
