/**
 * What a framed page wrote to its console and the errors it did not catch, as the bridge
 * forwards them: the lines the page console shows, at most `LIMIT` of them (older ones are
 * dropped and counted), and the uncaught errors counted apart. A page that logs in a tight loop
 * re-renders the view at most once per animation frame.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { ConsoleLevel } from "../../bridge/host";

export const LIMIT = 500;

export interface ConsoleLine {
  id: number;
  /** Unix milliseconds, when the host received it. */
  at: number;
  /** A console method, or "uncaught" for an error or rejection nobody caught. */
  level: ConsoleLevel | "uncaught";
  text: string;
  /** The stack of an uncaught error, when it has one beyond its message. */
  stack: string;
}

export interface PageConsole {
  lines: ConsoleLine[];
  /** Lines dropped to keep the last LIMIT. */
  dropped: number;
  /** Uncaught errors since the page opened or the console was cleared. */
  errors: number;
  lastError: string | null;
  log(level: ConsoleLevel, args: string[]): void;
  uncaught(message: string, stack: string): void;
  clear(): void;
}

interface State {
  lines: ConsoleLine[];
  dropped: number;
  errors: number;
  lastError: string | null;
}

const EMPTY: State = { lines: [], dropped: 0, errors: 0, lastError: null };

export function usePageConsole(): PageConsole {
  const [state, setState] = useState<State>(EMPTY);
  const queue = useRef<ConsoleLine[]>([]);
  const scheduled = useRef<number | null>(null);
  const nextId = useRef(1);

  const flush = useCallback(() => {
    scheduled.current = null;
    const incoming = queue.current;
    queue.current = [];
    if (incoming.length === 0) return;
    setState((previous) => {
      const all = previous.lines.concat(incoming);
      const excess = Math.max(0, all.length - LIMIT);
      const errors = incoming.filter((line) => line.level === "uncaught");
      return {
        lines: excess > 0 ? all.slice(excess) : all,
        dropped: previous.dropped + excess,
        errors: previous.errors + errors.length,
        lastError: errors.length > 0 ? errors[errors.length - 1].text : previous.lastError,
      };
    });
  }, []);

  const add = useCallback(
    (level: ConsoleLine["level"], text: string, stack: string) => {
      queue.current.push({ id: nextId.current++, at: Date.now(), level, text, stack });
      if (scheduled.current === null) scheduled.current = requestAnimationFrame(flush);
    },
    [flush],
  );

  useEffect(
    () => () => {
      if (scheduled.current !== null) cancelAnimationFrame(scheduled.current);
    },
    [],
  );

  const log = useCallback(
    (level: ConsoleLevel, args: string[]) => add(level, args.join(" "), ""),
    [add],
  );
  const uncaught = useCallback(
    (message: string, stack: string) => {
      // V8 stacks start with "Name: message"; show the frames only once.
      const frames = stack.includes(message)
        ? stack.slice(stack.indexOf(message) + message.length)
        : stack;
      add("uncaught", message, frames.replace(/^\s*\n/, "").trimEnd());
    },
    [add],
  );
  const clear = useCallback(() => {
    queue.current = [];
    setState(EMPTY);
  }, []);

  return { ...state, log, uncaught, clear };
}
